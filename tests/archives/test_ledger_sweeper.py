"""A ledger job that stopped (its worker killed) is taken over, queued again once or failed, never left
"running": the claim's and the sweeper's rules at the LEDGER_STALE_MINUTES boundary (eager Celery,
SQLite or PostgreSQL). tests/archives/test_killed_worker.py kills real workers."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone

from archives import tasks
from archives.models import LedgerFile, LedgerFormat, LedgerStatus
from archives.services import build, sweeper
from archives.services import ledgers as service
from config.celery import app
from tests.archives.conftest import YEAR

STALE = dt.timedelta(minutes=10)
SECOND = dt.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def _settings(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LEDGER_STALE_MINUTES = 10


@pytest.fixture
def now():
    return timezone.now()


@pytest.fixture
def make(tree):
    """A ledger row of 东村党支部 (or of the town committee: subtree) in a given state."""
    versions: dict[tuple, int] = {}

    def _make(status, *, heartbeat=None, attempts=0, fmt=LedgerFormat.XLSX, subtree=False, **fields):
        org = tree["town"] if subtree else tree["branch"]
        key = (org.pk, fmt)
        versions[key] = versions.get(key, 0) + 1
        return LedgerFile.objects.create(
            organisation=org,
            year=YEAR,
            format=fmt,
            version=versions[key],
            subtree=subtree,
            status=status,
            heartbeat_at=heartbeat,
            attempts=attempts,
            task_id=f"task-{key}-{versions[key]}",
            **fields,
        )

    return _make


def _state(ledger: LedgerFile) -> tuple:
    ledger.refresh_from_db()
    return (ledger.status, ledger.attempts, ledger.error)


# ---- the claim ------------------------------------------------------------------------------------


def test_the_claim_takes_over_a_running_ledger_silent_for_exactly_the_stale_window(make, now):
    ledger = make(LedgerStatus.RUNNING, heartbeat=now - STALE, attempts=1, percent=40, parts_done=3)
    claimed = service.ledger_claim(ledger.pk, now=now)
    assert claimed is not None
    assert (claimed.status, claimed.attempts, claimed.heartbeat_at, claimed.started_at) == (
        LedgerStatus.RUNNING,
        2,
        now,
        now,
    )
    assert (claimed.percent, claimed.parts_done, claimed.step) == (1, 0, "上次生成中断，重新生成")


def test_the_claim_leaves_a_running_ledger_one_second_short_of_the_window(make, now):
    ledger = make(LedgerStatus.RUNNING, heartbeat=now - STALE + SECOND, attempts=1, percent=40)
    assert service.ledger_claim(ledger.pk, now=now) is None
    ledger.refresh_from_db()
    assert (ledger.status, ledger.attempts, ledger.percent) == (LedgerStatus.RUNNING, 1, 40)


def test_the_claim_stops_at_the_last_attempt(make, now):
    ledger = make(LedgerStatus.RUNNING, heartbeat=now - STALE * 3, attempts=service.MAX_ATTEMPTS)
    assert service.ledger_claim(ledger.pk, now=now) is None
    assert _state(ledger) == (LedgerStatus.RUNNING, service.MAX_ATTEMPTS, "")


def test_the_claim_takes_a_queued_ledger_and_never_a_finished_one(make, now):
    queued = make(LedgerStatus.QUEUED)
    claimed = service.ledger_claim(queued.pk, now=now)
    assert (claimed.attempts, claimed.step, claimed.heartbeat_at) == (1, "开始生成", now)
    long_ago = now - STALE * 10
    for status in (LedgerStatus.DONE, LedgerStatus.FAILED):
        finished = make(status, heartbeat=long_ago, attempts=1)
        assert service.ledger_claim(finished.pk, now=now) is None
        assert _state(finished) == (status, 1, "")


def test_every_progress_report_is_a_heartbeat_even_one_behind_the_bar(make):
    long_ago = timezone.now() - STALE * 2
    ledger = make(LedgerStatus.RUNNING, heartbeat=long_ago, attempts=1, percent=50, step="正在写入：出勤明细")
    service.ledger_progress(ledger.pk, 30, "回退")
    ledger.refresh_from_db()
    assert (ledger.percent, ledger.step) == (50, "正在写入：出勤明细")
    assert ledger.heartbeat_at > long_ago + STALE
    assert service.ledger_claim(ledger.pk) is None  # alive again: not taken over


# ---- the sweeper ----------------------------------------------------------------------------------


def test_the_sweeper_settles_only_stale_running_ledgers(make, now, django_capture_on_commit_callbacks):
    edge = now - STALE
    queued = make(LedgerStatus.QUEUED)
    done = make(LedgerStatus.DONE, heartbeat=edge - STALE, attempts=1, percent=100)
    failed = make(LedgerStatus.FAILED, heartbeat=edge - STALE, attempts=1, error="磁盘已满")
    alive = make(LedgerStatus.RUNNING, heartbeat=edge + SECOND, attempts=1, percent=30)
    once = make(LedgerStatus.RUNNING, heartbeat=edge, attempts=1, percent=60)
    twice = make(LedgerStatus.RUNNING, heartbeat=edge, attempts=2, percent=60)
    silent = make(LedgerStatus.RUNNING, heartbeat=None, attempts=2)
    old_task = once.task_id

    with django_capture_on_commit_callbacks() as sent:
        swept = sweeper.sweep_stale_ledgers(now=now)

    assert (swept.requeued, swept.failed) == ([once.pk], [twice.pk, silent.pk])
    assert len(sent) == 1  # once's task, sent again after the commit
    once.refresh_from_db()
    assert (once.status, once.attempts, once.percent) == (LedgerStatus.QUEUED, 1, 0)
    assert once.task_id != old_task and once.step == "上次生成中断，排队重新生成"
    for stopped in (twice, silent):
        stopped.refresh_from_db()
        assert stopped.status == LedgerStatus.FAILED
        assert stopped.error == "生成中断（工作进程停止），请重新生成。" == service.WORKER_STOPPED
        assert stopped.finished_at == now
    assert _state(queued) == (LedgerStatus.QUEUED, 0, "")
    assert _state(done) == (LedgerStatus.DONE, 1, "")
    assert _state(failed) == (LedgerStatus.FAILED, 1, "磁盘已满")
    assert _state(alive) == (LedgerStatus.RUNNING, 1, "")

    # Sweeping again (or a second beat) changes nothing.
    with django_capture_on_commit_callbacks() as again:
        assert sweeper.sweep_stale_ledgers(now=now) == sweeper.Swept()
    assert not again
    assert [_state(x) for x in (once, twice, silent)] == [
        (LedgerStatus.QUEUED, 1, ""),
        (LedgerStatus.FAILED, 2, service.WORKER_STOPPED),
        (LedgerStatus.FAILED, 2, service.WORKER_STOPPED),
    ]


def test_a_requeued_ledger_is_built_by_its_second_attempt_and_version_one_stays_intact(
    ledger_year, secretary, django_capture_on_commit_callbacks
):
    branch = ledger_year["branch"]
    with django_capture_on_commit_callbacks(execute=True):
        (first,) = service.ledger_request(user=secretary, organisation=branch, year=YEAR, formats=["xlsx"])
    first.refresh_from_db()
    assert first.status == LedgerStatus.DONE
    before = (first.file.name, _sha256(first))

    # Version 2's worker was killed at 40 %: claimed, progress written, then silence.
    (second,) = service.ledger_request(user=secretary, organisation=branch, year=YEAR, formats=["xlsx"])
    service.ledger_claim(second.pk)
    service.ledger_progress(second.pk, 40, "正在写入：三会一课")
    LedgerFile.objects.filter(pk=second.pk).update(heartbeat_at=timezone.now() - STALE)

    with django_capture_on_commit_callbacks(execute=True):  # eager: the task sent again runs here
        swept = sweeper.sweep_stale_ledgers()
    assert swept.requeued == [second.pk]
    second.refresh_from_db()
    assert (second.status, second.attempts, second.version) == (LedgerStatus.DONE, 2, 2)
    assert second.sha256 == _sha256(second) and second.file.name != first.file.name
    first.refresh_from_db()
    assert (first.file.name, _sha256(first)) == before == (first.file.name, first.sha256)


def test_a_redelivered_task_takes_over_the_silent_ledger(ledger_year, secretary):
    """The broker hands a killed worker's message out again: the same task, on a ledger left running."""
    (ledger,) = service.ledger_request(
        user=secretary, organisation=ledger_year["branch"], year=YEAR, formats=["pdf"]
    )
    service.ledger_claim(ledger.pk)
    service.ledger_progress(ledger.pk, 20, "正在排版")
    assert tasks.build_ledger.apply(args=(ledger.pk,), task_id=ledger.task_id).get() == "skipped"  # alive
    LedgerFile.objects.filter(pk=ledger.pk).update(heartbeat_at=timezone.now() - STALE)
    assert tasks.build_ledger.apply(args=(ledger.pk,), task_id=ledger.task_id).get() == "done"
    ledger.refresh_from_db()
    assert (ledger.status, ledger.attempts, ledger.percent) == (LedgerStatus.DONE, 2, 100)


def test_a_subtree_pdf_waiting_for_its_parts_is_judged_only_when_no_ledger_shows_life(make, now):
    edge = now - STALE
    waiting = make(
        LedgerStatus.RUNNING, fmt=LedgerFormat.PDF, subtree=True, heartbeat=edge, attempts=1, parts_total=4
    )
    busy = make(LedgerStatus.RUNNING, heartbeat=edge + SECOND, attempts=1)
    assert sweeper.sweep_stale_ledgers(now=now) == sweeper.Swept()  # its parts may wait behind busy's work
    assert _state(waiting) == (LedgerStatus.RUNNING, 1, "")
    LedgerFile.objects.filter(pk=busy.pk).update(heartbeat_at=edge)
    swept = sweeper.sweep_stale_ledgers(now=now)
    # Never queued again (its parts are still in the broker): failed, while busy gets its second attempt.
    assert (swept.requeued, swept.failed) == ([busy.pk], [waiting.pk])
    assert _state(waiting) == (LedgerStatus.FAILED, 1, service.WORKER_STOPPED)


def test_late_parts_of_a_failed_subtree_pdf_are_dropped_and_it_stays_failed(make, tree, monkeypatch):
    ledger = make(LedgerStatus.FAILED, fmt=LedgerFormat.PDF, subtree=True, attempts=1, error="生成中断")
    stored = default_storage.save(build.part_name(ledger.pk, tree["branch"].pk), ContentFile(b"%PDF-1.7"))

    def no_rendering(*args, **kwargs):
        raise AssertionError("a part of a failed ledger was rendered")

    monkeypatch.setattr(build, "build_part", no_rendering)
    assert tasks.build_ledger_part.apply(args=(ledger.pk, tree["other_branch"].pk)).get() == ""
    assert tasks.assemble_ledger.apply(args=([stored, ""], ledger.pk)).get() == "discarded"
    assert not default_storage.exists(stored)
    tasks.ledger_part_failed.apply(args=(None, "late", None, ledger.pk))
    assert _state(ledger) == (LedgerStatus.FAILED, 1, "生成中断")  # the first reason stays
    assert not LedgerFile.objects.get(pk=ledger.pk).file


def test_a_build_finishing_after_its_ledger_failed_does_not_revive_it(make, tmp_path):
    ledger = make(LedgerStatus.FAILED, attempts=2, error=service.WORKER_STOPPED)
    late = tmp_path / "late.xlsx"
    late.write_bytes(b"late")
    assert service.ledger_store(ledger.pk, late).status == LedgerStatus.FAILED
    ledger.refresh_from_db()
    assert not ledger.file and ledger.error == service.WORKER_STOPPED


def test_the_command_sweeps(make, capsys):
    stale = make(LedgerStatus.RUNNING, heartbeat=timezone.now() - STALE * 2, attempts=2)
    call_command("sweep_ledgers")
    assert "标记失败 1 份" in capsys.readouterr().out
    assert _state(stale) == (LedgerStatus.FAILED, 2, service.WORKER_STOPPED)


# ---- the settings that make it work -----------------------------------------------------------


def test_beat_sweeps_every_five_minutes_on_the_default_queue():
    (entry,) = (
        e for e in app.conf.beat_schedule.values() if e["task"] == "archives.tasks.sweep_stale_ledgers"
    )
    assert entry["schedule"].minute == set(range(0, 60, 5))
    assert app.amqp.router.route({}, "archives.tasks.sweep_stale_ledgers")["queue"].name == "celery"
    assert app.amqp.router.route({}, "archives.tasks.build_ledger")["queue"].name == "reports"


def test_the_visibility_timeout_outlasts_a_ledger_and_the_rebuild_delay():
    """A message held past the visibility timeout is delivered twice: the 70 s subtree workbook and the
    build's delayed retry (an ETA message a worker holds unacknowledged) must both end well before."""
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    assert timeout == 3600
    assert tasks.REBUILD_DELAY == 10 * 60 + 5 < timeout
    assert tasks.build_ledger.acks_late and tasks.build_ledger.reject_on_worker_lost
    assert tasks.build_ledger.retry_on_worker_lost and tasks.build_ledger.max_retries == 1


def _sha256(ledger: LedgerFile) -> str:
    with ledger.file.open("rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()
