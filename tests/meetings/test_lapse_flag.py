"""Six whole months without organisational life and without leave → 自行脱党 review (DOMAIN §2).

Read through the members app's hook (members.selectors_pipeline), where meetings registers its source.
"""

import datetime as dt

import pytest

from members import selectors_pipeline
from members.models import Member
from members.services import transfers
from tests.factories import UserFactory, make_member
from tests.meetings.conftest import local

D = dt.date
TODAY = D(2026, 11, 28)  # the window: 1 May – 31 October
WINDOW = (5, 6, 7, 8, 9, 10)


def flagged(today=TODAY) -> set[str]:
    pks = selectors_pipeline.members_without_organisational_life(Member.objects.all(), 6, today=today)
    return set(Member.objects.filter(pk__in=pks).values_list("name", flat=True))


@pytest.fixture
def people(tree):
    names = ["从不来", "请过假", "来过一次", "一直来", "四月来过"]
    found = {name: make_member(tree["branch"], name=name) for name in names}
    found["六月入党"] = make_member(
        tree["branch"], name="六月入党", stage="probationary", admitted_on=D(2026, 6, 1)
    )
    return found


def hold_window(tree, record_meeting, people, *, leave_month=None, present_month=None):
    """A theme day each month of the window; everyone stays away except 一直来 and the exceptions."""
    for month in WINDOW:
        day = local(2026, month, 20)
        away = [m for name, m in people.items() if name != "一直来"]
        if month < 6:
            away = [m for m in away if m.name != "六月入党"]  # not yet a member
        leave = [people["请过假"]] if month == leave_month else []
        away = [m for m in away if m not in leave and not (month == present_month and m.name == "来过一次")]
        record_meeting(tree["branch"], "theme_day", day, absent=away, leave=leave)


def test_absent_from_every_meeting_of_the_window_is_flagged(tree, people, record_meeting):
    record_meeting(tree["branch"], "theme_day", local(2026, 4, 20), absent=[people["从不来"]])  # before
    hold_window(tree, record_meeting, people, leave_month=8, present_month=9)
    assert flagged() == {"从不来", "四月来过"}  # attending before the window does not help


def test_one_leave_is_enough(tree, people, record_meeting):
    hold_window(tree, record_meeting, people, leave_month=10)
    assert "请过假" not in flagged()


def test_present_once_is_enough(tree, people, record_meeting):
    hold_window(tree, record_meeting, people, present_month=5)
    assert "来过一次" not in flagged()


def test_admitted_inside_the_window_is_not_flagged(tree, people, record_meeting):
    hold_window(tree, record_meeting, people)
    assert "六月入党" not in flagged()
    assert "从不来" in flagged()


def test_nothing_expected_nothing_flagged(tree, people):
    assert flagged() == set()


def test_drafts_and_the_current_month_do_not_count(tree, people, record_meeting):
    hold_window(tree, record_meeting, people)
    record_meeting(tree["branch"], "theme_day", local(2026, 7, 25), submit=False)  # a draft: all present
    assert "从不来" in flagged()
    # The window moves with the month: in December, November's meetings count and May's do not.
    record_meeting(tree["branch"], "theme_day", local(2026, 11, 20), now=local(2026, 11, 21))
    assert "从不来" in flagged()
    assert "从不来" not in flagged(D(2026, 12, 1))


def test_flags_reach_the_red_flag_lists(tree, people, record_meeting):
    hold_window(tree, record_meeting, people)
    admin = UserFactory(username="lapse-admin", is_superuser=True)
    flags = selectors_pipeline.lapse_flags(admin, tree["branch"], today=TODAY)
    assert {Member.objects.get(pk=pk).name for pk in flags.no_life} == {
        "从不来",
        "请过假",
        "来过一次",
        "四月来过",
    }
    assert {m.name for m in selectors_pipeline.lapse_review(admin, tree["branch"], flags)} >= {"从不来"}


def test_transferred_in_inside_the_window_is_not_flagged(tree, record_meeting):
    newcomer = make_member(tree["other_branch"], name="七月转入")
    transfer = transfers.transfer_out_internal(
        member=newcomer, to_organisation=tree["branch"], on=D(2026, 6, 25)
    )
    transfers.transfer_decide(transfer=transfer, accept=True, on=D(2026, 7, 1))
    make_member(tree["branch"], name="老党员")
    for month in (7, 8, 9, 10):
        record_meeting(tree["branch"], "theme_day", local(2026, month, 20), absent=[newcomer])
    assert "七月转入" not in flagged()
