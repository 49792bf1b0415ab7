"""Ledger jobs through a real Celery worker on Redis (CI sets REDIS_URL): the subtree PDF chord, retries."""

from __future__ import annotations

import os
import time
import zipfile

import pytest
from django.core.files.storage import default_storage

from archives import pdf
from archives.models import LedgerFile, LedgerStatus
from archives.services import build
from archives.services import ledgers as service
from config.celery import app
from tests.archives.conftest import YEAR
from tests.worker_processes import wait_finished

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="REDIS_URL not set: no broker to test against"
    ),
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _request(user, org, formats):
    # transaction=True tests commit at once, so on_commit sends the tasks to the broker right here.
    return service.ledger_request(user=user, organisation=org, year=YEAR, formats=formats)


@pytest.mark.django_db(transaction=True)
def test_a_subtree_pdf_is_a_chord_of_branch_parts_zipped_with_a_summary(
    ledger_year, tree, reviewer, celery_worker
):
    assert app.conf.broker_url.startswith("redis://") and not app.conf.task_always_eager
    (ledger,) = _request(reviewer, tree["town"], ["pdf"])
    ledger = wait_finished(ledger)
    assert ledger.status == LedgerStatus.DONE, ledger.error
    assert (ledger.parts_total, ledger.parts_done, ledger.percent) == (2, 2, 100)
    assert ledger.is_zip and ledger.filename.endswith(".zip")
    with ledger.file.open("rb") as handle, zipfile.ZipFile(handle) as archive:
        names = archive.namelist()
        assert names == [
            f"00-镇党委-{YEAR}年度台账汇总.pdf",
            f"001-东村党支部-{YEAR}年度台账.pdf",
            f"002-西村党支部-{YEAR}年度台账.pdf",
        ]
        assert all(archive.read(n).startswith(b"%PDF-") for n in names)
    # The parts were stored for the zip and removed afterwards.
    assert not default_storage.exists(build.part_name(ledger.pk, tree["branch"].pk))


@pytest.mark.django_db(transaction=True)
def test_a_branch_part_that_keeps_failing_fails_the_ledger_after_its_retries(
    ledger_year, tree, reviewer, celery_worker, monkeypatch
):
    attempts = []
    real = pdf.write_branch_pdf

    def flaky(scope, out, **kwargs):
        if scope.root.pk == tree["other_branch"].pk:
            attempts.append(time.monotonic())
            raise RuntimeError("排版引擎崩溃")
        return real(scope, out, **kwargs)

    monkeypatch.setattr(pdf, "write_branch_pdf", flaky)
    (ledger,) = _request(reviewer, tree["town"], ["pdf"])
    ledger = wait_finished(ledger)
    assert ledger.status == LedgerStatus.FAILED
    assert "重试2次" in ledger.error and "排版引擎崩溃" in ledger.error
    assert len(attempts) == 3  # the first try and two retries
    assert not ledger.file


@pytest.mark.django_db(transaction=True)
def test_a_part_that_fails_once_is_retried_and_the_ledger_completes(
    ledger_year, tree, reviewer, celery_worker, monkeypatch
):
    failed = []
    real = pdf.write_branch_pdf

    def once(scope, out, **kwargs):
        if scope.root.pk == tree["branch"].pk and not failed:
            failed.append(1)
            raise RuntimeError("临时错误")
        return real(scope, out, **kwargs)

    monkeypatch.setattr(pdf, "write_branch_pdf", once)
    (ledger,) = _request(reviewer, tree["town"], ["pdf"])
    ledger = wait_finished(ledger)
    assert ledger.status == LedgerStatus.DONE, ledger.error
    assert failed == [1] and ledger.parts_done == 2


@pytest.mark.django_db(transaction=True)
def test_a_task_delivered_twice_builds_one_file(ledger_year, secretary, celery_worker):
    from archives import tasks

    (ledger,) = _request(secretary, ledger_year["branch"], ["xlsx"])
    again = tasks.build_ledger.delay(ledger.pk)
    assert again.get(timeout=60) in ("skipped", "done")
    ledger = wait_finished(ledger)
    assert ledger.status == LedgerStatus.DONE
    assert LedgerFile.objects.count() == 1
    assert len(list(default_storage.listdir(os.path.dirname(ledger.file.name))[1])) == 1
