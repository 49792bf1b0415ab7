"""Ledger requests and builds (eager Celery): versions, years, rights, idempotency, the failure path."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from archives import excel, rules, tasks
from archives.models import LedgerFile, LedgerFormat, LedgerStatus
from archives.services import ledgers as service
from branches.models import Role
from tests.archives.conftest import YEAR
from tests.factories import UserFactory, grant


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """Request a ledger and run the task the commit sends (eager mode), as a web request would."""

    def _ask(user, org, year=YEAR, formats=("xlsx",)):
        with django_capture_on_commit_callbacks(execute=True):
            made = service.ledger_request(user=user, organisation=org, year=year, formats=list(formats))
        for ledger in made:
            ledger.refresh_from_db()
        return made

    return _ask


def _stored_bytes(ledger: LedgerFile) -> bytes:
    with ledger.file.open("rb") as handle:
        return handle.read()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_a_request_builds_a_done_file_with_its_checksum_and_author(ledger_year, secretary, ask):
    (ledger,) = ask(secretary, ledger_year["branch"])
    assert ledger.status == LedgerStatus.DONE and ledger.percent == 100 and ledger.error == ""
    assert (ledger.version, ledger.format, ledger.subtree) == (1, "xlsx", False)
    content = _stored_bytes(ledger)
    assert ledger.size == len(content) and ledger.sha256 == hashlib.sha256(content).hexdigest()
    assert ledger.requested_by == secretary and ledger.finished_at >= ledger.started_at >= ledger.created_at
    assert ledger.filename == f"东村党支部-{YEAR}年度台账-第1版.xlsx"
    assert ledger.task_id


def test_asking_again_makes_a_new_version_and_keeps_the_old(ledger_year, secretary, ask):
    (first,) = ask(secretary, ledger_year["branch"])
    (second,) = ask(secretary, ledger_year["branch"])
    both = ask(secretary, ledger_year["branch"], formats=("xlsx", "pdf"))
    assert [first.version, second.version] == [1, 2]
    assert [(x.format, x.version) for x in both] == [("xlsx", 3), ("pdf", 1)]  # versions per format
    assert first.file.name != second.file.name
    assert hashlib.sha256(_stored_bytes(first)).hexdigest() == first.sha256  # untouched
    (other_year,) = ask(secretary, ledger_year["branch"], year=YEAR - 1)
    assert other_year.version == 1


@pytest.mark.parametrize(
    ("year", "ok"),
    [
        (1999, False),
        (rules.FIRST_YEAR, True),
        (lambda: timezone.localdate().year, True),
        (lambda: timezone.localdate().year + 1, False),
    ],
)
def test_years_from_2000_to_this_year(ledger_year, secretary, year, ok):
    year = year() if callable(year) else year  # dated when run
    if ok:
        assert service.ledger_request(
            user=secretary, organisation=ledger_year["branch"], year=year, formats=["xlsx"]
        )
    else:
        with pytest.raises(ValidationError) as error:
            service.ledger_request(
                user=secretary, organisation=ledger_year["branch"], year=year, formats=["xlsx"]
            )
        assert "year" in error.value.message_dict
        assert not LedgerFile.objects.exists()


def test_no_ledger_before_the_organisation_was_founded():
    today = dt.date(2026, 11, 28)
    founded = dt.date(2010, 5, 4)
    assert rules.year_error(2010, today=today, founded_on=founded) is None
    assert "成立于2010年" in rules.year_error(2009, today=today, founded_on=founded)
    assert rules.ledger_years(today=today, founded_on=founded) == list(range(2026, 2009, -1))
    assert rules.year_error(2000, today=today) is None and rules.year_error(1999, today=today)


def test_who_may_ask(ledger_year, tree, secretary, outsider, reviewer, admin_user):
    branch, town, group = ledger_year["branch"], tree["town"], tree["group"]
    member = UserFactory(username="member")
    grant(member, branch, Role.MEMBER)
    for user, org in ((outsider, branch), (member, branch), (secretary, town), (reviewer, tree["sibling"])):
        with pytest.raises(ValidationError):
            service.ledger_request(user=user, organisation=org, year=YEAR, formats=["xlsx"])
    with pytest.raises(ValidationError):
        service.ledger_request(user=admin_user, organisation=group, year=YEAR, formats=["xlsx"])
    assert not LedgerFile.objects.exists()
    made = service.ledger_request(user=reviewer, organisation=town, year=YEAR, formats=["xlsx"])
    assert made[0].subtree is True


def test_a_bad_format_is_refused():
    with pytest.raises(ValidationError):
        service.formats_for("exe")
    assert service.formats_for("both") == [LedgerFormat.XLSX, LedgerFormat.PDF]


def test_a_failure_keeps_its_reason_and_leaves_earlier_versions_intact(
    ledger_year, secretary, ask, monkeypatch
):
    (good,) = ask(secretary, ledger_year["branch"])
    before = _stored_bytes(good)

    def broken(*args, **kwargs):
        raise OSError("磁盘已满")

    monkeypatch.setattr(excel, "write_workbook", broken)
    (bad,) = ask(secretary, ledger_year["branch"])
    assert bad.status == LedgerStatus.FAILED and bad.version == 2
    assert "磁盘已满" in bad.error and bad.finished_at is not None and not bad.file
    good.refresh_from_db()
    assert good.status == LedgerStatus.DONE and _stored_bytes(good) == before
    monkeypatch.undo()
    (again,) = ask(secretary, ledger_year["branch"])
    assert again.version == 3 and again.status == LedgerStatus.DONE


def test_the_task_is_idempotent(ledger_year, secretary, ask):
    (ledger,) = ask(secretary, ledger_year["branch"])
    name, digest = ledger.file.name, ledger.sha256
    assert tasks.build_ledger.apply(args=(ledger.pk,)).get() == "skipped"
    ledger.refresh_from_db()
    assert (ledger.file.name, ledger.sha256, ledger.status) == (name, digest, LedgerStatus.DONE)
    assert LedgerFile.objects.count() == 1


def test_a_doubled_store_keeps_the_first_file(ledger_year, secretary, ask, tmp_path):
    (ledger,) = ask(secretary, ledger_year["branch"])
    other = tmp_path / "other.xlsx"
    other.write_bytes(b"not the ledger")
    assert service.ledger_store(ledger.pk, other).sha256 == ledger.sha256


def test_progress_only_moves_forward_and_stops_short_of_done(ledger_year, secretary):
    (ledger,) = service.ledger_request(
        user=secretary, organisation=ledger_year["branch"], year=YEAR, formats=["xlsx"]
    )
    assert service.ledger_claim(ledger.pk) is not None
    assert service.ledger_claim(ledger.pk) is None  # claimed once
    service.ledger_progress(ledger.pk, 50, "正在写入：出勤明细")
    service.ledger_progress(ledger.pk, 30, "回退")
    ledger.refresh_from_db()
    assert (ledger.percent, ledger.step) == (50, "正在写入：出勤明细")
    service.ledger_progress(ledger.pk, 120, "超出")
    ledger.refresh_from_db()
    assert ledger.percent == 99


def test_the_workbook_of_a_subtree_request_opens(ledger_year, tree, reviewer, ask):
    (ledger,) = ask(reviewer, tree["town"])
    assert ledger.status == LedgerStatus.DONE and ledger.subtree
    with ledger.file.open("rb") as handle:
        book = load_workbook(handle, read_only=True)
        assert book.sheetnames[0] == "概况"


def test_when_the_broker_refuses_the_task_the_ledger_fails_with_a_reason(
    ledger_year, secretary, ask, monkeypatch
):
    from kombu.exceptions import OperationalError

    def refused(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.build_ledger, "apply_async", refused)
    (ledger,) = ask(secretary, ledger_year["branch"])
    assert ledger.status == LedgerStatus.FAILED and "任务队列暂不可用" in ledger.error
