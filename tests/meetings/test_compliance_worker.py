"""Saving a meeting refreshes compliance through a real Celery worker on Redis (CI sets REDIS_URL).

meeting_save enqueues meetings.tasks.refresh_compliance with transaction.on_commit; the
worker recomputes the branch's year and the stored cell turns green.
"""

import datetime as dt
import os
import time

import pytest
from django.db import transaction

from config.celery import app
from meetings import compliance
from meetings.models import ComplianceRecord, ComplianceStatus
from meetings.services.meetings import meeting_save
from meetings.tasks import refresh_compliance
from tests.meetings.conftest import local

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="REDIS_URL not set: no broker to test against"
    ),
]


def committee_may(branch):
    return ComplianceRecord.objects.filter(
        organisation=branch, requirement__kind__code="committee", period_start=dt.date(2026, 5, 1)
    ).first()


@pytest.mark.django_db(transaction=True)
def test_saving_a_meeting_turns_the_cell_green_through_the_worker(
    tree, ten, branch_committee, kinds, celery_worker, monkeypatch
):
    branch = tree["branch"]
    compliance.refresh([branch.pk], 2026, today=dt.date(2026, 11, 28))
    assert committee_may(branch).status == ComplianceStatus.SHORT
    assert app.conf.broker_url.startswith("redis://")

    sent = []
    real_delay = refresh_compliance.delay
    monkeypatch.setattr(refresh_compliance, "delay", lambda *a: sent.append(real_delay(*a)) or sent[-1])
    with transaction.atomic():
        meeting_save(
            organisation=branch,
            kind=kinds["committee"],
            starts_at=local(2026, 5, 6, 9, 30),
            submit=True,
            now=local(2026, 5, 6, 12),
            topic="研究本月主题党日活动安排",
        )
        assert not sent  # nothing leaves before the commit
    assert len(sent) == 1 and type(sent[0]).__name__ == "AsyncResult"  # sent to the broker

    deadline = time.monotonic() + 20
    while committee_may(branch).status != ComplianceStatus.MET and time.monotonic() < deadline:
        time.sleep(0.2)
    row = committee_may(branch)
    assert (row.status, row.held, row.expected) == (ComplianceStatus.MET, 1, 1)
    assert sent[0].get(timeout=10) == ComplianceRecord.objects.filter(organisation=branch, year=2026).count()
