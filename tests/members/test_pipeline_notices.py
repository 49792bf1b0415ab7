"""Daily pipeline reminders to the branch's secretaries: probation ending, probation overdue, activist at a year."""

import datetime as dt

import pytest
from django.conf import settings

from branches.models import Notice, Role
from members.services import pipeline as services
from members.tasks import send_pipeline_reminders
from tests.factories import UserFactory, grant, make_member

D = dt.date


@pytest.fixture
def people(tree, secretary, reviewer):
    deputy = UserFactory(username="deputy")  # a second secretary-role user of the same branch
    grant(deputy, tree["branch"], Role.SECRETARY)
    other = UserFactory(username="other_secretary")
    grant(other, tree["other_branch"], Role.SECRETARY)
    return {"secretary": secretary, "deputy": deputy, "reviewer": reviewer, "other": other}


def keys(user=None):
    qs = Notice.objects.all() if user is None else Notice.objects.filter(recipient=user)
    return sorted(qs.values_list("dedupe_key", flat=True))


@pytest.mark.parametrize(("today", "sent"), [(D(2026, 12, 10), False), (D(2026, 12, 11), True)])
def test_probation_ending_within_30_days(tree, people, today, sent):
    member = make_member(tree["branch"], stage="probationary", admitted_on=D(2026, 1, 10))  # ends 2027-01-10
    services.pipeline_reminders_send(today=today)
    expected = [f"probation-due-{member.pk}-20270110"] if sent else []
    assert keys(people["secretary"]) == expected
    assert keys(people["deputy"]) == expected
    assert keys(people["reviewer"]) == [] and keys(people["other"]) == []
    if sent:
        notice = Notice.objects.get(recipient=people["secretary"])
        assert "预备期即将届满" in notice.title and notice.organisation == tree["branch"]
        assert "还有30天" in notice.body
        assert notice.link == member.get_absolute_url()


def test_run_twice_sends_once(tree, people):
    prob = make_member(tree["branch"], stage="probationary", admitted_on=D(2026, 1, 10))
    late = make_member(tree["branch"], stage="probationary", admitted_on=D(2025, 1, 10))
    act = make_member(tree["branch"], stage="activist", activist_on=D(2025, 12, 1))
    first = send_pipeline_reminders.delay(today="2026-12-20").get()
    second = send_pipeline_reminders.delay(today="2026-12-20").get()
    third = send_pipeline_reminders.delay(today="2026-12-28").get()
    assert (first, second, third) == (6, 0, 0)  # three events, two secretaries
    assert keys(people["secretary"]) == sorted(
        [
            f"probation-due-{prob.pk}-20270110",
            f"probation-overdue-{late.pk}-20260110",
            f"activist-year-{act.pk}-20261201",
        ]
    )


def test_overdue_probation(tree, people):
    member = make_member(tree["branch"], stage="probationary", admitted_on=D(2025, 1, 10))
    assert services.pipeline_reminders_send(today=D(2026, 1, 10)) == 2  # the last day: still due
    assert keys(people["secretary"]) == [f"probation-due-{member.pk}-20260110"]
    services.pipeline_reminders_send(today=D(2026, 1, 11))
    assert f"probation-overdue-{member.pk}-20260110" in keys(people["secretary"])
    assert (
        "已超期"
        in Notice.objects.get(recipient=people["secretary"], dedupe_key__startswith="probation-overdue").title
    )


def test_extension_warns_again_for_the_new_end(tree, people):
    member = make_member(tree["branch"], stage="probationary", admitted_on=D(2025, 1, 10))
    services.pipeline_reminders_send(today=D(2025, 12, 20))
    services.probation_extend(member=member, months=6, on=D(2026, 1, 5), document="决议")
    services.pipeline_reminders_send(today=D(2026, 6, 20))
    assert keys(people["secretary"]) == [
        f"probation-due-{member.pk}-20260110",
        f"probation-due-{member.pk}-20260710",
    ]


@pytest.mark.parametrize(("today", "sent"), [(D(2026, 11, 30), False), (D(2026, 12, 1), True)])
def test_activist_reaching_a_year(tree, people, today, sent):
    member = make_member(tree["branch"], stage="activist", activist_on=D(2025, 12, 1))
    services.pipeline_reminders_send(today=today)
    assert keys(people["secretary"]) == ([f"activist-year-{member.pk}-20261201"] if sent else [])


def test_activist_from_29_february(tree, people):
    member = make_member(tree["branch"], stage="activist", activist_on=D(2024, 2, 29))
    services.pipeline_reminders_send(today=D(2025, 2, 27))
    assert keys() == []
    services.pipeline_reminders_send(today=D(2025, 2, 28))
    assert keys(people["secretary"]) == [f"activist-year-{member.pk}-20250228"]


def test_nobody_else_is_reminded(tree, people):
    """Full members, members who left, branches without a secretary: nothing."""
    from members.services.members import member_leave

    make_member(tree["branch"], stage="full")
    gone = make_member(tree["branch"], stage="probationary", admitted_on=D(2025, 1, 10))
    member_leave(member=gone, kind="deceased", on=D(2025, 6, 1), reason="病故")
    make_member(tree["sibling_branch"], stage="probationary", admitted_on=D(2025, 1, 10))
    assert services.pipeline_reminders_send(today=D(2026, 12, 20)) == 0


def test_inactive_secretary_not_reminded(tree, people):
    people["deputy"].is_active = False
    people["deputy"].save()
    make_member(tree["branch"], stage="activist", activist_on=D(2020, 1, 1))
    assert services.pipeline_reminders_send(today=D(2026, 1, 1)) == 1
    assert keys(people["deputy"]) == []


def test_daily_in_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["send-pipeline-reminders"]
    assert entry["task"] == "members.tasks.pipeline.send_pipeline_reminders"
    assert send_pipeline_reminders.name == entry["task"]
