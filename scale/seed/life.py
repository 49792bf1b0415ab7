"""谈心谈话 and 民主评议 results: the two per-member parts of organisational life.

Talks: the secretary talks with each party member once a year (a good branch with
nearly all, a weak one with about 60 %), on a day after the member's admission; this
year's share grows with the months gone. Appraisal results: one per party member on the
roster, for each year whose 民主评议 meeting was held (``meetings.build`` returns those days).
"""

from __future__ import annotations

import datetime as dt
import random

from meetings.models import Appraisal, AppraisalResult, Talk, TalkOccasion

from .context import SeedContext
from .copy import Writer
from .meetings import window
from .tree import Node, Tree

TALK_SHARE = {"good": 0.97, "fair": 0.85, "poor": 0.6}
RESULT_WEIGHTS = {
    AppraisalResult.EXCELLENT: 15,
    AppraisalResult.QUALIFIED: 80,
    AppraisalResult.BASIC: 4,
    AppraisalResult.UNQUALIFIED: 1,
}
TALK_NOTES = [
    "了解思想、工作和生活情况，听取对支部工作的意见建议",
    "谈学习体会和岗位履职情况",
    "交流思想，提醒注意事项",
]
TALK_COLUMNS = ["organisation_id", "member_a_id", "member_b_id", "on", "occasion", "note"]
APPRAISAL_COLUMNS = ["organisation_id", "member_id", "year", "result", "note"]


def _talks(rng: random.Random, out: Writer, branch: Node, year: int, today: dt.date) -> None:
    cadres = branch.terms[-1].cadres if branch.terms else []
    first, last = window(branch, year, today)
    if first > last or not cadres:
        return
    share = TALK_SHARE[branch.quality] * min(1.0, 1.3 * ((last - first).days + 1) / 365)
    secretary = cadres[0][0]
    for person in branch.members:
        since = first if person.admitted_on is None else max(first, person.admitted_on)
        on = since + dt.timedelta(days=rng.randint(1, max(1, (last - since).days)))
        if on > last or person.id == secretary or not person.on_roster(on) or rng.random() >= share:
            continue
        out.add((branch.id, secretary, person.id, on, TalkOccasion.REGULAR, rng.choice(TALK_NOTES)))


def _appraisals(rng: random.Random, out: Writer, branch: Node, year: int, day: dt.date) -> None:
    results, weights = list(RESULT_WEIGHTS), list(RESULT_WEIGHTS.values())
    for person in branch.members:
        if person.on_roster(day):
            out.add((branch.id, person.id, year, rng.choices(results, weights)[0], ""))


def build(ctx: SeedContext, tree: Tree, appraisal_days: dict[tuple[int, int], dt.date]) -> None:
    rng = ctx.rng("life")
    with ctx.writer(Talk, TALK_COLUMNS) as talks, ctx.writer(Appraisal, APPRAISAL_COLUMNS) as appraisals:
        for branch in tree.branches:
            for year in ctx.years:
                _talks(rng, talks, branch, year, ctx.today)
                day = appraisal_days.get((branch.id, year))
                if day is not None:
                    _appraisals(rng, appraisals, branch, year, day)
