"""Rollups under concurrent refreshes (PostgreSQL): increments from many branches at once lose nothing.

Members leave four branches; then each thread refreshes the rollups of one branch (and one branch
twice at once), as several Celery workers would. Afterwards the rows equal a rebuild.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from assessment import rollups
from assessment.models import Rollup
from branches.models import Organisation, OrgStatus
from members.models import PARTY_STAGES, LeaveKind, Member, MemberStatus
from tests.assessment.dashboard_fixture import generate

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
]

TODAY = dt.date(2026, 11, 20)


def at_once(funcs):
    barrier = threading.Barrier(len(funcs))
    errors = []

    def run(func):
        barrier.wait()
        try:
            func()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(f,)) for f in funcs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def snapshot() -> dict:
    return {
        (r.node_id, r.year, r.month, r.sector, r.kind): tuple(getattr(r, f) for f in rollups.FIELDS)
        for r in Rollup.objects.all()
        if any(getattr(r, f) for f in rollups.FIELDS)
    }


def test_four_branches_refreshed_at_once_add_up():
    made = generate(seed=5, branches=16, today=TODAY)
    branches = list(
        Organisation.objects.filter(pk__in=made.branch_ids, status=OrgStatus.ACTIVE).order_by("pk")[:4]
    )
    members_before = sum(Rollup.objects.filter(node=made.root, year=0).values_list("members", flat=True))
    # Two party members of each branch leave behind the services' back (no task): only the
    # concurrent refreshes below bring the rollups up to date.
    for branch in branches:
        leaving = Member.objects.filter(
            organisation=branch, status=MemberStatus.ACTIVE, stage__in=PARTY_STAGES
        ).values_list("pk", flat=True)[:2]
        assert len(leaving) == 2
        Member.objects.filter(pk__in=list(leaving)).update(
            status=MemberStatus.LEFT, leave_kind=LeaveKind.DECEASED, left_on=TODAY
        )

    def refresh(branch):
        def go():
            with transaction.atomic():
                rollups.refresh_branches([branch.pk], [2025, 2026])

        return go

    # Four branches, and the first one twice: the row lock on the branch keeps the second from
    # adding the same difference again.
    at_once([refresh(b) for b in branches] + [refresh(branches[0])])
    members_after = sum(Rollup.objects.filter(node=made.root, year=0).values_list("members", flat=True))
    assert members_after == members_before - 8
    kept = snapshot()
    rollups.rebuild(today=dt.date.today())
    assert kept == snapshot()


def test_a_refresh_during_a_rebuild_is_not_counted_twice():
    made = generate(seed=6, branches=12, today=TODAY)
    branch = (
        Organisation.objects.filter(pk__in=made.branch_ids, status=OrgStatus.ACTIVE).order_by("pk").first()
    )
    leaving = Member.objects.filter(organisation=branch, status=MemberStatus.ACTIVE, stage__in=PARTY_STAGES)
    Member.objects.filter(pk__in=list(leaving.values_list("pk", flat=True)[:1])).update(
        status=MemberStatus.LEFT, leave_kind=LeaveKind.DECEASED, left_on=TODAY
    )

    def rebuild():
        with transaction.atomic():
            rollups.rebuild(today=dt.date.today())

    def refresh():
        with transaction.atomic():
            rollups.refresh_branches([branch.pk], [2026])

    for _ in range(3):
        at_once([rebuild, refresh])
        kept = snapshot()
        rollups.rebuild(today=dt.date.today())
        assert kept == snapshot()
