"""Garbage in every parameter of every page, for every role: a clear answer (200, 302, 400, 404, 405), never a 500."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import get_resolver, reverse

from branches.models import Organisation, Term
from meetings.models import Meeting, Requirement
from members.models import Appointment, Member, RosterImport, Transfer

GARBAGE = {
    "page": "abc",
    "year": "abc",
    "month": "2026-13",
    "box": "zzz",
    "tab": "zzz",
    "order": "zzz",
    "stage": "zzz",
    "status": "zzz",
    "q": "\x00%'",
    "root": "x",
    "row": "1",
    "category-1": "zzz",
    "base-1": "abc",
    "warnings": "2",
    "on": "2026-02-30",
    "elected_on": "abc",
    "expires_on": "9999-99-99",
    "number": "-1",
    "length_years": "999",
    "new_parent": "abc",
    "member": "abc",
    "position": "zzz",
    "notice": "abc",
    "kind": "zzz",
    "decision": "zzz",
    "starts_at": "2026-02-30",
    "start_time": "25:99",
    "end_time": "abc",
    "date": "0000-00-00",
    "topic": "x" * 500,
    "action": "zzz",
    "roster_day": "abc",
    "yes": "-1",
    "no": "1e9",
    "written_yes": "abc",
    "subject": "abc",
    "reason": "\x00",
    "requirement": "abc",
    "period": "zzz",
    "min_count": "-5",
    "min_attendance": "999",
    "effective_from": "abc",
    "sector": "zzz",
    "organisation_code": "\x00",
    "member_a": "abc",
    "member_b": "-1",
    "occasion": "zzz",
    "late": "zzz",
    "guests": "\x00" * 10,
}


def _object_for(route: str, objs: dict, namespace: str):
    if namespace == "meetings" and route.startswith("<int:pk>"):
        return objs["meeting"]
    for prefix, key in (
        ("orgs", "org"),
        ("org/", "org"),
        ("dues/", "org"),
        ("terms", "term"),
        ("transfers", "transfer"),
        ("appointments", "appointment"),
        ("imports", "import"),
        ("attachment", "attachment"),
        ("requirements/override/", "override"),
        ("requirements/", "requirement"),
        ("review", "org"),
    ):
        if route.startswith(prefix):
            return objs[key]
    return objs["member"]


@pytest.mark.django_db
def test_no_page_answers_500_to_garbage():
    """Each role in turn over one demo (building it is most of the time)."""
    call_command("demo_data", stdout=io.StringIO())
    secretary = get_user_model().objects.get(username="sec_xq0101")
    branch = Organisation.objects.get(code="XQ0101")
    objs = {
        "org": branch.pk,
        "member": Member.objects.filter(organisation=branch, stage="probationary").first().pk,
        "term": Term.objects.get(organisation=branch, status="current").pk,
        "transfer": Transfer.objects.first().pk,
        "appointment": Appointment.objects.filter(term__organisation=branch).first().pk,
        "meeting": Meeting.objects.filter(branch=branch, kind__code="general").first().pk,
        "attachment": 999999,
        "requirement": Requirement.objects.get(kind__code="committee", org_kind="branch").pk,
        "override": 999999,
        "import": RosterImport.objects.create(
            organisation=branch, original_name="x.xlsx", status="invalid", uploaded_by=secretary
        ).pk,
    }
    failures = []
    for username in ("admin", "sec_xq0101", "reviewer_town", "member_xq0101"):
        client = Client(raise_request_exception=False)
        client.force_login(get_user_model().objects.get(username=username))
        for namespace in ("branches", "members", "meetings"):
            for pattern in get_resolver().namespace_dict[namespace][1].url_patterns:
                route = str(pattern.pattern)
                args = [_object_for(route, objs, namespace)] if "<int:pk>" in route or "_pk>" in route else []
                if (
                    "<int:requirement_pk>" in route
                ):  # a calendar cell: organisation, requirement, period start
                    args += [objs["requirement"], "2026-13-45"]
                url = reverse(f"{namespace}:{pattern.name}", args=args)
                for method in ("get", "post"):
                    status = getattr(client, method)(url, GARBAGE).status_code
                    if status >= 500:
                        failures.append(f"{username}: {method.upper()} {url} → {status}")
    assert not failures, failures
