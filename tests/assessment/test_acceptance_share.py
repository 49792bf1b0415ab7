"""The subtree's acceptance figures: the share against the 90 % target, counts per status, filters."""

import datetime as dt
import random
from decimal import Decimal

import pytest

from assessment.defaults import ensure_defaults
from assessment.models import Acceptance, AcceptancePolicy, AcceptanceStatus
from assessment.selectors_acceptance import NOT_APPLIED, acceptance_figures, acceptance_share, branch_rows
from branches.models import Organisation
from branches.services import organisation_dissolve
from tests.factories import make_org

YEAR = 2026


@pytest.fixture(autouse=True)
def defaults(db):
    ensure_defaults(YEAR)


def put(org, status, year=YEAR):
    """An acceptance row as the workflow leaves it (the figures only read the status)."""
    return Acceptance.objects.create(
        organisation=org, org_path=org.path, year=year, status=status, application="申请"
    )


def committee_with(n, accepted, *, parent=None, sector="village"):
    town = make_org(parent, kind="committee", sector=sector)
    branches = [make_org(town, sector=sector) for _ in range(n)]
    for org in branches[:accepted]:
        put(org, AcceptanceStatus.ACCEPTED)
    return town, branches


def test_nine_of_ten_meets_the_ninety_percent_target():
    town, _ = committee_with(10, 9)
    assert acceptance_share(town, YEAR) == (9, 10, Decimal("90.00"), Decimal("90.00"))
    figures = acceptance_figures(town, YEAR)
    assert figures["met"] is True
    assert figures["label"] == "已达标 9/10 = 90.0%，目标 90%"


def test_eight_of_nine_falls_short():
    town, _ = committee_with(9, 8)
    accepted, branches, share, target = acceptance_share(town, YEAR)
    assert (accepted, branches, share, target) == (8, 9, Decimal("88.89"), Decimal("90.00"))
    figures = acceptance_figures(town, YEAR)
    assert figures["met"] is False
    assert figures["label"] == "已达标 8/9 = 88.9%，目标 90%"


def test_no_branches_no_share():
    town = make_org(kind="committee")
    assert acceptance_share(town, YEAR) == (0, 0, None, Decimal("90.00"))
    assert acceptance_figures(town, YEAR)["met"] is False


def test_counts_per_status_and_not_applied(tree):
    town = tree["town"]
    extra = [make_org(town, sector="village") for _ in range(4)]
    put(tree["branch"], AcceptanceStatus.ACCEPTED)
    put(tree["other_branch"], AcceptanceStatus.APPLIED)
    put(extra[0], AcceptanceStatus.CHECKED)
    put(extra[1], AcceptanceStatus.REJECTED)
    put(extra[2], AcceptanceStatus.ACCEPTED, year=YEAR - 1)  # another year: 未申请 this year
    put(tree["sibling_branch"], AcceptanceStatus.ACCEPTED)  # another committee
    figures = acceptance_figures(town, YEAR)
    assert figures["branches"] == 6  # the group C1B1G1 is no branch
    assert {s: n for s, _, n in figures["by_status"]} == {
        "applied": 1,
        "checked": 1,
        "accepted": 1,
        "rejected": 1,
    }
    assert figures["not_applied"] == 2
    assert acceptance_figures(tree["county"], YEAR)["accepted"] == 2
    assert [o.pk for o in branch_rows(town, YEAR, status=NOT_APPLIED)] == [extra[2].pk, extra[3].pk]
    assert [o.acc_status for o in branch_rows(town, YEAR, status="accepted")] == ["accepted"]
    assert branch_rows(town, YEAR).count() == 6


def test_dissolved_branches_do_not_count(tree):
    put(tree["branch"], AcceptanceStatus.ACCEPTED)
    organisation_dissolve(organisation=tree["other_branch"], on=dt.date(2026, 3, 1), reason="合并")
    assert acceptance_share(tree["town"], YEAR)[:2] == (1, 1)


def test_target_from_the_year_policy(tree):
    AcceptancePolicy.objects.filter(year=YEAR).update(target_share=Decimal("0.950"))
    put(tree["branch"], AcceptanceStatus.ACCEPTED)
    assert acceptance_share(tree["town"], YEAR)[3] == Decimal("95.00")
    assert acceptance_figures(tree["town"], YEAR)["label"] == "已达标 1/2 = 50.0%，目标 95%"


def test_figures_equal_a_brute_force_count_with_sector_and_kind_filters():
    rng = random.Random(20261128)
    root = make_org(kind="committee")
    towns = [make_org(root, kind="committee", sector=s) for s in ("village", "community", "organ")]
    for _ in range(60):
        town = rng.choice(towns)
        org = make_org(town, kind=rng.choice(["branch", "joint_branch"]), sector=town.sector)
        status = rng.choice([None, *AcceptanceStatus.values])
        if status:
            put(org, status, year=rng.choice([YEAR, YEAR, YEAR - 1]))
    for sector in (None, "village", "community"):
        for kind in (None, "branch", "joint_branch"):
            orgs = Organisation.objects.filter(
                path__startswith=root.path, kind__in=["branch", "joint_branch"]
            )
            if sector:
                orgs = orgs.filter(sector=sector)
            if kind:
                orgs = orgs.filter(kind=kind)
            orgs = list(orgs)
            accepted = sum(
                1
                for o in orgs
                if Acceptance.objects.filter(organisation=o, year=YEAR, status="accepted").exists()
            )
            got = acceptance_share(root, YEAR, sector=sector, kind=kind)
            assert got[:2] == (accepted, len(orgs))
            if orgs:
                assert got[2] == (Decimal(accepted) * 100 / len(orgs)).quantize(Decimal("0.01"))


def test_figures_take_two_queries(tree, django_assert_num_queries):
    for _ in range(10):
        put(make_org(tree["town"], sector="village"), AcceptanceStatus.ACCEPTED)
    with django_assert_num_queries(2):  # the grouped counts and the year's policy
        acceptance_figures(tree["county"], YEAR)
