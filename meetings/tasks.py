"""Celery tasks of organisational life: thin, idempotent, take ids."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import compliance
from .services.reminders import shortfall_reminders_send


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def refresh_compliance(organisation_id: int, year: int) -> int:
    """After a meeting, talk or appraisal is saved: the branch's rows for that year."""
    return compliance.refresh([organisation_id], year)


@shared_task(acks_late=True)
def refresh_all_compliance(year: int | None = None) -> int:
    """Nightly, and after an admin changes a requirement: every organisation's rows.

    In January the previous year is refreshed too, so late entries (补录) reach it.
    """
    today = timezone.localdate()
    if year is not None:
        return compliance.refresh_all(year, today=today)
    written = compliance.refresh_all(today.year, today=today)
    if today.month == 1:
        written += compliance.refresh_all(today.year - 1, today=today)
    return written


@shared_task
def send_compliance_reminders() -> int:
    return shortfall_reminders_send()
