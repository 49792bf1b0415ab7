"""What an annual ledger (年度台账) holds: its sections as columns and streamed rows.

The Excel and the PDF writers both read these. Each section is a fixed number of queries
whatever the size of the subtree; rows come from ``values_list(...).iterator()`` in chunks,
so a province's roster never sits in memory at once. Personal data (ID number, phone) is
not in the ledger: it is a register of the organisation's work, not of its members' papers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q

from assessment.models import ItemStatus, Rating, RectificationItem
from assessment.models import Stage as RatingStage
from branches.models import Organisation, OrgKind, OrgStatus, Term, TermStatusChoice
from branches.rules import BRANCH_KINDS
from meetings.models import Attendance, Meeting, Presence
from meetings.rules import LOCAL_TZ
from members.models import (
    PARTY_STAGES,
    Appointment,
    DuesCategory,
    DuesPayment,
    Education,
    Gender,
    Member,
    MemberStatus,
    Position,
    Stage,
    StageChange,
    Transfer,
    TransferDirection,
    TransferStatus,
)

CHUNK = 2000
ZERO = Decimal("0.00")

# Column kinds: how a writer shows the value.
TEXT, INT, DATE, DATETIME, MONEY, PERCENT = "text", "int", "date", "datetime", "money", "percent"


@dataclass(frozen=True)
class Column:
    header: str
    width: int
    kind: str = TEXT


@dataclass
class Section:
    key: str
    title: str  # the sheet's name and the PDF heading
    columns: list[Column]
    rows: Callable[[], Iterator[tuple]]
    # Rows written after the data (totals), as tuples of the same width.
    footer: Callable[[], list[tuple]] = field(default=lambda: [])


@dataclass
class Scope:
    """The organisation a ledger is for, its year, and the branches it covers (one, or a subtree's)."""

    root: Organisation
    year: int
    branches: list[Organisation]

    @property
    def subtree(self) -> bool:
        return not self.root.is_branch

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, 12, 31)

    @property
    def branch_ids(self) -> list[int]:
        return [b.pk for b in self.branches]

    @property
    def names(self) -> dict[int, str]:
        return {b.pk: b.name for b in self.branches}


def covered_branches(root: Organisation, year: int):
    """The branches of the subtree a committee's ledger covers: those that existed in the year."""
    existed = Q(status=OrgStatus.ACTIVE) | Q(dissolved_on__gte=dt.date(year, 1, 1))
    return Organisation.objects.filter(
        existed, path__gte=root.path, path__lt=root.path + "\uffff", kind__in=BRANCH_KINDS
    )


def scope_for(root: Organisation, year: int) -> Scope:
    """The branches a ledger covers: the branch itself, or each branch of the subtree alive in the year."""
    if root.is_branch:
        return Scope(root, year, [root])
    return Scope(root, year, list(covered_branches(root, year).order_by("path")))


def branch_scope(branch: Organisation, year: int) -> Scope:
    return Scope(branch, year, [branch])


def member_in_year(scope: Scope) -> Q:
    """Members on the roster at some time in the year: still active, or left during or after it."""
    still_there = Q(status=MemberStatus.ACTIVE) | Q(left_on__gte=scope.start)
    already_in = Q(admitted_on__isnull=True) | Q(admitted_on__lte=scope.end)
    return Q(organisation_id__in=scope.branch_ids) & still_there & already_in


# --- 概况 -------------------------------------------------------------------

OVERVIEW_COLUMNS = [
    Column("党组织", 34),
    Column("组织代码", 14),
    Column("类别", 10),
    Column("领域", 10),
    Column("上级党组织", 28),
    Column("届次", 6, INT),
    Column("选举日期", 12, DATE),
    Column("届满日期", 12, DATE),
    Column("书记", 10),
    Column("班子成员", 40),
    Column("正式党员", 9, INT),
    Column("预备党员", 9, INT),
    Column("党小组", 8, INT),
    Column("全年会议", 9, INT),
]


def overview_rows(scope: Scope) -> Iterator[tuple]:
    ids = scope.branch_ids
    parents = dict(
        Organisation.objects.filter(pk__in={b.parent_id for b in scope.branches if b.parent_id}).values_list(
            "pk", "name"
        )
    )
    terms = {
        t.organisation_id: t
        for t in Term.objects.filter(organisation_id__in=ids, status=TermStatusChoice.CURRENT).order_by(
            "number"
        )
    }
    committee: dict[int, list[tuple[str, str]]] = {}
    for org_id, position, name in (
        Appointment.objects.filter(term__in=[t.pk for t in terms.values()], ended_on__isnull=True)
        .order_by("term__organisation_id", "position", "pk")
        .values_list("term__organisation_id", "position", "member__name")
    ):
        committee.setdefault(org_id, []).append((position, name))
    counts = {
        row["organisation_id"]: row
        for row in Member.objects.filter(organisation_id__in=ids, status=MemberStatus.ACTIVE)
        .values("organisation_id")
        .annotate(
            full=Count("pk", filter=Q(stage="full")), probationary=Count("pk", filter=Q(stage="probationary"))
        )
    }
    groups = dict(
        Organisation.objects.filter(parent_id__in=ids, kind=OrgKind.PARTY_GROUP, status=OrgStatus.ACTIVE)
        .values("parent_id")
        .annotate(n=Count("pk"))
        .values_list("parent_id", "n")
    )
    meetings = dict(
        Meeting.objects.counted()
        .filter(branch_id__in=ids, starts_at__year=scope.year)
        .values("branch_id")
        .annotate(n=Count("pk"))
        .values_list("branch_id", "n")
    )
    labels = dict(Position.choices)
    for b in scope.branches:
        term = terms.get(b.pk)
        people = committee.get(b.pk, [])
        secretary = next((name for pos, name in people if pos == "secretary"), "")
        count = counts.get(b.pk, {})
        yield (
            b.name,
            b.code,
            b.get_kind_display(),
            b.get_sector_display(),
            parents.get(b.parent_id, ""),
            term.number if term else None,
            term.elected_on if term else None,
            term.expires_on if term else None,
            secretary,
            "、".join(f"{name}（{labels.get(pos, pos)}）" for pos, name in people),
            count.get("full", 0),
            count.get("probationary", 0),
            groups.get(b.pk, 0),
            meetings.get(b.pk, 0),
        )


# --- 党员花名册 ---------------------------------------------------------------

ROSTER_COLUMNS = [
    Column("党支部", 28),
    Column("姓名", 10),
    Column("性别", 6),
    Column("民族", 8),
    Column("出生日期", 12, DATE),
    Column("学历", 10),
    Column("类别", 10),
    Column("入党日期", 12, DATE),
    Column("转正日期", 12, DATE),
    Column("工作单位", 26),
    Column("职务/岗位", 14),
    Column("党小组", 14),
    Column("状态", 14),
]


def roster_rows(scope: Scope) -> Iterator[tuple]:
    names = scope.names
    gender, education, stage = dict(Gender.choices), dict(Education.choices), dict(Stage.choices)
    groups = dict(
        Organisation.objects.filter(parent_id__in=scope.branch_ids, kind=OrgKind.PARTY_GROUP).values_list(
            "pk", "name"
        )
    )
    rows = (
        Member.objects.filter(member_in_year(scope), stage__in=PARTY_STAGES)
        .order_by("organisation__path", "name", "pk")
        .values_list(
            "organisation_id",
            "name",
            "gender",
            "ethnicity",
            "birth_date",
            "education",
            "stage",
            "admitted_on",
            "confirmed_on",
            "work_unit",
            "post",
            "party_group_id",
            "status",
            "left_on",
        )
    )
    for row in rows.iterator(chunk_size=CHUNK):
        org_id, name, g, eth, born, edu, st, admitted, confirmed, unit, post, group, status, left = row
        yield (
            names.get(org_id, ""),
            name,
            gender.get(g, g),
            eth,
            born,
            education.get(edu, edu),
            stage.get(st, st),
            admitted,
            confirmed,
            unit,
            post,
            groups.get(group, ""),
            "在册" if status == MemberStatus.ACTIVE else f"{left:%Y-%m-%d}离开" if left else "已离开",
        )


# --- 三会一课 and 出勤明细 ------------------------------------------------------

MEETING_COLUMNS = [
    Column("党支部", 28),
    Column("召开组织", 16),
    Column("会议类型", 12),
    Column("主题", 36),
    Column("开始时间", 17, DATETIME),
    Column("地点", 16),
    Column("主持人", 10),
    Column("记录人", 10),
    Column("授课人", 10),
    Column("应到", 7, INT),
    Column("实到", 7, INT),
    Column("请假", 7, INT),
    Column("缺席", 7, INT),
    Column("出席率", 9, PERCENT),
    Column("补录", 6),
]


def counted_meetings(scope: Scope):
    return Meeting.objects.counted().filter(
        branch_id__in=scope.branch_ids,
        starts_at__gte=dt.datetime.combine(scope.start, dt.time(), tzinfo=LOCAL_TZ),
        starts_at__lt=dt.datetime.combine(dt.date(scope.year + 1, 1, 1), dt.time(), tzinfo=LOCAL_TZ),
    )


def meeting_rows(scope: Scope) -> Iterator[tuple]:
    names = scope.names
    rows = (
        counted_meetings(scope)
        .annotate(
            leave=Count("attendances", filter=Q(attendances__presence=Presence.LEAVE)),
            absent=Count("attendances", filter=Q(attendances__presence=Presence.ABSENT)),
        )
        .order_by("branch__path", "starts_at", "pk")
        .values_list(
            "branch_id",
            "organisation__name",
            "kind__name",
            "topic",
            "starts_at",
            "place",
            "host",
            "recorder",
            "lecturer",
            "expected_count",
            "present_count",
            "leave",
            "absent",
            "is_late",
        )
    )
    for row in rows.iterator(chunk_size=CHUNK):
        (
            branch_id,
            org_name,
            kind,
            topic,
            starts,
            place,
            host,
            rec,
            lect,
            expected,
            present,
            leave,
            absent,
            late,
        ) = row
        yield (
            names.get(branch_id, ""),
            org_name,
            kind,
            topic,
            starts.astimezone(LOCAL_TZ).replace(tzinfo=None),
            place,
            host,
            rec,
            lect,
            expected,
            present,
            leave,
            absent,
            present / expected if expected else None,
            "是" if late else "",
        )


ATTENDANCE_COLUMNS = [
    Column("党支部", 28),
    Column("会议日期", 12, DATE),
    Column("会议类型", 12),
    Column("主题", 36),
    Column("姓名", 10),
    Column("出席情况", 9),
    Column("请假事由", 24),
]


def attendance_rows(scope: Scope) -> Iterator[tuple]:
    names = scope.names
    presence = dict(Presence.choices)
    rows = (
        Attendance.objects.filter(meeting__in=counted_meetings(scope))
        .order_by("meeting__branch__path", "meeting__starts_at", "meeting_id", "member__name", "pk")
        .values_list(
            "meeting__branch_id",
            "meeting__starts_at",
            "meeting__kind__name",
            "meeting__topic",
            "member__name",
            "presence",
            "reason",
        )
    )
    last, day = None, None
    for branch_id, starts, kind, topic, name, p, reason in rows.iterator(chunk_size=CHUNK):
        if starts != last:  # rows come meeting by meeting: convert each meeting's time once
            last, day = starts, starts.astimezone(LOCAL_TZ).date()
        yield (names.get(branch_id, ""), day, kind, topic, name, presence[p], reason)


ATTENDANCE_BY_MEETING_COLUMNS = [
    Column("党支部", 28),
    Column("会议日期", 12, DATE),
    Column("会议类型", 12),
    Column("主题", 30),
    Column("出席", 40),
    Column("请假（事由）", 24),
    Column("缺席", 16),
]


def attendance_by_meeting_rows(scope: Scope) -> Iterator[tuple]:
    """The same attendance, a line per meeting with the names under 出席, 请假 and 缺席 (the PDF's form).

    A paper 会议记录本 records attendance this way; it is a tenth of the cells of a line per
    member, and cells are what a PDF's layout costs.
    """
    names = scope.names
    rows = (
        Attendance.objects.filter(meeting__in=counted_meetings(scope))
        .order_by("meeting__branch__path", "meeting__starts_at", "meeting_id", "member__name", "pk")
        .values_list(
            "meeting_id",
            "meeting__branch_id",
            "meeting__starts_at",
            "meeting__kind__name",
            "meeting__topic",
            "member__name",
            "presence",
            "reason",
        )
    )
    current, line = None, None
    for meeting_id, branch_id, starts, kind, topic, name, presence, reason in rows.iterator(chunk_size=CHUNK):
        if meeting_id != current:
            if line is not None:
                yield _meeting_line(line)
            current = meeting_id
            day = starts.astimezone(LOCAL_TZ).date()
            line = {
                "head": (names.get(branch_id, ""), day, kind, topic),
                Presence.PRESENT: [],
                "leave": [],
                "absent": [],
            }
        if presence == Presence.LEAVE:
            line["leave"].append(f"{name}（{reason}）" if reason else name)
        elif presence == Presence.ABSENT:
            line["absent"].append(name)
        else:
            line[Presence.PRESENT].append(name)
    if line is not None:
        yield _meeting_line(line)


def _meeting_line(line: dict) -> tuple:
    return (
        *line["head"],
        "、".join(line[Presence.PRESENT]),
        "、".join(line["leave"]),
        "、".join(line["absent"]),
    )


# --- 党费收缴登记簿 -----------------------------------------------------------

DUES_COLUMNS = [
    Column("党支部", 28),
    Column("姓名", 10),
    Column("党费类别", 10),
    Column("月应交", 9, MONEY),
    *[Column(f"{m}月", 8, MONEY) for m in range(1, 13)],
    Column("应交合计", 10, MONEY),
    Column("实交合计", 10, MONEY),
    Column("欠交", 9, MONEY),
]


class DuesRegister:
    """Members × 12 months of what they paid, streamed member by member, with the sheet's totals."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self.months = [ZERO] * 12
        self.due = ZERO
        self.paid = ZERO

    def rows(self) -> Iterator[tuple]:
        names = self.scope.names
        category = dict(DuesCategory.choices)
        payments = (
            DuesPayment.objects.filter(
                member__organisation_id__in=self.scope.branch_ids,
                month__gte=self.scope.start,
                month__lte=self.scope.end,
            )
            .order_by("member__organisation__path", "member__name", "member_id", "month")
            .values_list(
                "member_id",
                "member__organisation_id",
                "member__name",
                "member__dues_category",
                "month",
                "amount_due",
                "amount_paid",
            )
        )
        current, line = None, None
        for member_id, org_id, name, cat, month, due, paid in payments.iterator(chunk_size=CHUNK):
            if member_id != current:
                if line is not None:
                    yield self._finish(line)
                current = member_id
                line = {
                    "head": (names.get(org_id, ""), name, category.get(cat, cat)),
                    "months": {},
                    "due": ZERO,
                }
                line["monthly"] = due
            line["months"][month.month] = paid
            line["due"] += due
        if line is not None:
            yield self._finish(line)

    def _finish(self, line: dict) -> tuple:
        months = line["months"]
        paid = sum(months.values(), ZERO)
        for m, amount in months.items():
            self.months[m - 1] += amount
        self.due += line["due"]
        self.paid += paid
        return (
            *line["head"],
            line["monthly"],
            *(months.get(m) for m in range(1, 13)),
            line["due"],
            paid,
            max(line["due"] - paid, ZERO),
        )

    def footer(self) -> list[tuple]:
        return [("合计", "", "", None, *self.months, self.due, self.paid, max(self.due - self.paid, ZERO))]


# --- 发展党员, 组织关系转接 ---------------------------------------------------------

DEVELOPMENT_COLUMNS = [
    Column("党支部", 28),
    Column("姓名", 10),
    Column("阶段", 14),
    Column("日期", 12, DATE),
    Column("依据文件/文号", 24),
    Column("说明", 30),
]


def development_rows(scope: Scope) -> Iterator[tuple]:
    names, stage = scope.names, dict(Stage.choices)
    rows = (
        StageChange.objects.filter(
            member__organisation_id__in=scope.branch_ids, on__gte=scope.start, on__lte=scope.end
        )
        .order_by("member__organisation__path", "on", "member__name", "pk")
        .values_list("member__organisation_id", "member__name", "stage", "on", "document", "note")
    )
    for org_id, name, st, on, doc, note in rows.iterator(chunk_size=CHUNK):
        yield (names.get(org_id, ""), name, stage.get(st, st), on, doc, note)


TRANSFER_COLUMNS = [
    Column("党支部", 28),
    Column("姓名", 10),
    Column("类型", 14),
    Column("转出组织", 26),
    Column("接收组织", 26),
    Column("介绍信编号", 16),
    Column("状态", 9),
    Column("申请日期", 12, DATE),
    Column("办理日期", 12, DATE),
]


def transfer_rows(scope: Scope) -> Iterator[tuple]:
    names = scope.names
    direction, status = dict(TransferDirection.choices), dict(TransferStatus.choices)
    ids = scope.branch_ids
    rows = (
        Transfer.objects.filter(Q(from_organisation_id__in=ids) | Q(to_organisation_id__in=ids))
        .filter(requested_on__gte=scope.start, requested_on__lte=scope.end)
        .order_by("requested_on", "pk")
        .values_list(
            "from_organisation_id",
            "to_organisation_id",
            "member__name",
            "direction",
            "from_organisation__name",
            "to_organisation__name",
            "external_organisation",
            "letter_no",
            "status",
            "requested_on",
            "decided_on",
        )
    )
    for from_id, to_id, name, d, from_name, to_name, external, letter, st, asked, decided in rows.iterator(
        chunk_size=CHUNK
    ):
        own = names.get(from_id) or names.get(to_id, "")
        outside = external or ""
        yield (
            own,
            name,
            direction.get(d, d),
            from_name or outside,
            to_name or outside,
            letter,
            status.get(st, st),
            asked,
            decided,
        )


# --- 星级评定, 整改台账 --------------------------------------------------------------

RATING_COLUMNS = [
    Column("党支部", 28),
    Column("环节", 10),
    Column("自评总分", 9, MONEY),
    Column("考评总分", 9, MONEY),
    Column("拟定星级", 9, INT),
    Column("命名星级", 9, INT),
    Column("命名日期", 12, DATE),
    Column("命名文件文号", 20),
]


def rating_rows(scope: Scope) -> Iterator[tuple]:
    """One row per branch: its rating of the year, or an empty line when it has none."""
    stage = dict(RatingStage.choices)
    ratings = {
        r[0]: r[1:]
        for r in Rating.objects.filter(organisation_id__in=scope.branch_ids, year=scope.year).values_list(
            "organisation_id",
            "stage",
            "self_total",
            "total",
            "proposed_stars",
            "final_stars",
            "named_on",
            "naming_doc",
        )
    }
    for b in scope.branches:
        r = ratings.get(b.pk)
        if r is None:
            yield (b.name, "未参加评定", None, None, None, None, None, "")
        else:
            st, self_total, total, proposed, final, named_on, doc = r
            yield (b.name, stage.get(st, st), self_total, total, proposed, final, named_on, doc)


RECTIFICATION_COLUMNS = [
    Column("党支部", 28),
    Column("整顿原因", 24),
    Column("问题", 30),
    Column("整改措施", 30),
    Column("责任人", 10),
    Column("完成时限", 12, DATE),
    Column("状态", 8),
    Column("完成情况", 30),
    Column("销号时间", 12, DATE),
]


def rectification_rows(scope: Scope) -> Iterator[tuple]:
    """Items of the cases opened in the year, and of earlier cases still open during it."""
    names, status = scope.names, dict(ItemStatus.choices)
    rows = (
        RectificationItem.objects.filter(
            case__organisation_id__in=scope.branch_ids, case__opened_on__lte=scope.end
        )
        .filter(Q(case__closed_on__isnull=True) | Q(case__closed_on__gte=scope.start))
        .order_by("case__organisation__path", "case__opened_on", "deadline", "pk")
        .values_list(
            "case__organisation_id",
            "case__reason",
            "problem",
            "measure",
            "owner",
            "deadline",
            "status",
            "done_note",
            "verified_at",
        )
    )
    for row in rows.iterator(chunk_size=CHUNK):
        org_id, reason, problem, measure, owner, deadline, st, note, verified = row
        yield (
            names.get(org_id, ""),
            reason,
            problem,
            measure,
            owner,
            deadline,
            status.get(st, st),
            note,
            verified.astimezone(LOCAL_TZ).date() if verified else None,
        )


def sections(scope: Scope) -> list[Section]:
    """The ledger's sections in order (DOMAIN §6): one sheet each, one chapter each in the PDF."""
    dues = DuesRegister(scope)
    return [
        Section("overview", "概况", OVERVIEW_COLUMNS, lambda: overview_rows(scope)),
        Section("roster", "党员花名册", ROSTER_COLUMNS, lambda: roster_rows(scope)),
        Section("meetings", "三会一课", MEETING_COLUMNS, lambda: meeting_rows(scope)),
        Section("attendance", "出勤明细", ATTENDANCE_COLUMNS, lambda: attendance_rows(scope)),
        Section("dues", "党费收缴登记簿", DUES_COLUMNS, dues.rows, dues.footer),
        Section("development", "发展党员", DEVELOPMENT_COLUMNS, lambda: development_rows(scope)),
        Section("transfers", "组织关系转接", TRANSFER_COLUMNS, lambda: transfer_rows(scope)),
        Section("ratings", "星级评定", RATING_COLUMNS, lambda: rating_rows(scope)),
        Section("rectification", "整改台账", RECTIFICATION_COLUMNS, lambda: rectification_rows(scope)),
    ]


SECTION_TITLES = [
    "概况",
    "党员花名册",
    "三会一课",
    "出勤明细",
    "党费收缴登记簿",
    "发展党员",
    "组织关系转接",
    "星级评定",
    "整改台账",
]
