"""换届提醒: who hears, at which stage, and never twice."""

import datetime as dt
import threading

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction

from branches import services, tasks
from branches.models import Notice, Role, Term
from tests.factories import UserFactory, grant, make_org, make_term

D = dt.date


@pytest.fixture
def setup(db):
    county = make_org(name="县委组织部")
    town = make_org(county, kind="committee", name="镇党委")
    branch = make_org(town, name="东村党支部", sector="organ")
    term = make_term(branch, elected_on=D(2024, 8, 15))  # 3 years: expires 2027-08-15
    people = {
        "county_reviewer": UserFactory(),
        "town_reviewer": UserFactory(),
        "secretary": UserFactory(),
        "other_secretary": UserFactory(),
        "branch_reviewer": UserFactory(),
    }
    grant(people["county_reviewer"], county, Role.REVIEWER)
    grant(people["town_reviewer"], town, Role.REVIEWER)
    grant(people["secretary"], branch, Role.SECRETARY)
    grant(people["other_secretary"], make_org(town, sector="organ"), Role.SECRETARY)
    return term, people


def recipients(term):
    return set(Notice.objects.filter(term=term).values_list("recipient__username", flat=True))


def test_nothing_before_six_months(setup):
    term, _ = setup
    assert services.term_reminders_send(today=D(2027, 2, 14)) == 0
    assert not Notice.objects.exists()


def test_six_months_reaches_secretary_and_reviewers_above(setup):
    term, people = setup
    assert services.term_reminders_send(today=D(2027, 2, 15)) == 3
    assert recipients(term) == {
        people["county_reviewer"].username,
        people["town_reviewer"].username,
        people["secretary"].username,
    }
    notice = Notice.objects.filter(recipient=people["secretary"]).get()
    assert notice.kind == "term_reminder" and "距届满不足6个月" in notice.title
    assert notice.dedupe_key == f"term-{term.pk}-m6"


def test_emails_sent_after_commit(setup, django_capture_on_commit_callbacks):
    term, people = setup
    with django_capture_on_commit_callbacks(execute=True):
        services.term_reminders_send(today=D(2027, 2, 15))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        p.email for k, p in people.items() if k in {"county_reviewer", "town_reviewer", "secretary"}
    )
    assert "换届提醒" in mail.outbox[0].subject


def test_second_run_same_day_sends_nothing(setup, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.term_reminders_send(today=D(2027, 2, 15)) == 3
        assert services.term_reminders_send(today=D(2027, 2, 15)) == 0
        assert services.term_reminders_send(today=D(2027, 3, 1)) == 0  # still the 6-month stage
    assert Notice.objects.count() == 3
    assert len(mail.outbox) == 3


@pytest.mark.parametrize(
    ("today", "stage"),
    [
        (D(2027, 5, 15), "m3"),
        (D(2027, 7, 15), "m1"),
        (D(2027, 8, 15), "d0"),
        (D(2027, 9, 15), "overdue-1"),
        (D(2027, 10, 15), "overdue-2"),
    ],
)
def test_each_stage_once(setup, today, stage):
    term, _ = setup
    services.term_reminders_send(today=D(2027, 2, 15))
    services.term_reminders_send(today=today)
    services.term_reminders_send(today=today)
    keys = set(Notice.objects.values_list("dedupe_key", flat=True))
    assert keys == {f"term-{term.pk}-m6", f"term-{term.pk}-{stage}"}
    assert Notice.objects.count() == 6


def test_ended_term_and_dissolved_org_not_reminded(setup):
    term, _ = setup
    Term.objects.filter(pk=term.pk).update(status="ended", ended_on=D(2027, 1, 1))
    assert services.term_reminders_send(today=D(2027, 9, 1)) == 0


def test_unique_row_is_the_guard(setup):
    """The database refuses the second notice of a stage even when the code does not look first."""
    term, people = setup
    services.term_reminders_send(today=D(2027, 2, 15))
    with pytest.raises(IntegrityError), transaction.atomic():
        Notice.objects.create(
            recipient=people["secretary"], kind="term_reminder", dedupe_key=f"term-{term.pk}-m6", title="dup"
        )


def test_task_runs_the_service(setup):
    term, _ = setup
    assert tasks.send_term_reminders.delay("2027-02-15").get() == 3
    assert tasks.send_term_reminders.delay("2027-02-15").get() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_beat_processes_at_once_send_once():
    county = make_org(name="县委组织部")
    branches = [make_org(county, sector="organ") for _ in range(20)]
    for org in branches:
        make_term(org, elected_on=D(2024, 8, 15))
    reviewer = UserFactory()
    grant(reviewer, county, Role.REVIEWER)
    barrier = threading.Barrier(4)
    results = []

    def run():
        barrier.wait()
        try:
            results.append(services.term_reminders_send(today=D(2027, 2, 15)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(results) == 20
    assert Notice.objects.filter(recipient=reviewer).count() == 20


def test_daily_run_queries_do_not_grow_with_terms(db, django_assert_max_num_queries):
    """60 due terms: the run that finds nothing new reads in 3 queries (terms, sent notices, recipients)."""
    county = make_org(name="县委组织部")
    reviewer = UserFactory()
    grant(reviewer, county, Role.REVIEWER)
    for _ in range(60):
        branch = make_org(county, sector="organ")
        make_term(branch, elected_on=D(2024, 8, 15))
        grant(UserFactory(), branch, Role.SECRETARY)
    assert services.term_reminders_send(today=D(2027, 2, 15)) == 120
    with django_assert_max_num_queries(3):
        assert services.term_reminders_send(today=D(2027, 2, 15)) == 0
