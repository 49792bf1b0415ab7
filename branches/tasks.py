"""Celery tasks of the branches app: thin wrappers over services."""

import datetime as dt

from celery import shared_task

from . import services


@shared_task
def send_term_reminders(today: str | None = None) -> int:
    """Daily (beat): 换届提醒 at 6, 3, 1 months before expiry, on the day, monthly while overdue."""
    day = dt.date.fromisoformat(today) if today else None
    return services.term_reminders_send(today=day)
