"""Who was expected at a meeting: the roster on the meeting day (meetings/roster.py), not today's."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from meetings.models import Attendance
from meetings.roster import committee_members_on, party_members_on, voters_on
from meetings.services.meetings import Mark, expected_members
from members.services import transfers
from members.services.members import appointment_add, appointment_end, current_term, member_leave
from tests.factories import make_member
from tests.meetings.conftest import local

D = dt.date
MEETING_DAY = D(2026, 5, 10)


def on(org, day=MEETING_DAY):
    return set(party_members_on(org, day))


def move(member, to, *, requested, decided):
    transfer = transfers.transfer_out_internal(member=member, to_organisation=to, on=requested)
    return transfers.transfer_decide(transfer=transfer, accept=True, on=decided)


@pytest.fixture
def stayer(tree):
    return make_member(tree["branch"], name="留下的")


def test_member_transferred_out_before_the_meeting_is_not_expected(tree, stayer):
    gone = make_member(tree["branch"], name="先转走的")
    move(gone, tree["other_branch"], requested=D(2026, 3, 20), decided=D(2026, 4, 1))
    assert on(tree["branch"]) == {stayer}
    assert gone in on(tree["other_branch"])  # expected where it went
    assert gone in on(tree["branch"], D(2026, 3, 31))  # the day before it was accepted


def test_member_transferred_out_after_the_meeting_still_was(tree, stayer):
    later = make_member(tree["branch"], name="后转走的")
    move(later, tree["other_branch"], requested=D(2026, 5, 20), decided=D(2026, 6, 1))
    assert on(tree["branch"]) == {stayer, later}
    assert later not in on(tree["other_branch"])
    assert on(tree["branch"], D(2026, 6, 1)) == {stayer}  # from the day it was accepted
    assert later in on(tree["other_branch"], D(2026, 6, 1))


def test_a_pending_transfer_changes_nothing(tree, stayer):
    pending = make_member(tree["branch"], name="待接收的")
    transfers.transfer_out_internal(member=pending, to_organisation=tree["other_branch"], on=D(2026, 4, 1))
    assert on(tree["branch"]) == {stayer, pending}
    assert pending not in on(tree["other_branch"])


def test_member_who_left_before_is_not_expected(tree, stayer):
    left = make_member(tree["branch"], name="去世的")
    member_leave(member=left, kind="deceased", on=D(2026, 4, 15), reason="病故")
    assert on(tree["branch"]) == {stayer}
    assert left in on(tree["branch"], D(2026, 4, 14))


def test_probationary_member_admitted_after_the_day_is_not_expected(tree, stayer):
    new = make_member(tree["branch"], name="新预备", stage="probationary", admitted_on=D(2026, 6, 1))
    assert on(tree["branch"]) == {stayer}
    # Admitted at the meeting of 1 June: not yet a member while it sat; expected from the next day.
    assert on(tree["branch"], D(2026, 6, 1)) == {stayer}
    assert on(tree["branch"], D(2026, 6, 2)) == {stayer, new}


def test_pipeline_people_are_never_expected(tree, stayer):
    make_member(tree["branch"], name="发展对象", stage="candidate", candidate_on=D(2025, 9, 1))
    make_member(tree["branch"], name="积极分子", stage="activist", activist_on=D(2025, 1, 1))
    assert on(tree["branch"]) == {stayer}


def test_group_meeting_expects_only_the_group(tree, stayer):
    in_group = make_member(tree["branch"], name="组员", party_group=tree["group"])
    assert on(tree["group"]) == {in_group}
    assert on(tree["branch"]) == {stayer, in_group}


def test_committee_members_on_uses_the_appointments(tree, stayer):
    term = current_term(tree["branch"])
    post = appointment_add(term=term, member=stayer, position="secretary", appointed_on=D(2026, 3, 1))
    appointment_end(appointment=post, on=D(2026, 6, 1))
    assert set(committee_members_on(tree["branch"], D(2026, 2, 28))) == set()
    assert set(committee_members_on(tree["branch"], D(2026, 3, 1))) == {stayer}
    assert set(committee_members_on(tree["branch"], D(2026, 5, 31))) == {stayer}
    assert set(committee_members_on(tree["branch"], D(2026, 6, 1))) == set()


def test_committee_meeting_expects_the_committee_not_the_roster(tree, stayer, kinds):
    term = current_term(tree["branch"])
    appointment_add(term=term, member=stayer, position="secretary", appointed_on=D(2026, 3, 1))
    make_member(tree["branch"], name="普通党员")
    assert list(expected_members(tree["branch"], kinds["committee"], MEETING_DAY)) == [stayer]
    assert len(expected_members(tree["branch"], kinds["theme_day"], MEETING_DAY)) == 2


def test_general_branch_expects_the_branches_below(tree, stayer):
    from tests.factories import make_org

    general = make_org(tree["town"], kind="general_branch", name="总支", sector="village")
    below = make_org(general, name="总支下的支部", sector="village")
    member = make_member(below, name="总支党员")
    assert on(general) == {member}
    moved = make_member(below, name="从总支转出的")
    move(moved, tree["branch"], requested=D(2026, 5, 20), decided=D(2026, 6, 1))
    assert on(general) == {member, moved}
    assert on(general, D(2026, 6, 1)) == {member}


def test_voters_are_full_members_confirmed_by_the_day(tree, stayer):
    probationary = make_member(
        tree["branch"], name="预备党员", stage="probationary", admitted_on=D(2025, 9, 1)
    )
    confirmed_later = make_member(
        tree["branch"], name="后转正的", admitted_on=D(2025, 4, 1), confirmed_on=D(2026, 6, 1)
    )
    members = party_members_on(tree["branch"], MEETING_DAY)
    assert set(members) == {stayer, probationary, confirmed_later}
    assert set(voters_on(members, MEETING_DAY)) == {stayer}
    # Confirmed at the meeting of 1 June: still without a vote at it, a voter from the next day.
    assert set(voters_on(party_members_on(tree["branch"], D(2026, 6, 1)), D(2026, 6, 1))) == {stayer}
    assert set(voters_on(party_members_on(tree["branch"], D(2026, 6, 2)), D(2026, 6, 2))) == {
        stayer,
        confirmed_later,
    }


def test_meeting_save_writes_attendance_for_the_roster_of_that_day(tree, stayer, record_meeting):
    gone = make_member(tree["branch"], name="先转走的")
    move(gone, tree["other_branch"], requested=D(2026, 3, 20), decided=D(2026, 4, 1))
    before = record_meeting(tree["branch"], "theme_day", local(2026, 3, 20))
    after = record_meeting(tree["branch"], "theme_day", local(2026, 5, 20))
    assert set(Attendance.objects.filter(meeting=before).values_list("member__name", flat=True)) == {
        "留下的",
        "先转走的",
    }
    assert list(Attendance.objects.filter(meeting=after).values_list("member__name", flat=True)) == ["留下的"]
    assert (before.expected_count, after.expected_count) == (2, 1)
    # A mark for someone not on that day's roster is refused: the form was out of date.
    with pytest.raises(ValidationError) as error:
        record_meeting(tree["branch"], "theme_day", local(2026, 6, 20), absent=[gone])
    assert "attendance" in error.value.message_dict
    assert Mark().presence == "present"
