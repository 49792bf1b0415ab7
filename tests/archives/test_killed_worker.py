"""A real Celery worker killed (SIGKILL) in the middle of a ledger job: the job ends done or failed with
its reason, never "running", and version 1's file stays as it was.

Three deaths: the whole worker killed while it writes a workbook (the next worker gets the message
back and takes the ledger over), the whole worker killed among a subtree PDF's parts (the sweeper
fails the ledger; the late parts change nothing), and only the prefork pool's child killed (its
worker sends the task again). The solo workers are those of ``manage.py bench_workers`` (``celery -A
config worker -Q reports``, prefetch 1), pointed at this test's PostgreSQL database, media folder and
REDIS_URL. A killed worker's message only comes back after the broker's visibility timeout, an hour
in production; the second worker here runs with a timeout of 2 s and a stale window of 3 s
(CELERY_VISIBILITY_TIMEOUT, LEDGER_STALE_MINUTES in its environment), and the sweeper runs in this
process with the same window.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.utils import timezone

from archives.defaults import ensure_defaults as ensure_archive_defaults
from archives.management.commands.ledger_bench import _meetings
from archives.models import LedgerFile, LedgerStatus
from archives.services import build, sweeper
from archives.services import ledgers as service
from config.celery import app
from scale.management.commands.bench_workers import TaskEvents, Workers, wait_done
from tests.assessment.dashboard_fixture import generate
from tests.worker_processes import MARKS, worker_database_url

YEAR = 2025
STALE_SECONDS = 3
# The second worker: messages unacknowledged for 2 s are handed out again; silent for 3 s is stale.
QUICK = {"CELERY_VISIBILITY_TIMEOUT": "2", "LEDGER_STALE_MINUTES": str(STALE_SECONDS / 60)}
PREFORK_STALE_SECONDS = 10

pytestmark = MARKS


def _unacked() -> list[dict]:
    """The messages a worker took and has not acknowledged: what the broker will hand out again."""
    with app.connection_for_read() as conn:
        raw = conn.default_channel.client.hvals("unacked")
    return [json.loads(entry)[0]["headers"] for entry in raw]


def _forget_reports_messages() -> None:
    """No message of a ledger of this test may reach a later test's worker (another database)."""
    with app.connection_for_write() as conn:
        channel = conn.default_channel
        channel.queue_purge("reports")
        client = channel.client
        for tag, entry in client.hgetall("unacked").items():
            if json.loads(entry)[2] == "reports":
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


@pytest.fixture
def env(transactional_db, settings, tmp_path):
    """The workers' environment; tasks leave for the broker; the broker forgets this test's messages."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LEDGER_STALE_MINUTES = STALE_SECONDS / 60
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    _forget_reports_messages()
    try:
        yield {
            "DATABASE_URL": worker_database_url(),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "REDIS_URL": os.environ["REDIS_URL"],
        }
    finally:
        app.conf.task_always_eager = previous
        _forget_reports_messages()


@pytest.fixture
def committee(admin_user):
    """A committee of four branches of about 50 party members each, with a year of meetings: its
    workbook and each branch's PDF take a few seconds, long enough to be killed in."""
    ensure_archive_defaults()
    made = generate(seed=4242, branches=4, years=(YEAR,), today=dt.date(YEAR + 1, 1, 15), members=(62, 68))
    _meetings(made.branch_ids, YEAR)
    return made.root


def _ask(user, organisation, fmt: str) -> LedgerFile:
    # transaction=True: the commit is immediate, so on_commit sends the task to the broker here.
    (ledger,) = service.ledger_request(user=user, organisation=organisation, year=YEAR, formats=[fmt])
    return ledger


def _wait_until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {seconds} s")


def _kill(workers: Workers) -> None:
    (process,) = workers.processes
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)


def _file_digest(ledger: LedgerFile) -> tuple[str, str]:
    ledger.refresh_from_db()
    with ledger.file.open("rb") as handle:
        return ledger.file.name, hashlib.sha256(handle.read()).hexdigest()


def _wait_stale(ledger: LedgerFile) -> None:
    """Until the killed job's last heartbeat is older than the stale window."""
    ledger.refresh_from_db()
    time.sleep(max(0.0, (ledger.heartbeat_at - timezone.now()).total_seconds() + STALE_SECONDS + 0.2))


class PreforkWorker:
    """``celery worker`` with the prefork pool of one child process, as ``make worker`` runs it (the
    pool is prefork by default); the out-of-memory killer would pick the child that builds."""

    def __init__(self, events: TaskEvents, env: dict[str, str]):
        self.hostname = f"prefork-{os.getpid()}@{os.uname().nodename}"
        self.events = events
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env}

    def __enter__(self) -> PreforkWorker:
        command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "reports", "-E"]
        command += ["--pool", "prefork", "--concurrency", "1", "--prefetch-multiplier", "1"]
        command += ["--without-gossip", "--without-mingle", "-n", self.hostname, "-l", "warning"]
        self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            command,
            cwd=django_settings.BASE_DIR,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            self.events.wait_online({self.hostname}, [self.process], 90)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def children(self) -> list[int]:
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:  # the parent's pid, field 4 of stat
                found.append(int(stat.parent.name))
        return found


@pytest.mark.django_db(transaction=True)
def test_a_workbook_whose_pool_process_was_killed_is_retried_by_its_worker(env, committee, admin_user):
    """Only the pool's child dies: the worker sends the task again after the stale window
    (retry_on_worker_lost) and the claim takes the silent ledger over; no second worker, no sweeper,
    no redelivery by the broker."""
    started = time.monotonic()
    # The visibility timeout stays an hour: the message cannot come back through the broker here. The
    # stale window (10 s) outlasts the worker's notice of the death (about 4 s), so a message merely put
    # back (reject_on_worker_lost) would find the job alive and be skipped; the retry comes after it.
    stale_window = {"LEDGER_STALE_MINUTES": str(PREFORK_STALE_SECONDS / 60)}
    with TaskEvents() as events, PreforkWorker(events, env={**env, **stale_window}) as worker:
        first = wait_done(_ask(admin_user, committee, "xlsx"), seconds=120)
        assert first.status == LedgerStatus.DONE, first.error
        v1 = _file_digest(first)
        second = _ask(admin_user, committee, "xlsx")
        _wait_until(
            lambda: LedgerFile.objects.filter(pk=second.pk, percent__gte=5).exists(), 60, "v2 running"
        )
        (child,) = worker.children()
        os.kill(child, signal.SIGKILL)
        killed = time.monotonic()
        second.refresh_from_db()
        assert (second.status, second.attempts) == (LedgerStatus.RUNNING, 1), "killed too late"
        second = wait_done(second, seconds=60)
        recovered = time.monotonic()
        assert worker.process.poll() is None  # the worker itself lives on, with a new child
        assert second.task_id not in {m["id"] for m in _unacked()}  # the first delivery was acknowledged
    assert (second.status, second.attempts, second.percent) == (LedgerStatus.DONE, 2, 100), second.error
    assert _file_digest(second)[1] == second.sha256
    assert _file_digest(first) == v1
    print(
        f"\nchild killed; done {recovered - killed:.1f} s later (retry after {PREFORK_STALE_SECONDS + 5} s); "
        f"test {time.monotonic() - started:.1f} s"
    )


@pytest.mark.django_db(transaction=True)
def test_a_workbook_whose_worker_was_killed_is_built_by_the_next_worker(env, committee, admin_user):
    started = time.monotonic()
    with TaskEvents() as events:
        with Workers(1, events, env=env, tag="doomed") as doomed:
            first = wait_done(_ask(admin_user, committee, "xlsx"), seconds=120)
            assert first.status == LedgerStatus.DONE, first.error
            v1 = _file_digest(first)
            assert v1[1] == first.sha256
            second = _ask(admin_user, committee, "xlsx")
            building = time.monotonic()
            _wait_until(
                lambda: LedgerFile.objects.filter(pk=second.pk, percent__gte=5).exists(), 60, "v2 running"
            )
            _kill(doomed)
            killed = time.monotonic()
        second.refresh_from_db()
        assert (second.status, second.attempts) == (LedgerStatus.RUNNING, 1), "killed too late"
        assert 5 <= second.percent < 100 and not second.file
        assert second.task_id in {m["id"] for m in _unacked()}  # the worker died holding the message

        _wait_stale(second)
        with Workers(1, events, env={**env, **QUICK}, tag="heir"):
            second = wait_done(second, seconds=60)
        recovered = time.monotonic()

    assert (second.status, second.attempts, second.percent) == (LedgerStatus.DONE, 2, 100), second.error
    assert _file_digest(second)[1] == second.sha256 and second.file.name != v1[0]
    assert _file_digest(first) == v1  # version 1: the same file, byte for byte
    assert second.task_id not in {m["id"] for m in _unacked()}  # handed out again and acknowledged
    print(
        f"\nkilled {killed - building:.1f} s into v2 ({second.pk}); done {recovered - killed:.1f} s after "
        f"the kill (incl. {STALE_SECONDS} s stale wait and a worker start); test {time.monotonic() - started:.1f} s"
    )


@pytest.mark.django_db(transaction=True)
def test_a_subtree_pdf_whose_worker_was_killed_is_failed_by_the_sweeper_and_stays_failed(
    env, committee, admin_user
):
    started = time.monotonic()
    with TaskEvents() as events:
        with Workers(1, events, env=env, tag="doomed") as doomed:
            first = wait_done(_ask(admin_user, committee, "pdf"), seconds=120)
            assert first.status == LedgerStatus.DONE, first.error
            v1 = _file_digest(first)
            second = _ask(admin_user, committee, "pdf")
            _wait_until(
                lambda: LedgerFile.objects.filter(pk=second.pk, parts_done__gte=1).exists(), 60, "a part done"
            )
            time.sleep(0.5)  # into the next branch's part
            _kill(doomed)
            killed = time.monotonic()
        second.refresh_from_db()
        assert second.status == LedgerStatus.RUNNING and 1 <= second.parts_done < second.parts_total
        in_flight = [m for m in _unacked() if m["task"] == "archives.tasks.build_ledger_part"]
        assert [m["argsrepr"].startswith(f"({second.pk},") for m in in_flight] == [True]
        parts_folder = f"{build.PARTS}/{second.pk}"
        assert default_storage.listdir(parts_folder)[1]  # the finished parts wait for the zip

        assert sweeper.sweep_stale_ledgers() == sweeper.Swept()  # not silent long enough yet
        _wait_stale(second)
        swept = sweeper.sweep_stale_ledgers()
        assert swept.failed == [second.pk] and not swept.requeued
        second.refresh_from_db()
        assert (second.status, second.error) == (LedgerStatus.FAILED, service.WORKER_STOPPED)
        failed = time.monotonic()

        # A new worker takes the parts still queued and, after the visibility timeout, the killed one;
        # the chord completes and its zip step drops the parts instead of reviving the ledger.
        with Workers(1, events, env={**env, **QUICK}, tag="heir"):
            _wait_until(
                lambda: (
                    not default_storage.exists(parts_folder) or not default_storage.listdir(parts_folder)[1]
                ),
                60,
                "the late parts dropped",
            )
            _wait_until(lambda: not any(m["id"] == in_flight[0]["id"] for m in _unacked()), 30, "redelivered")
        settled = time.monotonic()

    second.refresh_from_db()
    assert (second.status, second.error, bool(second.file)) == (
        LedgerStatus.FAILED,
        service.WORKER_STOPPED,
        False,
    )
    assert _file_digest(first) == v1
    print(
        f"\nkilled {second.parts_done}/{second.parts_total} parts in; failed {failed - killed:.1f} s after "
        f"the kill; late parts dropped {settled - failed:.1f} s later; test {time.monotonic() - started:.1f} s"
    )
