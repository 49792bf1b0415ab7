"""Archives fixtures on top of tests/conftest.py's tree: a branch's year 2025 with known figures.

``ledger_year`` fills 东村党支部 (C1B1) with what a ledger shows, each chosen at a boundary:
members in and out of the year's roster, counted meetings and ones that must stay out,
a dues register with known totals, a stage change, a transfer, a named rating and a
rectification item, and text that a spreadsheet would run as a formula.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from archives.defaults import ensure_defaults as ensure_archive_defaults
from assessment.defaults import ensure_defaults as ensure_assessment_defaults
from assessment.models import RatingTemplate, RectificationCase, RectificationItem
from assessment.models import Stage as RatingStage
from meetings import rules as meeting_rules
from meetings.defaults import ensure_defaults as ensure_meeting_defaults
from meetings.models import MeetingKind, Presence
from meetings.services.meetings import Mark, meeting_save
from members.models import DuesPayment, Member, MemberStatus, StageChange, Transfer
from tests.factories import make_member

YEAR = 2025
NOW = dt.datetime(2026, 1, 15, 12, 0, tzinfo=meeting_rules.LOCAL_TZ)
FORMULA_UNIT = '=HYPERLINK("http://x","点我")'
FORMULA_TOPIC = "+1 学习党章"


def local(year, month, day, hour=9) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=meeting_rules.LOCAL_TZ)


@pytest.fixture
def archive_defaults(db):
    ensure_archive_defaults()
    ensure_meeting_defaults()
    ensure_assessment_defaults(YEAR)


@pytest.fixture
def ledger_year(tree, archive_defaults):
    """东村党支部's 2025, with the figures the tests expect (see the asserts in test_ledger_excel)."""
    branch, other = tree["branch"], tree["other_branch"]
    kinds = {k.code: k for k in MeetingKind.objects.all()}
    zhang = make_member(branch, name="张三", admitted_on=dt.date(2015, 7, 1))
    li = make_member(
        branch,
        name="李四",
        work_unit=FORMULA_UNIT,
        admitted_on=dt.date(2016, 7, 1),
        confirmed_on=dt.date(2017, 7, 1),
    )
    left_in_year = make_member(branch, name="王五", admitted_on=dt.date(2010, 7, 1))
    left_before = make_member(branch, name="赵六", admitted_on=dt.date(2010, 7, 1))
    admitted_after = make_member(branch, name="钱七", stage="probationary", admitted_on=dt.date(2026, 3, 1))
    applicant = make_member(branch, name="孙八", stage="applicant", applied_on=dt.date(2025, 2, 1))
    make_member(other, name="周九")  # another branch: never in C1B1's ledger
    Member.objects.filter(pk=left_in_year.pk).update(
        status=MemberStatus.LEFT, left_on=dt.date(2025, 6, 30), leave_kind="transferred_out"
    )
    Member.objects.filter(pk=left_before.pk).update(
        status=MemberStatus.LEFT, left_on=dt.date(2024, 12, 31), leave_kind="transferred_out"
    )
    # Three counted meetings in 2025 (one on the last evening of the year), a draft, one in 2024.
    first = meeting_save(
        organisation=branch,
        kind=kinds["theme_day"],
        starts_at=local(2025, 1, 1, 0),
        attendance={li.pk: Mark(Presence.LEAVE, "出差")},
        submit=True,
        now=NOW,
        topic=FORMULA_TOPIC,
    )
    meeting_save(
        organisation=branch,
        kind=kinds["general"],
        starts_at=local(2025, 6, 10),
        attendance={li.pk: Mark(Presence.ABSENT)},
        submit=True,
        now=NOW,
        topic="学习贯彻全会精神",
    )
    meeting_save(
        organisation=branch,
        kind=kinds["lecture"],
        starts_at=local(2025, 12, 31, 23),
        submit=True,
        now=NOW,
        topic="年终党课",
        lecturer="张三",
    )
    meeting_save(
        organisation=branch, kind=kinds["theme_day"], starts_at=local(2025, 3, 1), now=NOW, topic="草稿"
    )
    meeting_save(
        organisation=branch,
        kind=kinds["theme_day"],
        starts_at=local(2024, 12, 31, 23),
        submit=True,
        now=NOW,
        topic="上一年的会",
    )
    # Dues: 张三 paid all twelve months of 10.00, 李四 January to June only.
    for month in range(1, 13):
        first_day = dt.date(YEAR, month, 1)
        DuesPayment.objects.create(
            member=zhang,
            month=first_day,
            amount_due=Decimal("10.00"),
            amount_paid=Decimal("10.00"),
            paid_on=first_day + dt.timedelta(days=3),
        )
        paid = month <= 6
        DuesPayment.objects.create(
            member=li,
            month=first_day,
            amount_due=Decimal("10.00"),
            amount_paid=Decimal("10.00") if paid else Decimal("0.00"),
            paid_on=first_day + dt.timedelta(days=5) if paid else None,
        )
    DuesPayment.objects.create(  # the year before: not in the register
        member=zhang,
        month=dt.date(2024, 12, 1),
        amount_due=Decimal("10.00"),
        amount_paid=Decimal("10.00"),
        paid_on=dt.date(2024, 12, 2),
    )
    StageChange.objects.create(
        member=applicant, stage="activist", on=dt.date(2025, 8, 1), document="支委会决定"
    )
    StageChange.objects.create(member=applicant, stage="applicant", on=dt.date(2024, 12, 31))  # last year
    Transfer.objects.create(
        member=left_in_year,
        direction="out_internal",
        from_organisation=branch,
        to_organisation=other,
        letter_no="转字001",
        status="completed",
        requested_on=dt.date(2025, 6, 20),
        decided_on=dt.date(2025, 6, 30),
    )
    template = RatingTemplate.objects.filter(year=YEAR).first()
    branch.ratings.create(
        org_path=branch.path,
        template=template,
        year=YEAR,
        stage=RatingStage.NAMED,
        self_total=Decimal("68.50"),
        total=Decimal("66.00"),
        proposed_stars=2,
        final_stars=2,
        named_on=dt.date(2026, 1, 10),
        naming_doc="县组〔2026〕1号",
    )
    case = RectificationCase.objects.create(
        organisation=branch,
        org_path=branch.path,
        reason="上级党委确定为软弱涣散",
        opened_on=dt.date(2025, 11, 20),
    )
    RectificationItem.objects.create(
        case=case,
        problem="-三会一课不经常",
        measure="@每月按时召开",
        owner="张三",
        deadline=dt.date(2026, 3, 31),
    )
    return {
        "branch": branch,
        "members": {
            "zhang": zhang,
            "li": li,
            "left_in_year": left_in_year,
            "left_before": left_before,
            "admitted_after": admitted_after,
            "applicant": applicant,
        },
        "first_meeting": first,
    }
