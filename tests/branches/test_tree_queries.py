"""The tree page stays within a fixed number of queries however many organisations it shows."""

import datetime as dt

import pytest
from django.urls import reverse

from branches.models import Notice, Organisation, Role, Term
from tests.factories import UserFactory, grant, make_org


@pytest.fixture
def big_tree(db):
    """1 county + 9 committees + 9 general branches + 90 branches + 91 groups = 200 organisations, with terms."""
    county = make_org(name="县委组织部")
    orgs = [county]
    for c in range(9):
        committee = make_org(county, kind="committee", name=f"党委{c}")
        general = make_org(committee, kind="general_branch", name=f"总支{c}")
        orgs += [committee, general]
        for b in range(10):
            branch = make_org(general if b % 2 else committee, kind="branch", name=f"支部{c}-{b}")
            group = make_org(branch, kind="party_group", name=f"小组{c}-{b}")
            orgs += [branch, group]
    orgs.append(make_org(orgs[-2], kind="party_group", name="末组"))
    Term.objects.bulk_create(
        Term(
            organisation=o,
            number=1,
            elected_on=dt.date(2020 + i % 6, 3, 1),
            length_years=3,
            regular_expires_on=dt.date(2023 + i % 6, 3, 1),
            expires_on=dt.date(2023 + i % 6, 3, 1),
        )
        for i, o in enumerate(orgs)
        if o.kind != "party_group"
    )
    assert Organisation.objects.count() == 200
    return county


@pytest.fixture
def reviewer_client(client, big_tree):
    user = UserFactory()
    grant(user, big_tree, Role.REVIEWER)
    Notice.objects.bulk_create(
        Notice(recipient=user, kind="general", dedupe_key=f"n{i}", title=f"通知{i}") for i in range(120)
    )
    client.force_login(user)
    return client


def test_tree_page_with_200_organisations(reviewer_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = reviewer_client.get(reverse("branches:tree"))
    assert response.status_code == 200
    assert response.content.decode().count('class="tree-row') == 200


@pytest.mark.parametrize("name", ["terms_due", "notices"])
def test_long_lists_are_paginated_in_few_queries(reviewer_client, name, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):
        response = reviewer_client.get(reverse(f"branches:{name}"))
    assert response.status_code == 200
    page = response.context["page"]
    assert page.paginator.count > 50 and len(page.object_list) == 50
