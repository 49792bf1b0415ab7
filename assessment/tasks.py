"""Celery tasks of assessment: thin, idempotent, call services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .services.rectification import overdue_notify


@shared_task(acks_late=True)
def notify_overdue_rectification() -> int:
    """Daily: a notice for each overdue rectification item, once per item and deadline."""
    return overdue_notify(today=timezone.localdate())
