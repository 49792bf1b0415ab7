"""The audit trail (issue 9): every write path of the audited records leaves history rows naming the
user, including the services' bulk writes and compare-and-set updates, which send no signals."""

import datetime as dt
from decimal import Decimal

from django.urls import reverse

from branches import audit
from branches.models import Organisation, Term
from branches.services import organisation_dissolve, organisation_move
from meetings.models import Attendance, Meeting, Presence
from meetings.services.meetings import Mark, meeting_return, meeting_save
from members.models import DuesPayment, Member
from members.services import dues as dues_services
from members.services.members import member_leave, member_update, members_bulk_create, members_bulk_update
from tests.factories import make_member, make_org
from tests.meetings.conftest import NOW, local


def rows(model, **filters):
    return list(model.history.filter(**filters).order_by("history_id"))


def test_a_save_records_the_acting_user_and_the_values(tree, secretary):
    member = make_member(tree["branch"], name="张三", phone="13800000001")
    with audit.acting_as(secretary):
        member_update(member=member, phone="13900000002")
    created, changed = rows(Member, id=member.pk)
    assert (created.history_type, created.history_user_id) == ("+", None)
    assert (changed.history_type, changed.history_user_id) == ("~", secretary.pk)
    assert (created.phone, changed.phone) == ("13800000001", "13900000002")
    assert changed.diff_against(created).changed_fields == ["phone"]


def test_acting_as_nobody_records_the_system(tree):
    member = make_member(tree["branch"])
    with audit.acting_as(None):
        member_update(member=member, work_unit="村委会")
    assert rows(Member, id=member.pk)[-1].history_user_id is None


def test_bulk_create_and_bulk_update_leave_one_row_each(tree, secretary):
    fields = [
        {
            "name": f"批量{n}",
            "gender": "male",
            "birth_date": dt.date(1980, 1, 1),
            "admitted_on": dt.date(2010, 7, 1),
        }
        for n in range(3)
    ]
    with audit.acting_as(secretary):
        made = members_bulk_create(organisation=tree["branch"], rows=fields, recorded_by=secretary)
        members_bulk_update(updates=[(made[0], {"work_unit": "合作社"}), (made[1], {"post": "会计"})])
    history = rows(Member, id__in=[m.pk for m in made])
    assert sorted((h.name, h.history_type) for h in history) == [
        ("批量0", "+"),
        ("批量0", "~"),
        ("批量1", "+"),
        ("批量1", "~"),
        ("批量2", "+"),
    ]
    assert {h.history_user_id for h in history} == {secretary.pk}
    assert [h.work_unit for h in history if h.name == "批量0"] == ["", "合作社"]


def test_leaving_the_roster_is_recorded(tree):
    member = make_member(tree["branch"])
    member_leave(member=member, kind="deceased", on=dt.date(2026, 3, 1), reason="病故")
    last = rows(Member, id=member.pk)[-1]
    assert (last.history_type, last.status, last.left_on) == ("~", "left", dt.date(2026, 3, 1))


def test_an_edited_meeting_records_only_the_marks_that_changed(tree, secretary, kinds, ten, record_meeting):
    meeting = record_meeting(tree["branch"], "lecture", local(2026, 3, 5), submit=False, by=secretary)
    assert len(rows(Attendance, meeting_id=meeting.pk)) == 10  # ten "+" rows
    with audit.acting_as(secretary):
        meeting_save(
            meeting=meeting,
            organisation=tree["branch"],
            kind=kinds["lecture"],
            starts_at=local(2026, 3, 5),
            attendance={ten[4].pk: Mark(Presence.LEAVE, "出差")},
            now=NOW,
            topic="学习党章（补充）",
            by=secretary,
        )
    later = rows(Attendance, meeting_id=meeting.pk)[10:]
    assert [(h.member_id, h.history_type, h.presence, h.reason) for h in later] == [
        (ten[4].pk, "~", "leave", "出差")
    ]
    assert later[0].history_user_id == secretary.pk
    assert Attendance.objects.filter(meeting=meeting).count() == 10  # the other nine rows kept, not re-made
    topics = [h.topic for h in rows(Meeting, id=meeting.pk)]
    assert topics == ["学习党章", "学习党章（补充）"]


def test_a_returned_meeting_names_the_reviewer(tree, reviewer, kinds, ten, record_meeting):
    meeting = record_meeting(tree["branch"], "lecture", local(2026, 3, 5))
    with audit.acting_as(reviewer):
        meeting_return(meeting=meeting, reason="请补充议程", by=reviewer)
    last = rows(Meeting, id=meeting.pk)[-1]
    assert (last.history_type, last.status, last.history_user_id) == ("~", "returned", reviewer.pk)


def test_dues_month_records_new_and_changed_lines_and_nothing_for_a_repeat(tree, secretary):
    member = make_member(tree["branch"])
    dues_services.dues_bases_set(
        organisation=tree["branch"], year=2026, entries=[dues_services.BaseEntry(member.pk, "student")]
    )
    month = dt.date(2026, 3, 1)

    def save(amount):
        entry = dues_services.MonthEntry(member_id=member.pk, paid=True, amount_paid=Decimal(amount))
        dues_services.dues_month_record(
            organisation=tree["branch"], month=month, entries=[entry], paid_on=dt.date(2026, 3, 10)
        )

    with audit.acting_as(secretary):
        save("0.20")
        save("0.20")  # the same sheet again: no change, no row
        save("0.50")
    history = rows(DuesPayment, member_id=member.pk, month=month)
    assert [(h.history_type, h.amount_paid) for h in history] == [
        ("+", Decimal("0.20")),
        ("~", Decimal("0.50")),
    ]


def test_moving_an_organisation_records_its_new_parent(tree):
    organisation_move(organisation=tree["other_branch"], new_parent=tree["county"])
    last = rows(Organisation, id=tree["other_branch"].pk)[-1]
    assert (last.history_type, last.parent_id) == ("~", tree["county"].pk)


def test_dissolving_ends_the_current_term_on_the_record(tree):
    organisation_dissolve(organisation=tree["other_branch"], on=dt.date(2026, 5, 1), reason="撤并")
    term = Term.objects.get(organisation=tree["other_branch"])
    last = rows(Term, id=term.pk)[-1]
    assert (last.history_type, last.status, last.ended_on) == ("~", "ended", dt.date(2026, 5, 1))


def test_a_delete_is_recorded(tree):
    group = make_org(tree["branch"], kind="party_group", name="临时小组", code="C1B1G9", sector="village")
    pk = group.pk
    group.delete()
    assert [h.history_type for h in rows(Organisation, id=pk)] == ["+", "-"]


def test_a_request_names_its_user(tree, reviewer, login, kinds, ten, record_meeting):
    meeting = record_meeting(tree["branch"], "lecture", local(2026, 3, 5))
    response = login(reviewer).post(reverse("meetings:return", args=[meeting.pk]), {"reason": "请补充议程"})
    assert response.status_code == 302
    last = rows(Meeting, id=meeting.pk)[-1]
    assert (last.history_user_id, last.status) == (reviewer.pk, "returned")
