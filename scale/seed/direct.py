"""``--direct``: compliance rows written as ``meetings.compliance`` would store them, without meetings.

For 100,000 branches the dashboard reads only compliance, rating and member rows, so
those are written straight away: for each organisation, requirement and period, the
figures a branch of its quality would reach (held or missed, theme-day attendance
over or under 80 %, talks with most members), with the statuses and notes of
``meetings.compliance.compute`` — 不适用 before founding, after dissolution, without a
committee or party groups, for a committee with committees below it; 未到期 for a
period not over yet. Requirement overrides are not applied (a new tree has none).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from branches.models import OrgKind
from meetings import rules
from meetings.models import ComplianceRecord, ComplianceStatus, Condition, Requirement

from .context import SeedContext
from .life import TALK_SHARE
from .meetings import LATE_SHARE, QUALITY
from .terms import COMMITTEE_FROM
from .tree import Node, Tree

COLUMNS = [
    "organisation_id", "org_path", "requirement_id", "period_start", "period_end", "year", "expected", "held",
    "late", "attendance_rate", "status", "note",
]  # fmt: skip
RATE_STEP = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class _Facts:
    """What ``meetings.compliance._read_facts`` would find for the organisation and year."""

    party: int  # party members on the roster at the year's end (or today)
    committee: bool  # has (or must have) a 支部委员会
    upper: bool  # a committee with committees below it


class _Cells:
    def __init__(self, ctx: SeedContext, rng: random.Random, out):
        self.ctx, self.rng, self.out = ctx, rng, out
        self.today = ctx.today
        self.requirements: dict[str, list[Requirement]] = {}
        for requirement in Requirement.objects.select_related("kind").order_by("order", "pk"):
            self.requirements.setdefault(requirement.org_kind, []).append(requirement)

    def node(self, node: Node, year: int) -> None:
        on = min(self.today, dt.date(year, 12, 31))  # the roster that counts (meetings.compliance)
        facts = _Facts(
            party=sum(1 for p in node.members if p.is_party and p.is_active and p.admitted_on <= on),
            committee=(len(node.terms[-1].cadres) if node.terms else 0) >= 3
            or sum(1 for p in node.members if p.stage == "full" and p.is_active) >= COMMITTEE_FROM,
            upper=node.kind == OrgKind.COMMITTEE and any(c.kind == OrgKind.COMMITTEE for c in node.children),
        )
        for requirement in self.requirements.get(node.kind, ()):
            for start, end in rules.periods_of_year(year, requirement.period):
                reason = self._not_applicable(node, facts, requirement, start, end)
                if reason:
                    self._row(
                        node,
                        requirement,
                        start,
                        end,
                        year,
                        0,
                        0,
                        0,
                        None,
                        ComplianceStatus.NOT_APPLICABLE,
                        reason,
                    )
                else:
                    self._count(node, facts, requirement, start, end, year)

    @staticmethod
    def _not_applicable(
        node: Node, facts: _Facts, requirement: Requirement, start: dt.date, end: dt.date
    ) -> str:
        if node.founded_on and node.founded_on > end:
            return "该周期组织尚未成立"
        if node.dissolved_on and node.dissolved_on < start:
            return "组织已撤销"
        if facts.upper:
            return "下设党委，不是基层党委"
        if requirement.condition == Condition.HAS_COMMITTEE and not facts.committee:
            return "未设支部委员会（正式党员不足7人且委员不足3人）"
        if requirement.condition == Condition.PER_GROUP and not node.groups:
            return "未设党小组"
        if requirement.condition == Condition.PER_MEMBER and not facts.party:
            return "没有在册党员"
        return ""

    def _day(self, node: Node, code: str, start: dt.date) -> dt.date:
        """The day the full seed (``meetings._Branch.schedule``) would have held this period's meeting."""
        rng = self.rng
        if code == "theme_day":
            return start.replace(day=node.party_day)
        if code == "committee":
            return start.replace(day=rng.randint(2, 8))
        if code == "group":
            return start.replace(day=rng.randint(9, 27))
        if code == "general" and not node.is_branch:  # a 基层党委's yearly meeting
            return dt.date(start.year, rng.choice([6, 7]), rng.randint(1, 28))
        if code == "general":
            return dt.date(start.year, start.month + 2, rng.randint(8, 26))
        if code == "lecture":
            return dt.date(start.year, start.month + 1, rng.randint(5, 25))
        life = dt.date(start.year, rng.choice([11, 12]), rng.randint(3, 22))  # 组织生活会, 民主评议
        return life + dt.timedelta(days=rng.randint(0, 5)) if code == "appraisal" else life

    def _held(self, node: Node, code: str, start: dt.date) -> bool:
        """Whether the period's meeting fell before today, while the organisation existed, and was held."""
        day = self._day(node, code, start)
        last = self.today - dt.timedelta(days=1)
        if node.dissolved_on is not None:
            last = min(last, node.dissolved_on - dt.timedelta(days=1))
        if not node.founded_on < day <= last:
            return False
        miss = QUALITY[node.quality][0] if node.is_branch else 0.08
        return self.rng.random() >= miss

    def _count(
        self, node: Node, facts: _Facts, requirement: Requirement, start: dt.date, end: dt.date, year: int
    ):
        rng = self.rng
        late, rate, why = 0, None, ""
        if requirement.condition == Condition.PER_MEMBER:
            elapsed = min(1.0, 1.3 * ((min(end, self.today) - start).days + 1) / 365)
            share = TALK_SHARE[node.quality] * elapsed
            expected, held = facts.party, sum(1 for _ in range(facts.party) if rng.random() < share)
        elif requirement.condition == Condition.PER_GROUP:
            expected = len(node.groups)
            held = sum(1 for _ in node.groups if self._held(node, "group", start))
        else:
            expected, held = requirement.min_count, 0
            if self._held(node, requirement.kind.code, start):
                share = QUALITY[node.quality][1] if node.is_branch else 0.9
                present = min(0.99, share + rng.uniform(-0.08, 0.05))
                rate = Decimal(present).quantize(RATE_STEP, rounding=ROUND_HALF_UP)
                late = int(rng.random() < LATE_SHARE[node.quality])
                if rules.attendance_met(round(present * 1000), 1000, requirement.min_attendance):
                    held = 1
                else:
                    why = f"出席率未达到{requirement.min_attendance}%"
        if held >= expected:
            status = ComplianceStatus.MET
        elif end < self.today:
            status = ComplianceStatus.SHORT
        else:
            status = ComplianceStatus.PENDING
        self._row(node, requirement, start, end, year, expected, held, late, rate, status, why)

    def _row(self, node, requirement, start, end, year, expected, held, late, rate, status, note) -> None:
        self.out.add(
            (node.id, node.path, requirement.pk, start, end, year, expected, held, late, rate, status, note)
        )


def build(ctx: SeedContext, tree: Tree) -> None:
    rng = ctx.rng("direct")
    nodes = [tree.root, *tree.cities, *tree.counties, *tree.committees, *tree.branches]
    with ctx.writer(ComplianceRecord, COLUMNS) as out:
        cells = _Cells(ctx, rng, out)
        for year in ctx.years:
            for node in nodes:
                cells.node(node, year)
