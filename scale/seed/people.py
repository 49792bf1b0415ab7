"""Members of every branch: mostly 正式党员, some 预备党员, a few in the pipeline, a few who left.

Dates follow the pipeline's rules (application at 18 or older, a year as an activist,
a year of probation) so the pipeline pages and the checks find a believable roster.
ID numbers are valid (GB 11643 check digit) and unique: the province digits are ones
no member in the database uses yet, the sequence is counted per region and birthday.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from django.db.models.functions import Substr

from branches.rules import add_years
from members import dues as dues_rules
from members import idcard
from members.demo import ETHNICITIES, GIVEN, SURNAMES, WORK_UNITS
from members.models import DuesCategory, Education, Gender, LeaveKind, Member, MemberStatus, Stage
from members.rules import completeness
from members.services.members import STAGE_DATE_FIELD

from .context import SeedContext
from .tree import Node, Tree

STAGE_WEIGHTS = {
    Stage.FULL: 84,
    Stage.PROBATIONARY: 6,
    Stage.CANDIDATE: 2,
    Stage.ACTIVIST: 4,
    Stage.APPLICANT: 4,
}
BENCH_STAGES = [Stage.FULL] * 52 + [Stage.PROBATIONARY] * 4 + [Stage.ACTIVIST] * 2 + [Stage.APPLICANT] * 2
LEFT_SHARE = 0.03
LEAVE_WEIGHTS = {
    LeaveKind.TRANSFERRED_OUT: 70,
    LeaveKind.DECEASED: 20,
    LeaveKind.LAPSED: 5,
    LeaveKind.EXPELLED: 5,
}
LEAVE_REASONS = {
    LeaveKind.TRANSFERRED_OUT: "工作调动，组织关系转出",
    LeaveKind.DECEASED: "因病去世",
    LeaveKind.LAPSED: "连续六个月不参加组织生活、不交纳党费，按自行脱党处理",
    LeaveKind.EXPELLED: "受到开除党籍处分",
}
PROVINCE_CODES = [str(code) for code in (11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 34, 35, 36, 37, 41, 42, 43,
                                         44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65)]  # fmt: skip
EDUCATION_BY_SECTOR = {
    "village": [Education.JUNIOR, Education.HIGH_SCHOOL, Education.HIGH_SCHOOL, Education.SECONDARY,
                Education.COLLEGE],
    "community": [Education.HIGH_SCHOOL, Education.SECONDARY, Education.COLLEGE, Education.BACHELOR],
    "university": [Education.POSTGRADUATE, Education.POSTGRADUATE, Education.BACHELOR],
}  # fmt: skip
EDUCATION_DEFAULT = [Education.BACHELOR, Education.BACHELOR, Education.COLLEGE, Education.POSTGRADUATE,
                     Education.SECONDARY]  # fmt: skip
POSTS = {
    "village": ["村民", "村民", "村干部", "种植户", "养殖户"],
    "community": ["居民", "退休职工", "社区工作者", "网格员"],
    "organ": ["科员", "副科长", "科长", "办事员"],
    "institution": ["医师", "护士", "主治医师", "技师", "管理人员"],
    "state_enterprise": ["工程师", "技术员", "职员", "班组长", "经理"],
    "private_enterprise": ["职员", "技术员", "车间主任", "销售经理"],
    "social_organisation": ["会员", "个体工商户", "工作人员"],
    "university": ["教师", "辅导员", "学生", "研究生", "管理人员"],
    "school": ["教师", "班主任", "教研组长", "退休教师"],
}
DESTINATIONS = ["广东省深圳市", "浙江省杭州市", "上海市", "江苏省苏州市", "北京市", "福建省厦门市"]
FARMER_AMOUNTS = [Decimal("0.20"), Decimal("0.50"), Decimal("1.00")]

COLUMNS = [
    "id", "organisation_id", "party_group_id", "name", "gender", "ethnicity", "birth_date", "id_number",
    "education", "phone", "work_unit", "post", "dues_category", "stage", "applied_on", "activist_on",
    "candidate_on", "admitted_on", "admission_doc_no", "confirmed_on", "confirmation_doc_no", "status",
    "leave_kind", "left_on", "leave_reason", "is_mobile", "mobile_destination", "mobile_since",
    "last_report_on", "is_lost", "lost_since", "completeness",
]  # fmt: skip
CHUNK = 2000  # branches a block of ids and rows


@dataclass(eq=False, slots=True)
class Person:
    """What the later steps read of a member."""

    id: int
    name: str
    stage: str
    admitted_on: dt.date | None
    confirmed_on: dt.date | None
    left_on: dt.date | None
    group_id: int | None
    category: str
    base: Decimal
    monthly: Decimal

    @property
    def is_party(self) -> bool:
        return self.stage in (Stage.FULL, Stage.PROBATIONARY)

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    def on_roster(self, day: dt.date) -> bool:
        """A party member expected at a meeting on ``day`` (meetings.roster.party_members_on)."""
        return (
            self.stage in (Stage.FULL, Stage.PROBATIONARY)
            and (self.admitted_on is None or self.admitted_on < day)
            and (self.left_on is None or self.left_on > day)
        )


def _days(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(days=rng.randint(low, high))


def _stage_dates(rng: random.Random, stage: str, today: dt.date) -> dict[str, dt.date | None]:
    """Dates of each step up to ``stage``, counted back from today, in the pipeline's order."""
    dates = dict.fromkeys(("applied_on", "activist_on", "candidate_on", "admitted_on", "confirmed_on"))
    if stage in (Stage.FULL, Stage.PROBATIONARY):
        admitted = today - (_days(rng, 380, 365 * 40) if stage == Stage.FULL else _days(rng, 20, 340))
        activist = admitted - _days(rng, 450, 700)
        dates.update(
            admitted_on=admitted,
            candidate_on=admitted - _days(rng, 60, 80),
            activist_on=activist,
            applied_on=activist - _days(rng, 30, 180),
            confirmed_on=add_years(admitted, 1) if stage == Stage.FULL else None,
        )
    elif stage == Stage.CANDIDATE:
        candidate = today - _days(rng, 10, 150)
        activist = candidate - _days(rng, 366, 540)
        dates.update(candidate_on=candidate, activist_on=activist, applied_on=activist - _days(rng, 30, 180))
    elif stage == Stage.ACTIVIST:
        activist = today - _days(rng, 20, 700)
        dates.update(activist_on=activist, applied_on=activist - _days(rng, 30, 180))
    else:
        dates["applied_on"] = today - _days(rng, 5, 200)
    return dates


def _dues_terms(rng: random.Random, sector: str) -> tuple[str, Decimal]:
    """Category and base (salary, pension or a farmer's fixed amount) by the branch's sector."""
    roll = rng.random()
    if sector == "village":
        if roll < 0.7:
            return DuesCategory.FARMER, rng.choice(FARMER_AMOUNTS)
        if roll < 0.9:
            return DuesCategory.RETIRED, Decimal(rng.randrange(1800, 6000, 100))
    elif sector == "community":
        if roll < 0.55:
            return DuesCategory.RETIRED, Decimal(rng.randrange(2000, 8000, 100))
        if roll < 0.62:
            return rng.choice([DuesCategory.UNEMPLOYED, DuesCategory.SUBSISTENCE]), Decimal("0")
    elif sector == "university" and roll < 0.35:
        return DuesCategory.STUDENT, Decimal("0")
    elif roll < 0.08:
        return DuesCategory.RETIRED, Decimal(rng.randrange(3000, 9000, 100))
    return DuesCategory.EMPLOYED, Decimal(rng.randrange(2500, 16000, 100))


class _People:
    def __init__(self, ctx: SeedContext, rng: random.Random, province: str | None, tree: Tree):
        self.ctx, self.rng, self.province = ctx, rng, province
        self.sequence: dict[tuple[str, dt.date], int] = {}
        self.region: dict[int, str] = {}
        for c, city in enumerate(tree.cities, start=1):
            for k, county in enumerate(city.children, start=1):
                self.region[county.id] = f"{province}{c % 100:02d}{k % 100:02d}" if province else ""

    def id_number(self, county_id: int, birth: dt.date, male: bool) -> str:
        region = self.region[county_id]
        if not region:
            return ""
        key = (region, birth)
        n = self.sequence.get(key, 0)
        self.sequence[key] = n + 1
        return idcard.make_id_number(region, birth, (2 * n + (1 if male else 0)) % 1000)

    def row(self, branch: Node, person_id: int, stage: str, left: tuple | None) -> tuple[tuple, Person]:
        """The member's row (in COLUMNS order, no party group yet) and what later steps need of it."""
        rng, today, sector = self.rng, self.ctx.today, branch.sector
        dates = _stage_dates(rng, stage, today)
        birth = dates["applied_on"] - _days(rng, 19 * 365, 42 * 365)
        male = rng.random() < 0.6
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        number = self.id_number(branch.parent.parent.id, birth, male)
        education, phone = _contact(rng, sector)
        category, base = _dues_terms(rng, sector)
        work_unit, ethnicity = rng.choice(WORK_UNITS[sector]), rng.choice(ETHNICITIES)
        stage_date = dates[STAGE_DATE_FIELD[stage]]
        score = completeness(
            {
                "name": name, "gender": Gender.MALE, "ethnicity": ethnicity, "birth_date": birth,
                "id_number": number, "id_number_valid": bool(number), "education": education, "phone": phone,
                "work_unit": work_unit, "dues_category": category, "stage_date": stage_date,
            }
        )  # fmt: skip
        leave_kind, left_on = left or ("", None)
        admitted, confirmed = dates["admitted_on"], dates["confirmed_on"]
        doc = f"{branch.parent.short_name[:12]}组〔{{}}〕{rng.randint(1, 60)}号"
        row = (
            person_id, branch.id, None, name, Gender.MALE if male else Gender.FEMALE, ethnicity, birth,
            number, education, phone, work_unit, rng.choice(POSTS[sector]), category, stage,
            dates["applied_on"], dates["activist_on"], dates["candidate_on"], admitted,
            doc.format(admitted.year) if admitted else "", confirmed,
            doc.format(confirmed.year) if confirmed else "",
            MemberStatus.LEFT if left else MemberStatus.ACTIVE, leave_kind, left_on,
            LEAVE_REASONS[leave_kind] if left else "", *_mobility(rng, stage, sector, today), score,
        )  # fmt: skip
        monthly = dues_rules.monthly_dues(category, base)
        person = Person(person_id, name, stage, admitted, confirmed, left_on, None, category, base, monthly)
        return row, person


def _contact(rng: random.Random, sector: str) -> tuple[str, str]:
    """Education and mobile number; some rosters miss one of them (a lower completeness)."""
    education = rng.choice(EDUCATION_BY_SECTOR.get(sector, EDUCATION_DEFAULT))
    phone = f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"
    if rng.random() < 0.06:
        return ("", phone) if rng.random() < 0.5 else (education, "")
    return education, phone


def _mobility(rng: random.Random, stage: str, sector: str, today: dt.date) -> tuple:
    """流动党员 and 失联党员: is_mobile, destination, since, last report, is_lost, lost since."""
    share = 0.06 if sector == "village" else 0.01
    if stage not in (Stage.FULL, Stage.PROBATIONARY) or rng.random() >= share:
        return False, "", None, None, False, None
    since = today - _days(rng, 200, 1500)
    if rng.random() < 0.1:
        return True, rng.choice(DESTINATIONS), since, None, True, since + _days(rng, 30, 150)
    return True, rng.choice(DESTINATIONS), since, today - _days(rng, 10, 300), False, None


def _stages(rng: random.Random, branch: Node, bench: Node) -> list[str]:
    if branch is bench:
        return list(BENCH_STAGES) + [Stage.FULL] * (branch.size - len(BENCH_STAGES))
    stages = rng.choices(list(STAGE_WEIGHTS), list(STAGE_WEIGHTS.values()), k=branch.size)
    if Stage.FULL not in stages:  # a branch needs a 正式党员 to have a secretary
        stages[0] = Stage.FULL
    return stages


def _leaving(rng: random.Random, ctx: SeedContext, branch: Node, stage: str, bench: Node) -> tuple | None:
    if branch.dissolved_on is not None:
        return LeaveKind.TRANSFERRED_OUT, branch.dissolved_on
    if branch is bench or stage not in (Stage.FULL, Stage.PROBATIONARY) or rng.random() >= LEFT_SHARE:
        return None
    span = max(1, (ctx.today - ctx.first_day).days)
    kind = rng.choices(list(LEAVE_WEIGHTS), list(LEAVE_WEIGHTS.values()))[0]
    return kind, ctx.first_day + dt.timedelta(days=rng.randrange(span))


def _assign_groups(rng: random.Random, branch: Node) -> None:
    """Every party member in a group, round robin; the first members dealt are 正式党员, one a group."""
    if not branch.groups:
        return
    party = [p for p in branch.members if p.is_party]
    full = [p for p in party if p.stage == Stage.FULL]
    first = full[: len(branch.groups)]
    rest = [p for p in party if p not in first]
    rng.shuffle(rest)
    for i, person in enumerate(first + rest):
        person.group_id = branch.groups[i % len(branch.groups)].id


def free_province() -> str | None:
    """Two ID-number digits no member in the database starts with (None once all are taken)."""
    taken = set(
        Member.objects.exclude(id_number="")
        .annotate(prefix=Substr("id_number", 1, 2))
        .values_list("prefix", flat=True)
        .distinct()
    )
    return next((code for code in PROVINCE_CODES if code not in taken), None)


def build(ctx: SeedContext, tree: Tree) -> None:
    """Plan and write every branch's members; each branch keeps its ``members`` for the later steps."""
    rng = ctx.rng("people")
    people = _People(ctx, rng, free_province(), tree)
    group_column = COLUMNS.index("party_group_id")
    bench = tree.bench
    with ctx.writer(Member, COLUMNS) as out:
        for start in range(0, len(tree.branches), CHUNK):
            chunk = tree.branches[start : start + CHUNK]
            ids = iter(ctx.ids.take(Member, sum(b.size for b in chunk)))
            for branch in chunk:
                rows = []
                for stage in _stages(rng, branch, bench):
                    row, person = people.row(
                        branch, next(ids), stage, _leaving(rng, ctx, branch, stage, bench)
                    )
                    rows.append(row)
                    branch.members.append(person)
                _assign_groups(rng, branch)
                for row, person in zip(rows, branch.members, strict=True):
                    out.add(row[:group_column] + (person.group_id,) + row[group_column + 1 :])
