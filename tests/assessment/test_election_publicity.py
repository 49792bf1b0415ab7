"""A reported election result goes under 公示 on the public board (assessment reacts to meetings' signal)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from assessment.models import Publicity
from tests.meetings.conftest import kinds, record_meeting, ten  # noqa: F401 - fixtures used below
from tests.meetings.test_election_services import Flow


@pytest.fixture
def flow(tree, secretary, reviewer, ten, record_meeting):  # noqa: F811 - the imported fixtures
    return Flow(tree["branch"], secretary, reviewer, ten, record_meeting)


def test_the_reported_result_is_on_the_board_for_five_days(flow, tree, client):
    election = flow.report()

    notice = Publicity.objects.get(subject="election")
    today = timezone.localdate()
    assert (notice.organisation, notice.starts_on, notice.ends_on) == (
        tree["branch"],
        today,
        today + dt.timedelta(days=4),
    )
    elected = list(election.candidates.filter(elected=True).order_by("order"))
    assert all(c.member.name in notice.body for c in elected)
    assert "（书记）" in notice.body
    page = client.get(reverse("board:board", args=[tree["town"].code]))
    assert page.status_code == 200 and "东村党支部换届选举结果" in page.content.decode()
    assert not any(c.member.id_number and c.member.id_number in page.content.decode() for c in elected)


def test_a_draft_or_a_tally_puts_nothing_under_publicity(flow):
    flow.held()
    assert Publicity.objects.count() == 0


def test_a_new_development_candidate_goes_under_publicity_for_seven_days(tree, secretary):
    from members.services.pipeline import stage_advance
    from tests.factories import make_member

    person = make_member(
        tree["branch"],
        stage="activist",
        name="林小红",
        applied_on=dt.date(2024, 3, 1),
        activist_on=dt.date(2024, 9, 1),
        phone="13800138000",
    )
    stage_advance(member=person, to_stage="candidate", on=dt.date(2026, 11, 25), recorded_by=secretary)

    notice = Publicity.objects.get(subject="admission")
    assert (notice.starts_on, notice.ends_on) == (dt.date(2026, 11, 25), dt.date(2026, 12, 1))
    assert "林小红" in notice.title and notice.organisation == tree["branch"]
    assert person.id_number not in notice.body and person.phone not in notice.body


def test_other_pipeline_steps_put_nothing_under_publicity(tree, secretary):
    from members.services.pipeline import stage_advance
    from tests.factories import make_member

    person = make_member(tree["branch"], stage="applicant", applied_on=dt.date(2025, 1, 5))
    stage_advance(member=person, to_stage="activist", on=dt.date(2025, 3, 1), recorded_by=secretary)
    assert not Publicity.objects.exists()
