"""Terms (届次) of every organisation and the committees (支部委员会) of the branches.

A term's length is the national default (``branches.rules.default_term_years``); about
7 % of the current terms are overdue, 2 % postponed with an approval. Earlier terms reach
back to the first seeded day, so a committee meeting of any seeded month finds the
committee then in office. A branch with ≥ 7 正式党员 elects a committee of 3 (5 from 15
正式党员); a smaller one only a 书记 [001].
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

from branches.models import Term, TermStatusChoice
from branches.rules import add_months, add_years, default_term_years
from members.models import Appointment, Position, Stage

from .context import SeedContext
from .tree import Node, Tree

OVERDUE_SHARE = 0.07
POSTPONED_SHARE = 0.02
COMMITTEE_FROM = 7  # 正式党员 from which a branch must elect a committee
LARGE_COMMITTEE_FROM = 15
POSITIONS_3 = [Position.SECRETARY, Position.ORGANISATION, Position.PROPAGANDA]
POSITIONS_5 = [
    Position.SECRETARY,
    Position.DEPUTY,
    Position.ORGANISATION,
    Position.PROPAGANDA,
    Position.DISCIPLINE,
]
MAX_TERMS = 12

TERM_COLUMNS = [
    "id", "organisation_id", "number", "elected_on", "length_years", "regular_expires_on", "expires_on",
    "adjustment_doc_no", "adjustment_approved_on", "status", "ended_on",
]  # fmt: skip
APPOINTMENT_COLUMNS = ["term_id", "member_id", "position", "appointed_on", "ended_on"]


@dataclass(eq=False, slots=True)
class TermPlan:
    elected_on: dt.date
    ended_on: dt.date | None  # None: the current term
    cadres: list[tuple[int, str]] = field(default_factory=list)  # (member id, position), secretary first

    def in_office(self, day: dt.date) -> bool:
        return self.elected_on <= day and (self.ended_on is None or day < self.ended_on)


def _current_election(rng: random.Random, ctx: SeedContext, node: Node, length: int) -> tuple[dt.date, bool]:
    """The current term's election day, and whether it runs past its expiry (overdue)."""
    today = ctx.today
    if node.dissolved_on is not None:
        return node.dissolved_on - dt.timedelta(days=rng.randint(200, 900)), False
    if rng.random() < OVERDUE_SHARE:
        return add_years(today, -length) - dt.timedelta(days=rng.randint(10, 400)), True
    return today - dt.timedelta(days=rng.randint(30, length * 365 - 5)), False


def _chain(rng: random.Random, ctx: SeedContext, node: Node, length: int) -> list[TermPlan]:
    elected, _ = _current_election(rng, ctx, node, length)
    plans = [TermPlan(elected, node.dissolved_on)]
    while plans[0].elected_on > ctx.first_day and len(plans) < MAX_TERMS:
        earlier = add_years(plans[0].elected_on, -length)
        plans.insert(0, TermPlan(earlier, plans[0].elected_on))
    return plans


def _cadres(rng: random.Random, branch: Node) -> list[tuple[int, str]]:
    full = [p for p in branch.members if p.stage == Stage.FULL and p.is_active]
    if not full:
        return []
    positions = POSITIONS_5 if len(full) >= LARGE_COMMITTEE_FROM else POSITIONS_3
    if len(full) < COMMITTEE_FROM:
        positions = [Position.SECRETARY]
    chosen = rng.sample(full, len(positions))
    return [(p.id, position) for p, position in zip(chosen, positions, strict=True)]


def build(ctx: SeedContext, tree: Tree) -> None:
    rng = ctx.rng("terms")
    nodes = [tree.root, *tree.cities, *tree.counties, *tree.committees, *tree.branches]
    appointments: list[tuple] = []
    with ctx.writer(Term, TERM_COLUMNS) as terms:
        plans = []
        for node in nodes:
            length = default_term_years(node.kind, node.sector)
            node.terms = _chain(rng, ctx, node, length)
            cadres = _cadres(rng, node) if node.is_branch else []
            for plan in node.terms:
                plan.cadres = cadres
            plans.append((node, length))
        ids = iter(ctx.ids.take(Term, sum(len(node.terms) for node, _ in plans)))
        for node, length in plans:
            first_number = rng.randint(len(node.terms), len(node.terms) + 6)
            for k, plan in enumerate(node.terms):
                term_id = next(ids)
                regular = add_years(plan.elected_on, length)
                current = k == len(node.terms) - 1
                postponed = (
                    current
                    and node.parent is not None
                    and plan.ended_on is None
                    and regular > ctx.today
                    and rng.random() < POSTPONED_SHARE
                )
                expires = add_months(regular, 6) if postponed else regular
                doc = (
                    f"{node.parent.short_name[:20]}组〔{ctx.today.year}〕{rng.randint(1, 90)}号"
                    if postponed
                    else ""
                )
                terms.add(
                    (
                        term_id, node.id, first_number - len(node.terms) + k + 1, plan.elected_on, length,
                        regular, expires, doc, add_months(regular, -3) if postponed else None,
                        TermStatusChoice.CURRENT if plan.ended_on is None else TermStatusChoice.ENDED,
                        plan.ended_on,
                    )
                )  # fmt: skip
                appointments += [
                    (term_id, member_id, position, plan.elected_on, plan.ended_on)
                    for member_id, position in plan.cadres
                ]
    # After the terms are in the table: an appointment points at its term.
    with ctx.writer(Appointment, APPOINTMENT_COLUMNS) as out:
        for row in appointments:
            out.add(row)
