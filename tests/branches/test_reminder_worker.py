"""The reminder task through a real Celery worker on Redis (CI sets REDIS_URL)."""

import datetime as dt
import os

import pytest

from branches import tasks
from branches.models import Notice, Role
from config.celery import app
from tests.factories import UserFactory, grant, make_org, make_term

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="REDIS_URL not set: no broker to test against"
    ),
]


@pytest.mark.django_db(transaction=True)
def test_reminders_through_worker_are_idempotent(celery_worker):
    county = make_org(name="县委组织部")
    branch = make_org(county, sector="organ")
    make_term(branch, elected_on=dt.date(2024, 8, 15))
    reviewer, secretary = UserFactory(), UserFactory()
    grant(reviewer, county, Role.REVIEWER)
    grant(secretary, branch, Role.SECRETARY)

    assert app.conf.broker_url.startswith("redis://")
    first = tasks.send_term_reminders.delay("2027-02-15")
    assert type(first).__name__ == "AsyncResult"  # sent to the broker, not run in-process
    assert first.get(timeout=30) == 2
    second = tasks.send_term_reminders.delay("2027-02-15")
    assert second.get(timeout=30) == 0
    assert Notice.objects.count() == 2
