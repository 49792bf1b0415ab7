"""The sweeper: a ledger whose job stopped (its worker was killed) is tried once more or failed.

Beat runs it every five minutes (``archives.tasks.sweep_stale_ledgers``, on the default queue, so
it runs even when every report machine is down). A running ledger is stale when its heartbeat
is ``LEDGER_STALE_MINUTES`` old or older (``ledgers.stale``). The message of a killed worker's
task only comes back after the broker's visibility timeout (an hour), so the sweeper acts first:

* a ledger built by one task (a workbook, a branch's PDF) with an attempt left is queued again
  and its task sent anew; the claim then counts the second attempt;
* any other is failed with ``ledgers.WORKER_STOPPED``, so the page shows why and offers 重新生成.

A subtree PDF whose branches have been handed out (``parts_total`` > 0) is waiting for parts that
may sit in the ``reports`` queue behind other ledgers' work; it is judged only when no ledger at
all has shown life within the window, i.e. the report workers are idle or gone. It is never
queued again: its parts are still in the broker, and the old chord would race a new one.

Every write repeats the staleness test in its UPDATE, so a job that shows life meanwhile, or a
second sweeper, changes nothing: sweeping twice is sweeping once. Earlier versions' files are
never touched; a job that finishes after it was failed is dropped (``ledgers.ledger_store``).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ..models import LedgerFile, LedgerFormat, LedgerStatus
from . import ledgers

logger = logging.getLogger(__name__)

HANDED_OUT = Q(subtree=True, format=LedgerFormat.PDF, parts_total__gt=0)


@dataclass
class Swept:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def sweep_stale_ledgers(*, now: dt.datetime | None = None) -> Swept:
    """Settle every stale running ledger: queued again once, or failed with the reason."""
    now = now or timezone.now()
    cutoff = now - ledgers.stale_after()
    candidates = LedgerFile.objects.filter(ledgers.stale(cutoff))
    if LedgerFile.objects.filter(heartbeat_at__gt=cutoff).exists():
        candidates = candidates.exclude(HANDED_OUT)
    swept = Swept()
    for ledger in candidates.only("pk", "attempts", "subtree", "format", "parts_total").order_by("pk"):
        if ledger.attempts < ledgers.MAX_ATTEMPTS and not _handed_out(ledger):
            if _requeue(ledger.pk, cutoff):
                swept.requeued.append(ledger.pk)
        elif _fail(ledger.pk, cutoff, now):
            swept.failed.append(ledger.pk)
    return swept


def _handed_out(ledger: LedgerFile) -> bool:
    return ledger.is_zip and ledger.parts_total > 0


def _requeue(ledger_id: int, cutoff: dt.datetime) -> bool:
    """Queue the ledger again under a new task id (the old message, if it ever comes back, then finds
    the ledger taken or done) and send its task after the commit."""
    with transaction.atomic():
        updated = LedgerFile.objects.filter(ledgers.stale(cutoff), pk=ledger_id).update(
            status=LedgerStatus.QUEUED,
            task_id=str(uuid.uuid4()),
            percent=0,
            step="上次生成中断，排队重新生成",
            parts_total=0,
            parts_done=0,
        )
        if updated:
            ledger = LedgerFile.objects.get(pk=ledger_id)
            transaction.on_commit(lambda: ledgers.ledger_send(ledger))
    if updated:
        logger.warning("ledger %s: its job stopped, queued again", ledger_id)
    return bool(updated)


def _fail(ledger_id: int, cutoff: dt.datetime, now: dt.datetime) -> bool:
    updated = LedgerFile.objects.filter(ledgers.stale(cutoff), pk=ledger_id).update(
        status=LedgerStatus.FAILED, error=ledgers.WORKER_STOPPED, step="生成失败", finished_at=now
    )
    if updated:
        logger.warning("ledger %s: its job stopped, failed", ledger_id)
    return bool(updated)
