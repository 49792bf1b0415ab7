"""Celery queues (settings.CELERY_TASK_ROUTES): ledgers on `reports`, reminders on `reminders`, the rest
on the default `celery`; a report machine's worker (`-Q reports` only) builds a whole subtree ledger."""

from __future__ import annotations

import os

import pytest
from celery.contrib.testing.worker import start_worker

from archives.defaults import ensure_defaults as ensure_archive_defaults
from archives.models import LedgerStatus
from archives.services.ledgers import ledger_request
from assessment.defaults import ensure_defaults as ensure_assessment_defaults
from config.celery import app
from meetings.defaults import ensure_defaults as ensure_meeting_defaults
from tests.factories import make_member
from tests.worker_processes import wait_finished

YEAR = 2025
OUR_APPS = ("branches.", "members.", "meetings.", "assessment.", "archives.")
REMINDERS = {
    "branches.tasks.send_term_reminders",
    "members.tasks.pipeline.send_pipeline_reminders",
    "meetings.tasks.send_compliance_reminders",
    "assessment.tasks.notify_overdue_rectification",
}
# The sweeper of stale ledgers must run when every report machine is down: on the default queue.
SWEEPER = "archives.tasks.sweep_stale_ledgers"
LEDGER_TASKS = {
    "archives.tasks.build_ledger",
    "archives.tasks.build_ledger_part",
    "archives.tasks.assemble_ledger",
    "archives.tasks.ledger_part_failed",
}


def queue_of(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def our_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if name.startswith(OUR_APPS)}


def test_every_task_of_ours_goes_to_its_queue():
    tasks = our_tasks()
    assert tasks >= REMINDERS | LEDGER_TASKS | {SWEEPER}  # a renamed task would fall back to `celery`
    expected = {
        name: "celery"
        if name == SWEEPER
        else "reports"
        if name.startswith("archives.")
        else "reminders"
        if name in REMINDERS
        else "celery"
        for name in tasks
    }
    assert {name: queue_of(name) for name in tasks} == expected
    assert queue_of("meetings.tasks.refresh_all_compliance") == "celery"


def test_every_route_names_a_task_that_exists():
    tasks = our_tasks()
    for pattern in app.conf.task_routes:
        if pattern.endswith(".*"):
            assert any(name.startswith(pattern[:-1]) for name in tasks), pattern
        else:
            assert pattern in tasks, pattern


def test_the_beat_schedule_sends_the_reminders_to_their_queue():
    queues = {entry["task"]: queue_of(entry["task"]) for entry in app.conf.beat_schedule.values()}
    assert {task for task, queue in queues.items() if queue == "reminders"} == REMINDERS
    assert queues["meetings.tasks.refresh_all_compliance"] == "celery"


# ---- a report machine: one worker on `reports` only --------------------------------------------


@pytest.fixture
def reports_worker():
    """A real worker (solo pool) on REDIS_URL's broker consuming `reports` only, as `celery -A config worker
    -Q reports` on a report machine."""
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=["reports"]
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = previous


@pytest.mark.worker
@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="REDIS_URL not set: no broker to test against")
@pytest.mark.django_db(transaction=True)
def test_a_reports_only_worker_builds_a_subtree_ledger_end_to_end(tree, reviewer, reports_worker):
    """The request, the chord's parts, its zip and its error callback all travel on `reports`: were any
    of them sent to another queue, nobody here would take it and the ledger would never finish."""
    assert app.conf.broker_url.startswith("redis://") and not app.conf.task_always_eager
    assert [q.name for q in app.amqp.queues.consume_from.values()] == ["reports"]
    ensure_archive_defaults()
    ensure_meeting_defaults()
    ensure_assessment_defaults(YEAR)
    make_member(tree["branch"], name="张三")
    make_member(tree["other_branch"], name="李四")
    # transaction=True: the request commits at once and on_commit sends build_ledger to the broker.
    (ledger,) = ledger_request(user=reviewer, organisation=tree["town"], year=YEAR, formats=["pdf"])
    ledger = wait_finished(ledger)
    assert ledger.status == LedgerStatus.DONE, ledger.error
    assert (ledger.parts_total, ledger.parts_done) == (2, 2)
    assert ledger.is_zip
