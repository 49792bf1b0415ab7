"""The dashboard's rollups: kept by increments after each change, they equal a rebuild from the source rows.

Every change goes through the services (members, dues, organisations, compliance refresh) with its
on-commit callbacks run, as the request's commit would; the rows then held must be exactly those
that ``rollups.rebuild`` computes from scratch — on every organisation, year, month, sector and kind.
"""

import datetime as dt
from decimal import Decimal

import pytest
from celery.signals import task_prerun
from django.core.management import call_command
from django.core.management.base import CommandError

from assessment import rollups
from assessment import selectors_dashboard as dash
from assessment.models import BranchYear, Rating, RectificationCase, RectificationItem, Rollup
from branches import services as org_services
from branches.models import Organisation, OrgStatus, Term
from meetings import compliance
from meetings.models import ComplianceRecord
from members.models import DuesPayment, Member, MemberStatus
from members.services import dues as dues_services
from members.services import members as member_services
from tests.assessment.dashboard_fixture import generate
from tests.factories import UserFactory, make_member, make_term

TODAY = dt.date(2026, 11, 20)
FIGURES = rollups.FIELDS


def snapshot() -> dict:
    """Every rollup row that holds something, by its key (rows left at zero by increments are equal to none)."""
    found = {}
    for r in Rollup.objects.all():
        values = tuple(getattr(r, f) for f in FIGURES)
        if any(values):
            found[(r.node_id, r.year, r.month, r.sector, r.kind)] = values
    return found


def ranking() -> set:
    return set(
        BranchYear.objects.values_list("branch_id", "year", "org_path", "sector", "kind", "met", "short")
    )


def assert_equal_to_rebuild():
    kept, kept_ranking = snapshot(), ranking()
    rollups.rebuild()
    rebuilt = snapshot()
    assert kept.keys() == rebuilt.keys()
    assert kept == rebuilt
    assert kept_ranking == ranking()


@pytest.fixture
def made(db):
    return generate(seed=11, branches=24, today=TODAY)


def test_a_rebuild_sums_each_level_from_the_branches(made):
    root = made.root
    row = Rollup.objects.filter(node=root, year=0, month=0)
    active = Organisation.objects.filter(
        path__startswith=root.path, kind__in=("branch", "joint_branch"), status=OrgStatus.ACTIVE
    )
    assert sum(r.branches for r in row) == active.count()
    party = Member.objects.filter(
        organisation__in=active, status=MemberStatus.ACTIVE, stage__in=("full", "probationary")
    )
    assert sum(r.members for r in row) == party.count()
    met = ComplianceRecord.objects.filter(organisation__in=active, year=2026, status="met").count()
    assert sum(Rollup.objects.filter(node=root, year=2026, month__gt=0).values_list("met", flat=True)) == met
    # A committee's row is the sum of its children's rows.
    committee = Organisation.objects.get(pk=made.committee_ids[0])
    for key in ("met", "short", "dues_lines", "members"):
        mine = sum(Rollup.objects.filter(node=committee).values_list(key, flat=True))
        below = sum(Rollup.objects.filter(node__parent=committee).values_list(key, flat=True))
        assert mine == below, key


def test_member_changes_reach_the_root_after_commit(made, django_capture_on_commit_callbacks):
    branch = Organisation.objects.get(pk=next(pk for pk in made.branch_ids if _active(pk)))
    before = _root_members(made.root)
    with django_capture_on_commit_callbacks(execute=True):
        added = [make_member(branch, stage="full") for _ in range(3)]
        make_member(branch, stage="applicant")  # not a party member: not counted
    assert _root_members(made.root) == before + 3
    with django_capture_on_commit_callbacks(execute=True):
        member_services.member_leave(member=added[0], kind="deceased", on=TODAY, reason="病故")
    assert _root_members(made.root) == before + 2
    assert_equal_to_rebuild()


def test_a_transaction_of_many_changes_sends_one_task(made, django_capture_on_commit_callbacks):
    branch = Organisation.objects.get(pk=next(pk for pk in made.branch_ids if _active(pk)))
    runs = []

    def count(sender=None, **kwargs):
        if sender.name == "assessment.tasks.refresh_rollups":
            runs.append(kwargs["args"])

    task_prerun.connect(count)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(5):
                make_member(branch, stage="full")
    finally:
        task_prerun.disconnect(count)
    assert len(runs) == 1
    assert runs[0][0] == [branch.pk]


def test_dues_month_counts_on_the_dashboard(made, django_capture_on_commit_callbacks):
    branch = Organisation.objects.get(pk=next(pk for pk in made.branch_ids if _active(pk)))
    member = make_member(branch, stage="full")
    month = dt.date(2026, 9, 1)
    DuesPayment.objects.create(member=member, month=month, amount_due=Decimal("5.00"))  # an unpaid line
    rollups.rebuild()
    admin = UserFactory(username="rollup_admin", is_superuser=True)
    before = dash.dashboard(admin, made.root, 2026, today=TODAY).tiles
    sheet_entry = dues_services.MonthEntry(member_id=member.pk, paid=True, amount_paid=Decimal("5.00"))
    with django_capture_on_commit_callbacks(execute=True):
        dues_services.dues_month_record(
            organisation=branch, month=month, entries=[sheet_entry], paid_on=dt.date(2026, 9, 30), today=TODAY
        )
    after = dash.dashboard(admin, made.root, 2026, today=TODAY).tiles
    assert after.dues_lines == before.dues_lines
    assert after.dues_on_time == before.dues_on_time + 1
    assert_equal_to_rebuild()


def test_dissolving_a_branch_takes_it_out(made, django_capture_on_commit_callbacks):
    branch = (
        Organisation.objects.filter(pk__in=made.branch_ids, status=OrgStatus.ACTIVE, children__isnull=True)
        .order_by("pk")
        .first()
    )
    before = _root_state(made.root)
    with django_capture_on_commit_callbacks(execute=True):
        org_services.organisation_dissolve(organisation=branch, on=TODAY, reason="撤并")
    assert _root_state(made.root)["branches"] == before["branches"] - 1
    assert not Rollup.objects.filter(node=branch).exists()
    assert not BranchYear.objects.filter(branch=branch).exists()
    assert_equal_to_rebuild()


def test_a_sector_change_moves_the_figures_between_sectors(made, django_capture_on_commit_callbacks):
    branch = Organisation.objects.get(pk=next(pk for pk in made.branch_ids if _active(pk)))
    new_sector = "university" if branch.sector != "university" else "school"
    with django_capture_on_commit_callbacks(execute=True):
        org_services.organisation_update(organisation=branch, sector=new_sector)
    assert set(Rollup.objects.filter(node=branch).values_list("sector", flat=True)) == {new_sector}
    assert_equal_to_rebuild()


def test_moving_a_committee_moves_its_sums_and_path_copies(made, django_capture_on_commit_callbacks):
    committees = [Organisation.objects.get(pk=pk) for pk in made.committee_ids]
    moving, target = committees[0], committees[1]
    old_path = moving.path
    moved_sum = sum(Rollup.objects.filter(node=moving, year=2026).values_list("met", flat=True))
    target_before = sum(Rollup.objects.filter(node=target, year=2026).values_list("met", flat=True))
    root_before = sum(Rollup.objects.filter(node=made.root, year=2026).values_list("met", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        moved = org_services.organisation_move(organisation=moving, new_parent=target)
    assert sum(Rollup.objects.filter(node=target, year=2026).values_list("met", flat=True)) == (
        target_before + moved_sum
    )
    assert sum(Rollup.objects.filter(node=made.root, year=2026).values_list("met", flat=True)) == root_before
    assert not ComplianceRecord.objects.filter(org_path__startswith=old_path).exists()
    assert not Rating.objects.filter(org_path__startswith=old_path).exists()
    assert ComplianceRecord.objects.filter(org_path__startswith=moved.path).exists()
    assert_equal_to_rebuild()


def test_a_compliance_refresh_updates_every_level(made):
    pk = next(pk for pk in made.branch_ids if _active(pk))
    # The generated rows were written directly; the refresh recomputes them from the (absent) meetings.
    compliance.refresh([pk], 2026, today=TODAY)
    assert_equal_to_rebuild()


def test_rebuild_command_reports_and_refuses_a_bad_year(made, capsys):
    Rollup.objects.all().delete()
    call_command("rebuild_rollups", "--year", "2026")
    assert "看板汇总已重算" in capsys.readouterr().out
    assert Rollup.objects.filter(node=made.root, year=2026).exists()
    assert not Rollup.objects.filter(node=made.root, year=2025).exists()
    with pytest.raises(CommandError, match="年度应在2000至2100之间"):
        call_command("rebuild_rollups", "--year", "1999")


def _active(pk: int) -> bool:
    return Organisation.objects.filter(pk=pk, status=OrgStatus.ACTIVE).exists()


def _root_state(root) -> dict:
    rows = Rollup.objects.filter(node=root, year=0, month=0)
    return {
        f: sum(getattr(r, f) for r in rows)
        for f in ("branches", "members", "warned", "open_items", "terms_overdue")
    }


def _root_members(root) -> int:
    return _root_state(root)["members"]


def test_ratings_items_and_terms_follow_their_saves(made, django_capture_on_commit_callbacks):
    """Ratings, rectification items and terms reach the rollups from any save (post_save receivers)."""
    rating = (
        Rating.objects.filter(organisation__status=OrgStatus.ACTIVE, year=2026).exclude(stage="named").first()
    )
    before = _year_row(made.root, 2026)
    with django_capture_on_commit_callbacks(execute=True):
        rating.stage, rating.final_stars, rating.named_on = "named", 4, TODAY
        rating.save()
    after = _year_row(made.root, 2026)
    assert after["named_4"] == before["named_4"] + 1
    assert after["in_workflow"] == before["in_workflow"] - 1

    case = RectificationCase.objects.filter(organisation__status=OrgStatus.ACTIVE).first()
    open_before = _root_state(made.root)["open_items"]
    with django_capture_on_commit_callbacks(execute=True):
        RectificationItem.objects.create(
            case=case, problem="台账缺页", measure="补齐", owner="书记", deadline=TODAY
        )
    assert _root_state(made.root)["open_items"] == open_before + 1

    branch = Organisation.objects.filter(pk__in=made.branch_ids, status=OrgStatus.ACTIVE).first()
    Term.objects.filter(organisation=branch).update(status="ended", ended_on=dt.date(2021, 1, 1))
    rollups.rebuild()
    overdue_before = _root_state(made.root)["terms_overdue"]
    with django_capture_on_commit_callbacks(execute=True):
        make_term(branch, elected_on=dt.date(2019, 1, 10))  # 3 or 5 years: expired before today
    assert _root_state(made.root)["terms_overdue"] == overdue_before + 1
    assert_equal_to_rebuild()


def _year_row(root, year) -> dict:
    rows = Rollup.objects.filter(node=root, year=year, month=0)
    return {f: sum(getattr(r, f) for r in rows) for f in ("named_4", "in_workflow", "accepted")}


def test_deferred_leaves_the_rollups_to_the_rebuild_after_it(made, django_capture_on_commit_callbacks):
    branch = Organisation.objects.get(pk=next(pk for pk in made.branch_ids if _active(pk)))
    kept = snapshot()
    with rollups.deferred(), django_capture_on_commit_callbacks(execute=True):
        compliance.refresh([branch.pk], 2026, today=TODAY)  # rows recomputed from no meetings
        make_member(branch, stage="full")
    assert snapshot() == kept
    rollups.rebuild()
    assert snapshot() != kept
