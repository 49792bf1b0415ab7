"""The life of a ledger file: requested (a new version) → queued → running → done or failed.

Tasks call ``ledger_claim`` first, which takes the ledger in one UPDATE, so a redelivered or
doubled task finds the work taken and returns. Every sign of life of a running job (the claim,
progress, a branch's part done) refreshes ``heartbeat_at``: a running ledger silent for
``settings.LEDGER_STALE_MINUTES`` has lost its worker, and the claim of a redelivered task may take
it over while it has attempts left (``MAX_ATTEMPTS``); the sweeper (``sweeper.py``) settles the
rest. A failure keeps its reason and never touches the files of earlier versions, which live
under their own names.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction
from django.db.models import Case, F, Max, Q, Value, When
from django.utils import timezone

from branches import access
from branches.models import Organisation, OrgKind

from .. import rules
from ..models import LedgerFile, LedgerFormat, LedgerStatus

logger = logging.getLogger(__name__)

ERROR_LENGTH = 500
# The first run and one more after its worker died; a job that kills its worker every time stops here.
MAX_ATTEMPTS = 2
WORKER_STOPPED = "生成中断（工作进程停止），请重新生成。"


def stale_after() -> dt.timedelta:
    """How long a running job may stay silent before it is taken for dead (LEDGER_STALE_MINUTES)."""
    return dt.timedelta(minutes=settings.LEDGER_STALE_MINUTES)


def stale(cutoff: dt.datetime) -> Q:
    """Running ledgers with no sign of life since ``cutoff`` (inclusive); one without any heartbeat
    was never claimed through ``ledger_claim`` and counts as silent too."""
    return Q(status=LedgerStatus.RUNNING) & (Q(heartbeat_at__lte=cutoff) | Q(heartbeat_at__isnull=True))


def formats_for(choice: str) -> list[str]:
    """The form's choice (xlsx, pdf or both) as the formats to build."""
    if choice == "both":
        return [LedgerFormat.XLSX, LedgerFormat.PDF]
    if choice in LedgerFormat.values:
        return [choice]
    raise ValidationError({"format": "请选择台账格式：Excel、PDF 或两者。"})


def ledger_request(*, user, organisation: Organisation, year: int, formats: list[str]) -> list[LedgerFile]:
    """New versions of the organisation's ledger for the year, one per format, and their tasks sent.

    The tasks leave after the commit, with the task id stored first, so the page that
    follows can already show (and poll) them.
    """
    from ..tasks import build_ledger

    if not access.can_keep_archives(user, organisation):
        raise ValidationError("您无权生成该组织的台账。")
    if organisation.kind == OrgKind.PARTY_GROUP:
        raise ValidationError("党小组的台账随所在党支部生成。")
    if not formats or any(f not in LedgerFormat.values for f in formats):
        raise ValidationError({"format": "请选择台账格式：Excel、PDF 或两者。"})
    if (
        why := rules.year_error(year, today=timezone.localdate(), founded_on=organisation.founded_on)
    ) is not None:
        raise ValidationError({"year": why})
    made: list[LedgerFile] = []
    with transaction.atomic():
        # One request at a time per organisation, so two never take the same version number.
        Organisation.objects.select_for_update().filter(pk=organisation.pk).first()
        for fmt in dict.fromkeys(formats):
            last = LedgerFile.objects.filter(organisation=organisation, year=year, format=fmt).aggregate(
                n=Max("version")
            )["n"]
            made.append(
                LedgerFile.objects.create(
                    organisation=organisation,
                    year=year,
                    format=fmt,
                    version=(last or 0) + 1,
                    subtree=not organisation.is_branch,
                    requested_by=user if getattr(user, "pk", None) else None,
                    task_id=str(uuid.uuid4()),
                    step="排队等待",
                )
            )
        for ledger in made:
            transaction.on_commit(lambda ledger=ledger: _send(build_ledger, ledger))
    return made


def ledger_send(ledger: LedgerFile) -> None:
    """Send the ledger's build task under its stored task id (after the commit that queued it)."""
    from ..tasks import build_ledger

    _send(build_ledger, ledger)


def _send(task, ledger: LedgerFile) -> None:
    """Hand the ledger to Celery; if the broker cannot take it, the ledger fails with that reason
    instead of waiting in the queue for ever."""
    try:
        task.apply_async((ledger.pk,), task_id=ledger.task_id)
    except Exception:  # noqa: BLE001 - whatever the broker raises, the user gets a reason, not a 500
        logger.exception("ledger %s: task not sent", ledger.pk)
        ledger_fail(ledger.pk, "无法提交后台任务（任务队列暂不可用），请稍后点击“重新生成”。")


def ledger_claim(ledger_id: int, *, now: dt.datetime | None = None) -> LedgerFile | None:
    """Take a ledger for building: a queued one, or a running one whose job went silent.

    A running ledger is taken over when its heartbeat is LEDGER_STALE_MINUTES old or older (its
    worker died and the task came back) and it has attempts left; None when another run has it,
    it is finished, or its attempts are used up (the sweeper then fails it).
    """
    now = now or timezone.now()
    takeable = Q(status=LedgerStatus.QUEUED) | (stale(now - stale_after()) & Q(attempts__lt=MAX_ATTEMPTS))
    claimed = LedgerFile.objects.filter(takeable, pk=ledger_id).update(
        status=LedgerStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        percent=1,
        # Each expression reads the row as it was: attempts before this claim.
        step=Case(
            When(attempts__gte=1, then=Value("上次生成中断，重新生成")),
            default=Value("开始生成"),
            output_field=models.CharField(),
        ),
        parts_total=0,
        parts_done=0,
        error="",
    )
    if not claimed:
        return None
    ledger = LedgerFile.objects.select_related("organisation").get(pk=ledger_id)
    if ledger.attempts > 1:
        logger.warning("ledger %s: taken over after its job stopped (attempt %s)", ledger_id, ledger.attempts)
    return ledger


def ledger_progress(ledger_id: int, percent: int, step: str) -> None:
    """Write how far the build is (never backwards, never past 99 before the file is stored); any
    report, even one behind the bar, is a sign of life."""
    percent = max(0, min(99, int(percent)))
    forward = Q(percent__lte=percent)
    LedgerFile.objects.filter(pk=ledger_id, status=LedgerStatus.RUNNING).update(
        heartbeat_at=timezone.now(),
        percent=Case(
            When(forward, then=Value(percent)),
            default=F("percent"),
            output_field=models.PositiveSmallIntegerField(),
        ),
        step=Case(When(forward, then=Value(step[:60])), default=F("step"), output_field=models.CharField()),
    )


def ledger_is_running(ledger_id: int) -> bool:
    """Whether the ledger still wants its parts: a subtree PDF's late parts of a ledger that was failed
    (or finished) meanwhile are dropped."""
    return LedgerFile.objects.filter(pk=ledger_id, status=LedgerStatus.RUNNING).exists()


def ledger_part_done(ledger_id: int, step: str) -> int:
    """One more branch of a subtree PDF is ready; the bar runs from 5 to 90 % over the parts."""
    LedgerFile.objects.filter(pk=ledger_id).update(parts_done=F("parts_done") + 1)
    ledger = LedgerFile.objects.only("parts_done", "parts_total").get(pk=ledger_id)
    total = max(ledger.parts_total, 1)
    ledger_progress(ledger_id, 5 + 85 * ledger.parts_done // total, step)
    return ledger.parts_done


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ledger_store(ledger_id: int, path: Path) -> LedgerFile:
    """Keep the built file (size, sha256) through the storage backend and mark the ledger done.

    Idempotent: a ledger already done keeps its file and the new one is not stored. A ledger
    failed meanwhile (the sweeper gave its job up) stays failed: the person was told so and may
    have asked for a new version.
    """
    with transaction.atomic():
        ledger = (
            LedgerFile.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=ledger_id)
        )
        if ledger.finished:
            return ledger
        org = ledger.organisation
        ledger.filename = rules.ledger_filename(org.name, ledger.year, ledger.version, ledger.extension)
        ledger.size = path.stat().st_size
        ledger.sha256 = sha256_of(path)
        storage_name = f"{rules.ascii_name(org.code)}-{ledger.year}-v{ledger.version}{ledger.extension}"
        with open(path, "rb") as handle:
            ledger.file.save(storage_name, File(handle), save=False)
        ledger.status = LedgerStatus.DONE
        ledger.percent = 100
        ledger.step = "已完成"
        ledger.error = ""
        ledger.finished_at = ledger.heartbeat_at = timezone.now()
        ledger.save()
    return ledger


def ledger_fail(ledger_id: int, error: str) -> bool:
    """Mark a queued or running ledger failed with a reason a person can read; a finished one keeps
    its outcome (and its first reason). Earlier versions are untouched."""
    text = (error or "生成失败（原因不明）。").strip()[:ERROR_LENGTH]
    updated = LedgerFile.objects.filter(
        pk=ledger_id, status__in=(LedgerStatus.QUEUED, LedgerStatus.RUNNING)
    ).update(status=LedgerStatus.FAILED, error=text, step="生成失败", finished_at=timezone.now())
    if updated:
        logger.warning("ledger %s failed: %s", ledger_id, text)
    return bool(updated)
