"""Two writers at the same moment (PostgreSQL): one notice each, one step, one decision."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from branches.models import Notice, Role
from members.models import StageChange, Transfer
from members.services import pipeline as services
from members.services import transfers as transfer_services
from tests.factories import UserFactory, grant, make_member, make_org, make_term

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
]


def at_once(func, n=4):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        barrier.wait()
        try:
            results.append(func())
        except ValidationError as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.fixture
def branches():
    town = make_org(name="镇党委")
    east, west = make_org(town, name="东村党支部"), make_org(town, name="西村党支部")
    make_term(east)
    return east, west


def test_two_beat_processes_remind_once(branches):
    east, _ = branches
    secretary = UserFactory()
    grant(secretary, east, Role.SECRETARY)
    for _ in range(10):
        make_member(east, stage="activist", activist_on=dt.date(2024, 1, 1))
    results, _ = at_once(lambda: services.pipeline_reminders_send(today=dt.date(2026, 1, 1)))
    assert sum(results) == 10
    assert Notice.objects.filter(recipient=secretary).count() == 10


def test_step_taken_once(branches):
    east, _ = branches
    member = make_member(east, stage="activist", activist_on=dt.date(2024, 1, 1))
    results, errors = at_once(
        lambda: services.stage_advance(member=member, to_stage="candidate", on=dt.date(2025, 6, 1))
    )
    assert len(results) == 1 and len(errors) == 3
    assert StageChange.objects.filter(member=member, stage="candidate").count() == 1


def test_transfer_decided_once(branches):
    east, west = branches
    member = make_member(east)
    transfer = transfer_services.transfer_out_internal(
        member=member, to_organisation=west, on=dt.date(2026, 3, 1)
    )
    decisions = iter([True, False, True, False])
    lock = threading.Lock()

    def decide():
        with lock:
            accept = next(decisions)
        return transfer_services.transfer_decide(
            transfer=transfer, accept=accept, on=dt.date(2026, 3, 2), reason="" if accept else "退回"
        )

    results, errors = at_once(decide)
    assert len(results) == 1 and len(errors) == 3
    done = Transfer.objects.get(pk=transfer.pk)
    member.refresh_from_db()
    assert (done.status == "accepted") == (member.organisation == west)
