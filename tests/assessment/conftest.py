"""Assessment fixtures on top of tests/conftest.py's tree: the county reviewer, the 2026 defaults,
and ``make_rating``, which walks a branch's rating through the real services to a stage.

Dates are fixed: the 2026 ratings are done in January 2027 (``TODAY``); every 公示 period
made here has ended before ``TODAY``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from assessment.defaults import ensure_defaults
from assessment.models import Evidence, ItemType, Rating, Stage
from assessment.services import ratings as services
from branches.models import Role
from tests.factories import UserFactory, grant

YEAR = 2026
TODAY = dt.date(2027, 1, 20)
NOTICE = {"starts_on": dt.date(2027, 1, 5), "ends_on": dt.date(2027, 1, 11)}
RECHECK_NOTICE = {"starts_on": dt.date(2027, 1, 12), "ends_on": dt.date(2027, 1, 18)}
ORDER = list(Stage.values)


def _actor():
    return UserFactory(username="rating_actor", is_superuser=True, is_staff=True)


def _plan(scores, total: Decimal) -> dict[int, Decimal]:
    """Points per item that add up to ``total`` (≤ the template's maximum): base, then bonus, then appraisal."""
    left = Decimal(total)
    plan = {}
    for kind in (ItemType.BASE, ItemType.BONUS, ItemType.APPRAISAL, ItemType.PENALTY):
        for s in scores:
            if s.item.item_type != kind:
                continue
            give = Decimal(0) if kind == ItemType.PENALTY else min(s.item.max_points, left)
            plan[s.item_id] = give
            left -= give
    if left > 0:
        raise ValueError(f"the template cannot reach {total}")
    return plan


def make_rating(
    org, *, stage: str = Stage.SELF, total=Decimal("85"), recheck_stars: int = 5, year=YEAR
) -> Rating:
    """The branch's rating for ``year`` walked through the services to ``stage``.

    ``total`` is the committee's total (the self-assessment gives the same points); five
    stars (≥90 by default) go through the county re-check, others straight to naming.
    Evidence rows for the items that need them are written directly (no files).
    """
    by = _actor()
    rating = services.rating_start(organisation=org, year=year, by=by, today=TODAY)
    scores = list(rating.scores.select_related("item"))
    plan = _plan(scores, Decimal(total))
    entries = {s.item_id: (plan[s.item_id], "") for s in scores if s.item.item_type != ItemType.APPRAISAL}
    rating = services.self_scores_save(rating=rating, by=by, entries=entries, report="述职要点")
    for s in scores:
        if s.item.evidence_required and plan[s.item_id] > 0:
            Evidence.objects.create(
                rating=rating,
                item=s.item,
                file=f"assessment/evidence/t{s.item_id}.pdf",
                name="佐证.pdf",
                size=10,
                sha256="0" * 64,
            )
    target = ORDER.index(stage)

    def reached(name: str) -> bool:
        return ORDER.index(name) <= target

    if reached(Stage.REVIEW):
        rating = services.rating_submit(rating=rating, by=by)
    if reached(Stage.REVIEW_NOTICE):
        for s in scores:
            if s.item.item_type == ItemType.APPRAISAL:
                services.score_set(rating=rating, item=s.item, points=plan[s.item_id], note="", by=by)
        rating = services.review_publish(rating=rating, by=by, **NOTICE)
    five = rating.proposed_stars == 5
    if reached(Stage.RECHECK) and (five or reached(Stage.TO_NAME)):
        rating = services.notice_close(rating=rating, by=by, today=TODAY)
    if five and reached(Stage.FINAL_NOTICE):
        rating = services.recheck_record(
            rating=rating, by=by, stars=recheck_stars, note="实地复核属实", **RECHECK_NOTICE
        )
    if five and reached(Stage.TO_NAME):
        rating = services.notice_close(rating=rating, by=by, today=TODAY)
    if reached(Stage.NAMED):
        rating = services.rating_name(
            rating=rating, by=by, stars=rating.proposed_stars, named_on=TODAY, naming_doc="县组〔2027〕1号"
        )
    rating.refresh_from_db()
    if rating.stage != stage:
        raise ValueError(f"a rating of {total} points cannot stop at {stage} (it is at {rating.stage})")
    return rating


@pytest.fixture
def defaults(db):
    """The default template for 2026, active (again after a transactional test flushed it)."""
    ensure_defaults(YEAR)
    return services.active_template(YEAR)


@pytest.fixture
def county_reviewer(tree):
    """A reviewer on the county (县级): above the town committee, so may re-check and name."""
    user = UserFactory(username="county")
    grant(user, tree["county"], Role.REVIEWER)
    return user


@pytest.fixture
def rating(defaults):
    """``make_rating`` with the defaults in place: ``rating(tree["branch"], stage="review", total=92)``."""
    return make_rating
