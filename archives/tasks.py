"""Celery tasks of the archives: build a ledger file; a subtree's PDF as a chord of per-branch parts.

Thin and idempotent: they take ids, claim the ledger (a queued one, or a running one whose job
went silent), and call ``services.build``. Any error ends as a failed ledger with its reason,
never as a ledger left "running"; the earlier versions' files are not touched. They run on the
``reports`` queue (settings.CELERY_TASK_ROUTES), and read the year's data from the read replica
when one is configured.

A worker that dies mid-job: every task is acknowledged only after it ran (``acks_late``), so a
killed worker's message comes back after the broker's visibility timeout. When only the pool's
child process dies (out of memory, killed), the worker sends the task again itself
(``retry_on_worker_lost``, bounded by ``max_retries``; ``reject_on_worker_lost`` puts the message
back should that send fail): ``build_ledger`` once the heartbeat is stale, so that the claim takes
the silent ledger over; a part or the zip at once, and when their retries are used up the ledger
fails, never loops. Whatever is left running and silent, ``sweep_stale_ledgers`` settles
(services/sweeper.py).
"""

from __future__ import annotations

import logging

from celery import chord, shared_task
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage

from config.replica import reads_from_replica

from .models import LedgerFile, LedgerFormat
from .services import build, sweeper
from .services import ledgers as service

logger = logging.getLogger(__name__)

PART_RETRIES = 2
# A build whose pool process died is sent again once its heartbeat is stale, so that the claim takes it.
REBUILD_DELAY = round(service.stale_after().total_seconds()) + 5


def _reason(error: BaseException) -> str:
    if isinstance(error, ValidationError):
        return "；".join(error.messages)
    return f"生成时出错：{type(error).__name__}: {error}"


def _replica_reads():
    """The year's data may come from the replica; the ledger's own row never: the job reads back
    what it has just written there (claimed, parts counted, stored), which a replica may not have yet.
    """
    return reads_from_replica(keep_on_primary=(LedgerFile,))


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    retry_on_worker_lost=True,
    max_retries=service.MAX_ATTEMPTS - 1,
    default_retry_delay=REBUILD_DELAY,
)
def build_ledger(self, ledger_id: int) -> str:
    """Build one ledger file; a subtree PDF hands its branches to a chord and returns at once."""
    ledger = service.ledger_claim(ledger_id)
    if ledger is None:
        return "skipped"
    try:
        with _replica_reads():
            if ledger.format == LedgerFormat.XLSX:
                return build.build_workbook(ledger).status
            if not ledger.subtree:
                return build.build_branch_pdf(ledger).status
            branches = build.subtree_branches(ledger)
            header = [build_ledger_part.s(ledger_id, branch_id) for branch_id in branches]
            chord(header)(assemble_ledger.s(ledger_id).on_error(ledger_part_failed.s(ledger_id)))
            return "dispatched"
    except Exception as error:  # noqa: BLE001 - every failure becomes the ledger's recorded reason
        logger.exception("ledger %s failed", ledger_id)
        service.ledger_fail(ledger_id, _reason(error))
        return "failed"


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=(Exception,),
    retry_on_worker_lost=True,
    max_retries=PART_RETRIES,
    default_retry_delay=2,
    retry_backoff=2,
    retry_jitter=False,
)
def build_ledger_part(self, ledger_id: int, branch_id: int) -> str:
    """One branch's PDF of a subtree ledger, retried on failure; returns the stored part's name, or ""
    when the ledger no longer wants it (failed meanwhile, e.g. by the sweeper)."""
    if not service.ledger_is_running(ledger_id):
        return ""
    with _replica_reads():
        return build.build_part(ledger_id, branch_id)


@shared_task(bind=True, acks_late=True, retry_on_worker_lost=True, max_retries=1, default_retry_delay=2)
def assemble_ledger(self, stored_parts: list[str], ledger_id: int) -> str:
    """The chord's body: the summary PDF and the parts zipped into the ledger file. A ledger no longer
    running (failed while its parts were built) keeps its outcome, and the parts are removed."""
    if not service.ledger_is_running(ledger_id):
        _discard(stored_parts)
        return "discarded"
    try:
        with _replica_reads():
            build.assemble_zip(ledger_id, stored_parts)
    except Exception as error:  # noqa: BLE001
        logger.exception("ledger %s: zip failed", ledger_id)
        service.ledger_fail(ledger_id, _reason(error))
        return "failed"
    return "done"


def _discard(stored_parts: list[str]) -> None:
    for stored in filter(None, stored_parts):
        if default_storage.exists(stored):
            default_storage.delete(stored)


@shared_task
def ledger_part_failed(request, exc, traceback, ledger_id: int) -> None:
    """A branch's part failed after its retries: the whole ledger fails with that reason."""
    service.ledger_fail(ledger_id, f"有党支部的台账生成失败（已重试{PART_RETRIES}次）：{exc}")


@shared_task
def sweep_stale_ledgers() -> dict[str, list[int]]:
    """Beat, every five minutes: ledgers whose job stopped are queued again once, or failed."""
    swept = sweeper.sweep_stale_ledgers()
    return {"requeued": swept.requeued, "failed": swept.failed}
