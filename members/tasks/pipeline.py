"""Celery tasks of the pipeline: thin wrappers over services, idempotent by their unique notices."""

import datetime as dt

from celery import shared_task

from ..services import pipeline as services

__all__ = ["send_pipeline_reminders"]


@shared_task
def send_pipeline_reminders(today: str | None = None) -> int:
    """Daily (beat): probations ending within 30 days or overdue, activists at a year — to secretaries."""
    day = dt.date.fromisoformat(today) if today else None
    return services.pipeline_reminders_send(today=day)
