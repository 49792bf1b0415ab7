"""The roster of a 500-member general branch and the reviewer's overview stay within fixed query counts."""

import datetime as dt

import pytest
from django.urls import reverse

from branches.models import Role
from members import idcard
from members.models import Member
from tests.factories import UserFactory, grant, make_org


@pytest.fixture
def general_branch(db):
    committee = make_org(name="党委")
    general = make_org(committee, kind="general_branch", name="党总支")
    rows = []
    for b in range(10):
        branch = make_org(general, kind="branch", name=f"第{b}支部")
        group = make_org(branch, kind="party_group", name=f"第{b}支部第一小组")
        for i in range(50):
            n = b * 50 + i
            birth = dt.date(1970 + n % 30, 1 + n % 12, 1 + n % 28)
            rows.append(
                Member(
                    organisation=branch,
                    party_group=group if i % 2 else None,
                    name=f"党员{n}",
                    gender="male",
                    birth_date=birth,
                    id_number=idcard.make_id_number("330102", birth, (2 * n + 1) % 1000),
                    phone="13812345678",
                    stage="full" if i % 5 else "probationary",
                    completeness=n % 100,
                )
            )
    Member.objects.bulk_create(rows)
    return committee, general


def test_roster_of_500_members(client, general_branch, django_assert_max_num_queries):
    committee, general = general_branch
    user = UserFactory()
    grant(user, committee, Role.REVIEWER)
    client.force_login(user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("members:roster", args=[general.pk]))
    assert response.context["page"].paginator.count == 500
    assert response.content.decode().count("data-member-id") == 50


def test_overview_of_the_subtree(client, general_branch, django_assert_max_num_queries):
    committee, _ = general_branch
    user = UserFactory()
    grant(user, committee, Role.REVIEWER)
    client.force_login(user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("members:overview", args=[committee.pk]))
    rows = list(response.context["page"])
    assert len(rows) == 10 and all(r["members"] == 50 for r in rows)
    assert all(any("超过50人" in w for w in r["warnings"]) is False for r in rows)
