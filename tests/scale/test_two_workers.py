"""Two real Celery worker processes on Redis share one subtree PDF ledger between them.

The workers are the ones ``manage.py bench_workers`` starts (``celery -A config worker -Q reports``,
solo pool, prefetch 1, with monitoring events), pointed at this test's database and media
folder; which worker built each branch's part comes from their task events.
"""

from __future__ import annotations

import os
import zipfile

import pytest

from archives.defaults import ensure_defaults as ensure_archive_defaults
from archives.models import LedgerStatus
from archives.services.ledgers import ledger_request
from assessment.defaults import ensure_defaults as ensure_assessment_defaults
from config.celery import app
from meetings.defaults import ensure_defaults as ensure_meeting_defaults
from scale.management.commands.bench_workers import TaskEvents, Workers, wait_done
from tests.factories import make_member, make_org
from tests.worker_processes import MARKS, worker_database_url

YEAR = 2025

pytestmark = MARKS


@pytest.fixture
def two_workers(transactional_db, settings, tmp_path):
    """Two worker processes (separate hostnames) on the test database; stopped before the flush."""
    settings.MEDIA_ROOT = tmp_path / "media"
    env = {
        "DATABASE_URL": worker_database_url(),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        with TaskEvents() as events, Workers(2, events, env=env, tag="test") as workers:
            yield events, workers
    finally:
        app.conf.task_always_eager = previous


@pytest.fixture
def committee(admin_user):
    """A committee of four small branches, two party members each."""
    ensure_archive_defaults()
    ensure_meeting_defaults()
    ensure_assessment_defaults(YEAR)
    root = make_org(name="机关党委", code="W0")
    for n in range(1, 5):
        branch = make_org(root, name=f"第{n}党支部", code=f"W0B{n}")
        make_member(branch, name=f"张{n}")
        make_member(branch, name=f"李{n}")
    return root


@pytest.mark.django_db(transaction=True)
def test_two_workers_split_the_parts_of_a_subtree_pdf(committee, admin_user, two_workers):
    events, workers = two_workers
    assert len(set(workers.hostnames)) == 2
    (ledger,) = ledger_request(user=admin_user, organisation=committee, year=YEAR, formats=["pdf"])
    ledger = wait_done(ledger, seconds=240)
    assert ledger.status == LedgerStatus.DONE, ledger.error
    assert (ledger.parts_total, ledger.parts_done) == (4, 4)
    parts = events.wait_parts(ledger.pk, 4)
    assert len(parts) == 4
    assert {part["hostname"] for part in parts.values()} == set(workers.hostnames)
    with ledger.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        assert len(archive.namelist()) == 5  # the summary and one PDF per branch
