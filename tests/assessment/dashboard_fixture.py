"""A seeded random subtree for the dashboard's tests and benchmark, written with bulk_create.

    root (committee) → committees → general branches → branches (→ party groups)

Branches sit under a committee or a general branch; a few are dissolved, a few joint branches;
committees and general branches have compliance rows of their own (which the dashboard must
leave out). Every branch gets members at every stage (some left), a current term (some
overdue), compliance rows for each requirement and period of each year, monthly dues lines,
and some of: a committee (appointments), party groups, a rating at any stage, a
rectification case with items, an acceptance. The same seed gives the same rows.

The root is created through the service (a real path under ``parent``); everything below it
gets paths computed here, as the service would, and is written with bulk_create — 5,000
branches take well under a minute.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from assessment import rollups
from assessment.defaults import ensure_defaults as ensure_assessment_defaults
from assessment.models import (
    Acceptance,
    AcceptanceStatus,
    CaseStatus,
    ItemStatus,
    Rating,
    RatingTemplate,
    RectificationCase,
    RectificationItem,
    Stage,
)
from branches import services as branch_services
from branches.models import PATH_ALPHABET, PATH_STEP, Organisation, OrgKind, OrgStatus, Sector, Term
from branches.rules import add_years
from meetings.defaults import ensure_defaults as ensure_meeting_defaults
from meetings.models import ComplianceRecord, ComplianceStatus, Period, Requirement
from members.models import Appointment, DuesPayment, Gender, LeaveKind, Member, MemberStatus, Position
from members.models import Stage as MemberStage

BATCH = 2000
SECTORS = list(Sector.values)
STAGE_WEIGHTS = [
    (MemberStage.FULL, 70),
    (MemberStage.PROBATIONARY, 10),
    (MemberStage.ACTIVIST, 8),
    (MemberStage.APPLICANT, 7),
    (MemberStage.CANDIDATE, 5),
]
STATUS_WEIGHTS = [
    (ComplianceStatus.MET, 60),
    (ComplianceStatus.SHORT, 22),
    (ComplianceStatus.PENDING, 9),
    (ComplianceStatus.NOT_APPLICABLE, 9),
]
SHORT_NOTES = ["", "", "未按期召开", "出席率未达到80%", "记录不完整", "仅召开1次"]
PERIOD_MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.HALF: 6, Period.YEAR: 12}


@dataclass
class Generated:
    root: Organisation
    branch_ids: list[int]
    committee_ids: list[int]


def encode_step(number: int) -> str:
    digits = []
    for _ in range(PATH_STEP):
        number, rem = divmod(number, len(PATH_ALPHABET))
        digits.append(PATH_ALPHABET[rem])
    return "".join(reversed(digits))


def _weighted(rng: random.Random, pairs):
    values, weights = zip(*pairs, strict=True)
    return rng.choices(values, weights)[0]


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


class _Tree:
    """Children of each node numbered as the service would number them (1, 2, … under a new parent)."""

    def __init__(self, token: str):
        self.token = token
        self.counts: dict[int, int] = {}
        self.serial = 0

    def child(self, parent: Organisation, **fields) -> Organisation:
        n = self.counts.get(parent.pk, 0) + 1
        self.counts[parent.pk] = n
        self.serial += 1
        return Organisation(
            parent=parent,
            path=parent.path + encode_step(n),
            depth=parent.depth + 1,
            code=f"{self.token}{self.serial:06d}",
            **fields,
        )


def _create(model, objs: list) -> list:
    created = []
    for start in range(0, len(objs), BATCH):
        created += model.objects.bulk_create(objs[start : start + BATCH])
    return created


@transaction.atomic
def generate(
    *,
    seed: int,
    branches: int = 40,
    years: tuple[int, ...] = (2025, 2026),
    today: dt.date = dt.date(2026, 11, 20),
    parent: Organisation | None = None,
    name: str | None = None,
    members: tuple[int, int] = (3, 18),
    dues_months: int = 12,
) -> Generated:
    """Write a random subtree of ``branches`` branches under ``parent`` (or a new top-level root)."""
    rng = random.Random(seed)
    ensure_meeting_defaults()
    templates = {}
    for year in years:
        ensure_assessment_defaults(year)
        templates[year] = RatingTemplate.objects.filter(year=year).order_by("pk").first()
    token = f"G{seed % 1000:03d}{rng.randrange(36**4):05d}"
    root = branch_services.organisation_create(
        name=name or f"随机党委{seed}",
        kind=OrgKind.COMMITTEE,
        sector=Sector.ORGAN,
        code=f"{token}R",
        parent=parent,
    )
    tree = _Tree(token)

    n_committees = max(2, branches // 15)
    committees = _create(
        Organisation,
        [
            tree.child(root, name=f"第{i + 1}党委", kind=OrgKind.COMMITTEE, sector=rng.choice(SECTORS))
            for i in range(n_committees)
        ],
    )
    generals = _create(
        Organisation,
        [
            tree.child(c, name=f"{c.name}第{j + 1}党总支", kind=OrgKind.GENERAL_BRANCH, sector=c.sector)
            for c in committees
            for j in range(rng.randint(0, 2))
        ],
    )
    parents = committees + generals
    branch_objs = []
    for i in range(branches):
        above = rng.choice(parents)
        dissolved = rng.random() < 0.05
        branch_objs.append(
            tree.child(
                above,
                name=f"{above.name}·{i + 1}号党支部",
                short_name=f"支部{i + 1}",
                kind=OrgKind.JOINT_BRANCH if rng.random() < 0.15 else OrgKind.BRANCH,
                sector=rng.choice(SECTORS),
                status=OrgStatus.DISSOLVED if dissolved else OrgStatus.ACTIVE,
                dissolved_on=dt.date(2025, 6, 30) if dissolved else None,
                dissolved_reason="撤并" if dissolved else "",
            )
        )
    branch_list = _create(Organisation, branch_objs)
    group_objs = [
        tree.child(b, name=f"{b.name}第{k + 1}党小组", kind=OrgKind.PARTY_GROUP, sector=b.sector)
        for b in branch_list
        if rng.random() < 0.35
        for k in range(rng.randint(1, 3))
    ]
    groups = _create(Organisation, group_objs)
    groups_of: dict[int, list[Organisation]] = {}
    for g in groups:
        groups_of.setdefault(g.parent_id, []).append(g)

    terms = _terms(rng, [root, *committees, *generals, *branch_list], today)
    people = _members(rng, branch_list, groups_of, members)
    _appointments(rng, terms, people)
    _compliance(rng, [*committees, *generals, *branch_list], years, today)
    _dues(rng, people, years, today, dues_months)
    _ratings(rng, branch_list, years, templates)
    _rectification(rng, branch_list, today)
    _acceptance(rng, branch_list, years)
    rollups.rebuild(years, today=today)  # the rows above were written directly, as a restore would
    return Generated(
        root=root, branch_ids=[b.pk for b in branch_list], committee_ids=[c.pk for c in committees]
    )


def _terms(rng: random.Random, orgs: list[Organisation], today: dt.date) -> dict[int, Term]:
    objs = []
    for org in orgs:
        length = 5 if org.kind == OrgKind.COMMITTEE or org.sector in ("village", "community") else 3
        elected = today - dt.timedelta(days=rng.randint(200, 365 * 6))
        expires = add_years(elected, length)
        objs.append(
            Term(
                organisation=org,
                number=1,
                elected_on=elected,
                length_years=length,
                regular_expires_on=expires,
                expires_on=expires,
            )
        )
    return {t.organisation_id: t for t in _create(Term, objs)}


def _members(rng, branch_list, groups_of, size) -> list[Member]:
    objs = []
    serial = 0
    for b in branch_list:
        groups = groups_of.get(b.pk, [])
        for _ in range(rng.randint(*size)):
            serial += 1
            stage = _weighted(rng, STAGE_WEIGHTS)
            left = rng.random() < 0.06
            objs.append(
                Member(
                    organisation=b,
                    party_group=rng.choice(groups) if groups and rng.random() < 0.8 else None,
                    name=f"党员{serial}",
                    gender=rng.choice((Gender.MALE, Gender.FEMALE)),
                    birth_date=dt.date(1950 + rng.randrange(50), rng.randint(1, 12), rng.randint(1, 28)),
                    stage=stage,
                    status=MemberStatus.LEFT if left else MemberStatus.ACTIVE,
                    leave_kind=LeaveKind.TRANSFERRED_OUT if left else "",
                    left_on=dt.date(2025, 3, 1) if left else None,
                )
            )
    return _create(Member, objs)


def _appointments(rng, terms: dict[int, Term], people: list[Member]) -> None:
    full_by_branch: dict[int, list[Member]] = {}
    for m in people:
        if m.status == MemberStatus.ACTIVE and m.stage == MemberStage.FULL:
            full_by_branch.setdefault(m.organisation_id, []).append(m)
    positions = [
        Position.SECRETARY,
        Position.ORGANISATION,
        Position.PROPAGANDA,
        Position.DEPUTY,
        Position.OTHER,
    ]
    objs = []
    for branch_id, full in full_by_branch.items():
        if branch_id not in terms or rng.random() < 0.3:
            continue
        term = terms[branch_id]
        for member, position in zip(full[: rng.randint(1, 5)], positions, strict=False):
            objs.append(
                Appointment(term=term, member=member, position=position, appointed_on=term.elected_on)
            )
    _create(Appointment, objs)


def _periods(period: str, year: int):
    step = PERIOD_MONTHS[period]
    for first in range(1, 13, step):
        yield dt.date(year, first, 1), _month_end(year, first + step - 1)


def _compliance(rng, orgs: list[Organisation], years, today: dt.date) -> None:
    requirements: dict[str, list[Requirement]] = {}
    for r in Requirement.objects.select_related("kind"):
        requirements.setdefault(r.org_kind, []).append(r)
    objs = []
    for org in orgs:
        for year in years:
            for req in requirements.get(org.kind, []):
                for start, end in _periods(req.period, year):
                    status = _weighted(rng, STATUS_WEIGHTS)
                    expected = 0 if status == ComplianceStatus.NOT_APPLICABLE else req.min_count
                    held = (
                        expected if status == ComplianceStatus.MET else rng.randint(0, max(0, expected - 1))
                    )
                    rate = None
                    if req.kind.code == "theme_day" and status != ComplianceStatus.NOT_APPLICABLE:
                        rate = None if rng.random() < 0.1 else Decimal(rng.randint(4000, 10000)) / 10000
                    objs.append(
                        ComplianceRecord(
                            organisation=org,
                            org_path=org.path,
                            requirement=req,
                            period_start=start,
                            period_end=end,
                            year=year,
                            expected=expected,
                            held=held,
                            attendance_rate=rate,
                            status=status,
                            note=rng.choice(SHORT_NOTES) if status == ComplianceStatus.SHORT else "",
                        )
                    )
            if len(objs) >= 20 * BATCH:
                _create(ComplianceRecord, objs)
                objs = []
    _create(ComplianceRecord, objs)


def _dues(rng, people: list[Member], years, today: dt.date, months: int) -> None:
    objs = []
    for m in people:
        if m.status != MemberStatus.ACTIVE or m.stage not in (MemberStage.FULL, MemberStage.PROBATIONARY):
            continue
        due = Decimal(rng.choice((0, 2, 5, 10, 20, 50)))
        for year in years:
            for month in range(1, months + 1):
                first = dt.date(year, month, 1)
                roll = rng.random()
                paid, paid_on = Decimal("0"), None
                if roll < 0.72:
                    paid, paid_on = due, first + dt.timedelta(days=rng.randint(0, 27))
                elif roll < 0.84:
                    paid, paid_on = due, _month_end(year, month) + dt.timedelta(days=rng.randint(1, 60))
                elif roll < 0.9 and due:
                    paid, paid_on = due / 2, first + dt.timedelta(days=3)
                objs.append(
                    DuesPayment(member=m, month=first, amount_due=due, amount_paid=paid, paid_on=paid_on)
                )
        if len(objs) >= 20 * BATCH:
            _create(DuesPayment, objs)
            objs = []
    _create(DuesPayment, objs)


def _ratings(rng, branch_list, years, templates) -> None:
    stages = list(Stage.values)
    objs = []
    for b in branch_list:
        for year in years:
            if rng.random() < 0.35:
                continue
            stage = rng.choice(stages)
            named = stage == Stage.NAMED
            stars = rng.randint(1, 5)
            objs.append(
                Rating(
                    organisation=b,
                    org_path=b.path,
                    template=templates[year],
                    year=year,
                    stage=stage,
                    proposed_stars=stars if stage != Stage.SELF else None,
                    final_stars=stars if named else None,
                    named_on=dt.date(year, 12, 20) if named else None,
                )
            )
    _create(Rating, objs)


def _rectification(rng, branch_list, today: dt.date) -> None:
    cases = []
    for b in branch_list:
        if rng.random() < 0.12:
            closed = rng.random() < 0.3
            cases.append(
                RectificationCase(
                    organisation=b,
                    org_path=b.path,
                    reason="星级评定为二星及以下",
                    opened_on=today - dt.timedelta(days=rng.randint(30, 400)),
                    status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
                    closed_on=today if closed else None,
                )
            )
    cases = _create(RectificationCase, cases)
    items = [
        RectificationItem(
            case=c,
            problem=f"问题{k + 1}",
            measure="限期整改",
            owner="书记",
            deadline=today + dt.timedelta(days=rng.randint(-60, 90)),
            status=rng.choice(ItemStatus.values),
        )
        for c in cases
        for k in range(rng.randint(1, 4))
    ]
    _create(RectificationItem, items)


def _acceptance(rng, branch_list, years) -> None:
    objs = [
        Acceptance(
            organisation=b,
            org_path=b.path,
            year=year,
            status=rng.choice(AcceptanceStatus.values),
            application="申请达标验收",
        )
        for b in branch_list
        for year in years
        if rng.random() < 0.5
    ]
    _create(Acceptance, objs)
