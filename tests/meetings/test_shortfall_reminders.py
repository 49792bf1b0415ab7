"""The daily reminder: a requirement still missing five days before its period ends, once."""

import datetime as dt

from branches.models import Notice
from meetings import compliance, tasks
from meetings.services.reminders import shortfall_reminders_send
from tests.meetings.conftest import local

D = dt.date
FIVE_BEFORE = D(2026, 5, 26)  # May ends on the 31st; no quarter or year ends with it


def prepare(tree, record_meeting, today):
    """May: a theme day and the group's meeting are held, the committee has not met."""
    record_meeting(tree["branch"], "theme_day", local(2026, 5, 20))
    record_meeting(tree["group"], "group", local(2026, 5, 12, 19))
    compliance.refresh([tree["branch"].pk], 2026, today=today)


def test_one_notice_five_days_before_the_month_ends(tree, ten, branch_committee, secretary, record_meeting):
    prepare(tree, record_meeting, FIVE_BEFORE)
    assert shortfall_reminders_send(today=FIVE_BEFORE) == 1
    notice = Notice.objects.get(recipient=secretary)
    assert notice.title == "组织生活提醒：1项要求尚未完成（5天后到期）"
    assert "支部委员会会议（2026年5月）：应1、已0" in notice.body
    assert "2026年05月31日" in notice.body
    assert "主题党日" not in notice.body and "党小组会" not in notice.body  # met: not mentioned
    assert notice.link == f"/meetings/org/{tree['branch'].pk}/calendar/"
    assert notice.organisation == tree["branch"]


def test_second_run_sends_nothing(tree, ten, branch_committee, secretary, record_meeting):
    prepare(tree, record_meeting, FIVE_BEFORE)
    assert shortfall_reminders_send(today=FIVE_BEFORE) == 1
    assert shortfall_reminders_send(today=FIVE_BEFORE) == 0
    assert shortfall_reminders_send(today=FIVE_BEFORE + dt.timedelta(days=1)) == 0  # same period end
    assert Notice.objects.filter(recipient=secretary).count() == 1


def test_none_six_days_before(tree, ten, branch_committee, secretary, record_meeting):
    six_before = FIVE_BEFORE - dt.timedelta(days=1)
    prepare(tree, record_meeting, six_before)
    assert shortfall_reminders_send(today=six_before) == 0
    assert not Notice.objects.exists()


def test_nothing_when_everything_is_met(tree, ten, branch_committee, secretary, record_meeting):
    record_meeting(tree["branch"], "committee", local(2026, 5, 4))
    prepare(tree, record_meeting, FIVE_BEFORE)
    assert shortfall_reminders_send(today=FIVE_BEFORE) == 0


def test_every_short_item_in_one_notice_at_the_quarter_end(
    tree, ten, branch_committee, secretary, record_meeting
):
    today = D(2026, 6, 28)
    record_meeting(tree["branch"], "theme_day", local(2026, 6, 20))
    compliance.refresh([tree["branch"].pk], 2026, today=today)
    assert shortfall_reminders_send(today=today) == 1
    body = Notice.objects.get(recipient=secretary).body
    for item in (
        "支部委员会会议（2026年6月）",
        "党小组会（2026年6月）",
        "支部党员大会（2026年第2季度）",
        "党课（2026年第2季度）",
    ):
        assert item in body
    assert "主题党日" not in body


def test_the_daily_task(tree, ten, branch_committee, secretary, record_meeting, monkeypatch):
    prepare(tree, record_meeting, FIVE_BEFORE)
    monkeypatch.setattr("meetings.services.reminders.timezone.localdate", lambda: FIVE_BEFORE)
    assert tasks.send_compliance_reminders.delay().get() == 1
    assert tasks.send_compliance_reminders.delay().get() == 0
