"""Garbage in every parameter of every assessment page and of the public board, for every role and for
an anonymous visitor: a clear answer (200, 302, 400, 404, 405, 410, 429), never a 500."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import get_resolver, reverse

from assessment.models import (
    Acceptance,
    ModelSite,
    Objection,
    Publicity,
    Rating,
    RatingTemplate,
    RectificationCase,
    RectificationItem,
    SpotCheck,
    SpotCheckDraw,
)
from branches.models import Organisation
from tests.test_bad_input import GARBAGE

ASSESSMENT_GARBAGE = GARBAGE | {
    "points": "1e99",
    "note": "\x00" * 3,
    "stars": "9",
    "named_on": "2026-02-30",
    "naming_doc": "=cmd|' /C calc'!A0" * 10,
    "starts_on": "abc",
    "ends_on": "0000-01-01",
    "deadline": "9999-99-99",
    "owner": "x" * 500,
    "problem": "<script>alert(1)</script>",
    "measure": "\U0001f600" * 400,
    "passed": "maybe",
    "result": "zzz",
    "seed": "-1",
    "ratio": "NaN",
    "checked_on": "abc",
    "text": "x" * 5000,
    "name": "\x00",
    "phone": "abc",
    "handling": "",
    "confirm": "zzz",
    "veto": "abc",
    "item": "-1",
    "when": "zzz",
    "draw": "zzz",
    "code": "\x00",
    "opened_on": "abc",
    "application": "",
    "report": "x" * 6000,
    "file": "not a file",
}


def _objects() -> dict:
    branch = Organisation.objects.get(code="XQ0103")
    return {
        "org": branch.pk,
        "rating": Rating.objects.filter(organisation=branch).first().pk,
        "evidence": 999999,
        "case": RectificationCase.objects.get(organisation=branch).pk,
        "item": RectificationItem.objects.filter(case__organisation=branch).first().pk,
        "site": ModelSite.objects.first().pk,
        "acceptance": Acceptance.objects.get(organisation=branch).pk,
        "draw": SpotCheckDraw.objects.first().pk,
        "check": SpotCheck.objects.first().pk,
        "objection": Objection.objects.first().pk,
        "template": RatingTemplate.objects.first().pk,
    }


PREFIXES = (
    ("rating/", "rating"),
    ("evidence/", "evidence"),
    ("rectification/items/", "item"),
    ("rectification/", "case"),
    ("sites/", "site"),
    ("acceptance/draw/", "draw"),
    ("acceptance/spot-check/", "check"),
    ("acceptance/", "acceptance"),
    ("objection/", "objection"),
    ("templates/", "template"),
)


def _urls(objs: dict) -> list[str]:
    urls = []
    for pattern in get_resolver().namespace_dict["assessment"][1].url_patterns:
        route = str(pattern.pattern)
        key = next((k for prefix, k in PREFIXES if route.startswith(prefix)), "org")
        urls.append(reverse(f"assessment:{pattern.name}", args=[objs[key]] if "<int:pk>" in route else []))
    publicity = Publicity.objects.filter(organisation__code="XQ0111").first().pk
    urls += [
        reverse("board:board", args=["XQ"]),
        reverse("board:board", args=["NO-SUCH"]),
        reverse("board:objection", args=["XQ", publicity]),
        reverse("board:objection", args=["XQ02", publicity]),
        reverse("board:objection_thanks", args=["XQ", "garbage"]),
    ]
    return urls


@pytest.mark.django_db
def test_no_assessment_page_answers_500_to_garbage():
    call_command("demo_data", stdout=io.StringIO())
    urls = _urls(_objects())
    failures = []
    for username in ("admin", "sec_xq0103", "reviewer_town", "reviewer_county", "member_xq0101", None):
        client = Client(raise_request_exception=False)
        if username:
            client.force_login(get_user_model().objects.get(username=username))
        for url in urls:
            for method in ("get", "post"):
                status = getattr(client, method)(url, ASSESSMENT_GARBAGE).status_code
                if status >= 500:
                    failures.append(f"{username}: {method.upper()} {url} → {status}")
    assert not failures, failures
