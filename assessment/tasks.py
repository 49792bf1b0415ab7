"""Celery tasks of assessment: thin, idempotent, call services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .services.rectification import overdue_notify


@shared_task(acks_late=True)
def notify_overdue_rectification() -> int:
    """Daily: a notice for each overdue rectification item, once per item and deadline."""
    return overdue_notify(today=timezone.localdate())


@shared_task(acks_late=True, autoretry_for=(Exception,), retry_backoff=True, max_retries=3)
def refresh_rollups(branch_ids: list[int], years: list[int] | None = None) -> int:
    """After a dues payment or a member change: the branches' dashboard rollups (idempotent)."""
    from . import rollups

    return rollups.refresh_branches(branch_ids, years)
