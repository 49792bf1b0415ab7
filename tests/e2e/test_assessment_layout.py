"""The assessment pages (星级评定, 整改, 示范点, 达标验收, 公示, 看板) at 375 px and 1280 px on the demo.

Each page is opened as the demo user who works with it, saved to tmp/screenshots/<page>-<width>.png,
and checked like the other layout pages: nothing wider than the screen, no failed asset, no script error.
"""

import pytest
from django.urls import reverse

from assessment.models import Acceptance, Rating, RectificationCase
from branches.models import Organisation

from .test_layout import failing_pages

pytestmark = pytest.mark.e2e


def org(code):
    return Organisation.objects.get(code=code).pk


def rating(code, *, last=True):
    qs = Rating.objects.filter(organisation__code=code).order_by("year")
    return (qs.first() if last else qs.last()).pk


def case(code):
    return RectificationCase.objects.get(organisation__code=code).pk


def acceptance(code):
    return Acceptance.objects.get(organisation__code=code).pk


PAGES = {
    "dashboard-county": ("reviewer_county", lambda: reverse("assessment:dashboard", args=[org("XQ")])),
    "dashboard-town": ("reviewer_town", lambda: reverse("assessment:dashboard", args=[org("XQ01")])),
    "ratings-committee": ("reviewer_town", lambda: reverse("assessment:rating_list", args=[org("XQ01")])),
    "ratings-branch": ("sec_xq0101", lambda: reverse("assessment:rating_list", args=[org("XQ0101")])),
    "rating-self": (
        "sec_xq0101",
        lambda: reverse("assessment:rating_self", args=[rating("XQ0101", last=False)]),
    ),
    "rating-review": (
        "reviewer_energy",
        lambda: reverse("assessment:rating_detail", args=[rating("XQ0203")]),
    ),
    "rating-notice": ("reviewer_town", lambda: reverse("assessment:rating_detail", args=[rating("XQ0111")])),
    "rating-named": ("reviewer_town", lambda: reverse("assessment:rating_detail", args=[rating("XQ0101")])),
    "rating-publish": (
        "reviewer_energy",
        lambda: reverse("assessment:rating_publish", args=[rating("XQ0203")]),
    ),
    "rating-recheck": (
        "reviewer_county",
        lambda: reverse("assessment:rating_recheck", args=[rating("XQ0110")]),
    ),
    "rating-name": ("reviewer_county", lambda: reverse("assessment:rating_name", args=[rating("XQ0109")])),
    "rating-templates": ("admin", lambda: reverse("assessment:template_list")),
    "cases": ("reviewer_town", lambda: reverse("assessment:case_list", args=[org("XQ01")])),
    "case": ("sec_xq0103", lambda: reverse("assessment:case_detail", args=[case("XQ0103")])),
    "sites": ("reviewer_county", lambda: reverse("assessment:site_list", args=[org("XQ")])),
    "acceptance": ("reviewer_county", lambda: reverse("assessment:acceptance_list", args=[org("XQ")])),
    "acceptance-detail": (
        "reviewer_town",
        lambda: reverse("assessment:acceptance_detail", args=[acceptance("XQ0110")]),
    ),
    "acceptance-branch": ("sec_xq0111", lambda: reverse("assessment:acceptance_list", args=[org("XQ0111")])),
    "objections": ("reviewer_town", lambda: reverse("assessment:objection_list", args=[org("XQ01")])),
    "publicities": ("reviewer_town", lambda: reverse("assessment:publicity_list", args=[org("XQ01")])),
    "board": (None, lambda: reverse("board:board", args=["XQ"])),
    "branch-assessment-panel": ("sec_xq0103", lambda: reverse("branches:org_detail", args=[org("XQ0103")])),
}


def test_assessment_pages_fit_screen(demo, new_page):
    failures = failing_pages(new_page, PAGES)
    assert not failures, "\n".join(failures)
