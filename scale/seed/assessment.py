"""Star ratings (星级评定) and acceptance applications (达标验收) of the branches.

Past years: most branches rated, most ratings named (命名) by the year's end, the stars
following how well the branch keeps up its organisational life. This year: ratings in
progress (自评 … 复核公示), none named yet unless the naming day has passed.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from assessment.defaults import THRESHOLDS
from assessment.defaults import ensure_defaults as ensure_assessment_defaults
from assessment.models import Acceptance, AcceptanceStatus, Rating, RatingTemplate, Stage

from .context import SeedContext
from .tree import Tree

RATED_SHARE = {"past": 0.88, "current": 0.6}
STARS = {"good": (3, 5), "fair": (2, 4), "poor": (1, 3)}
PAST_STAGES = {Stage.NAMED: 85, Stage.TO_NAME: 5, Stage.FINAL_NOTICE: 4, Stage.REVIEW: 6}
CURRENT_STAGES = {
    Stage.SELF: 40,
    Stage.REVIEW: 30,
    Stage.REVIEW_NOTICE: 15,
    Stage.RECHECK: 10,
    Stage.FINAL_NOTICE: 5,
}
NAMING_DAY = (12, 20)
ACCEPTANCE_SHARE = {"past": 0.6, "current": 0.25}
PAST_ACCEPTANCE = {
    AcceptanceStatus.ACCEPTED: 70,
    AcceptanceStatus.CHECKED: 10,
    AcceptanceStatus.APPLIED: 8,
    AcceptanceStatus.REJECTED: 12,
}

ACCEPTANCE_NOTES = {AcceptanceStatus.ACCEPTED: "验收达标", AcceptanceStatus.REJECTED: "台账不齐全，未通过"}
REPORT = "{year}年，支部认真落实“三会一课”等组织生活制度，党员队伍建设不断加强。"

RATING_COLUMNS = [
    "organisation_id", "org_path", "template_id", "year", "stage", "self_total", "total", "proposed_stars",
    "final_stars", "report", "named_on", "naming_doc",
]  # fmt: skip
ACCEPTANCE_COLUMNS = [
    "organisation_id",
    "org_path",
    "year",
    "status",
    "application",
    "check_note",
    "accept_note",
]


def templates(years: list[int]) -> dict[int, int]:
    """The year's scorecard (the default one, seeded when the year has none)."""
    found = {}
    for year in years:
        ensure_assessment_defaults(year)
        found[year] = (
            RatingTemplate.objects.filter(year=year)
            .order_by("-status", "pk")
            .values_list("pk", flat=True)
            .first()
        )
    return found


def _score(rng, stars: int) -> Decimal:
    """A total inside the band of ``stars`` (assessment.defaults.THRESHOLDS)."""
    low = THRESHOLDS[stars]
    high = THRESHOLDS.get(stars + 1, 100)
    return Decimal(rng.randint(max(low, 45) * 10, high * 10 - 1)) / 10


def build(ctx: SeedContext, tree: Tree) -> None:
    rng = ctx.rng("assessment")
    template_of = templates(ctx.years)
    this_year = ctx.today.year
    naming_passed = ctx.today >= dt.date(this_year, *NAMING_DAY)
    with (
        ctx.writer(Rating, RATING_COLUMNS) as ratings,
        ctx.writer(Acceptance, ACCEPTANCE_COLUMNS) as acceptances,
    ):
        for branch in tree.branches:
            for year in ctx.years:
                if branch.founded_on.year > year or (
                    branch.dissolved_on and branch.dissolved_on.year <= year
                ):
                    continue
                when = "current" if year == this_year else "past"
                if rng.random() < RATED_SHARE[when]:
                    ratings.add(_rating(rng, branch, year, template_of[year], when, naming_passed))
                if rng.random() < ACCEPTANCE_SHARE[when]:
                    status = (
                        rng.choices(list(PAST_ACCEPTANCE), list(PAST_ACCEPTANCE.values()))[0]
                        if when == "past" else AcceptanceStatus.APPLIED
                    )  # fmt: skip
                    application = f"{branch.short_name}{year}年度标准化规范化建设达标验收申请"
                    check = "" if status == AcceptanceStatus.APPLIED else "已对照标准逐项检查"
                    verdict = ACCEPTANCE_NOTES.get(status, "")
                    acceptances.add((branch.id, branch.path, year, status, application, check, verdict))


def _rating(rng, branch, year: int, template_id: int, when: str, naming_passed: bool) -> tuple:
    low, high = STARS[branch.quality]
    stars = rng.randint(low, high)
    stages = PAST_STAGES if when == "past" else CURRENT_STAGES
    stage = rng.choices(list(stages), list(stages.values()))[0]
    if when == "current" and naming_passed and rng.random() < 0.5:
        stage = Stage.NAMED
    total = _score(rng, stars)
    self_total = min(Decimal(100), total + Decimal(rng.randint(0, 60)) / 10)
    named, reviewed = stage == Stage.NAMED, stage != Stage.SELF
    doc = f"{branch.parent.short_name[:20]}〔{year}〕{rng.randint(1, 40)}号"
    return (
        branch.id, branch.path, template_id, year, stage, self_total, total if reviewed else Decimal(0),
        stars if reviewed else None, stars if named else None, REPORT.format(year=year),
        dt.date(year, *NAMING_DAY) if named else None, doc if named else "",
    )  # fmt: skip
