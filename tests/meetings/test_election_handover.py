"""result_confirm: the old term ends, the new one opens, appointments and the secretary grant follow the result.

东村党支部's term 1 began on 10 Jan 2024 with 成员00 书记, 成员01 组织委员, 成员02 宣传委员
(``branch_committee``); the ``secretary`` user keeps its records. The election meeting is on 10 Nov 2026;
成员00–成员04 are elected, 成员00 as 书记 unless a test says otherwise.
"""

import datetime as dt
from collections import Counter

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q

from branches import access
from branches import services as branch_services
from branches.models import Grant, Notice, Role, Term
from meetings.models import Election
from meetings.services import elections as svc
from members.models import Appointment, Member
from members.services.members import member_leave
from tests.factories import UserFactory, grant, make_member, make_org, make_term

from .test_election_services import Flow, fresh

DAY = dt.date(2026, 11, 10)
CONFIRM_DOC = "镇委〔2026〕9号"
User = get_user_model()


@pytest.fixture
def flow(tree, secretary, reviewer, ten, branch_committee, record_meeting):
    return Flow(tree["branch"], secretary, reviewer, ten, record_meeting)


def confirm(flow, by=None):
    result = svc.result_confirm(election=flow.election, doc_no=CONFIRM_DOC, by=by or flow.reviewer)
    flow.election.refresh_from_db()
    return result


def state(org):
    """What the handover changes: terms, appointments, grants, accounts, links, notices, the election."""
    return (
        list(Term.objects.filter(organisation=org).values_list("pk", "number", "status", "ended_on")),
        list(Appointment.objects.values_list("pk", "term_id", "member_id", "position", "ended_on")),
        sorted(Grant.objects.values_list("user_id", "organisation_id", "role")),
        User.objects.count(),
        list(Member.objects.order_by("pk").values_list("pk", "user_id", "status")),
        Notice.objects.count(),
        list(Election.objects.values_list("pk", "status", "new_term_id", "confirm_doc_no", "version")),
    )


def test_the_old_term_ends_and_the_new_one_opens(flow, tree, ten):
    old = Term.objects.get(organisation=tree["branch"], status="current")
    flow.report()
    result = confirm(flow)
    term = result["term"]
    old.refresh_from_db()
    assert (old.status, old.ended_on) == ("ended", DAY)
    assert (term.number, term.status, term.elected_on) == (old.number + 1, "current", DAY)
    assert (term.length_years, term.expires_on) == (5, dt.date(2031, 11, 10))  # a village branch: five years
    assert Term.objects.filter(organisation=tree["branch"], status="current").get() == term
    election = flow.election
    assert (election.status, election.new_term, election.confirm_doc_no) == ("confirmed", term, CONFIRM_DOC)
    event = election.events.get(action="confirm")
    assert (event.from_status, event.to_status, event.doc_no, event.note, event.by) == (
        "reported",
        "confirmed",
        CONFIRM_DOC,
        "第2届班子就任",
        flow.reviewer,
    )


def test_appointments_follow_the_result(flow, ten):
    flow.report(positions=["organisation", "secretary", "propaganda", "discipline", "other"])
    term = confirm(flow)["term"]
    old = Appointment.objects.exclude(term=term)
    assert old.count() == 3 and set(old.values_list("ended_on", flat=True)) == {DAY}
    assert sorted(
        Appointment.objects.filter(term=term).values_list("member_id", "position", "appointed_on")
    ) == sorted(
        [
            (ten[0].pk, "organisation", DAY),
            (ten[1].pk, "secretary", DAY),
            (ten[2].pk, "propaganda", DAY),
            (ten[3].pk, "discipline", DAY),
            (ten[4].pk, "other", DAY),
        ]
    )
    assert not Appointment.objects.filter(term=term, ended_on__isnull=False).exists()
    assert not Appointment.objects.filter(member=ten[5]).exists()  # not elected


def test_an_already_ended_appointment_keeps_its_end(flow, ten):
    earlier = dt.date(2025, 6, 30)
    Appointment.objects.filter(member=ten[2]).update(ended_on=earlier)
    flow.report()
    confirm(flow)
    assert (
        Appointment.objects.get(member=ten[2], ended_on__isnull=False, position="propaganda").ended_on
        == earlier
    )


def test_a_new_secretary_without_an_account_gets_one(flow, tree, secretary, ten):
    branch = tree["branch"]
    assert access.can_record(fresh(secretary), branch)
    flow.report()
    result = confirm(flow)
    user = result["secretary_user"]
    assert user.username == f"sec_c1b1_{ten[0].pk}"
    assert user.first_name == ten[0].name
    assert Member.objects.get(pk=ten[0].pk).user == user
    password = result["new_account_password"]
    assert password and user.has_usable_password()
    assert authenticate(username=user.username, password=password) == user
    assert Grant.objects.filter(user=user, organisation=branch, role=Role.SECRETARY).count() == 1
    # The outgoing secretary loses the branch (and its party group); the new one keeps it.
    assert result["revoked"] == [secretary]
    assert not Grant.objects.filter(user=secretary).exists()
    assert not access.can_record(fresh(secretary), branch)
    assert not access.can_record(fresh(secretary), tree["group"])
    assert access.can_record(fresh(user), branch) and access.can_record(fresh(user), tree["group"])


def test_a_new_secretary_with_an_account_keeps_it(flow, tree, secretary, ten):
    own = UserFactory(username="zhang")
    Member.objects.filter(pk=ten[0].pk).update(user=own)
    assert not access.can_record(fresh(own), tree["branch"])
    users = User.objects.count()
    flow.report()
    result = confirm(flow)
    assert result["secretary_user"] == own and result["new_account_password"] == ""
    assert User.objects.count() == users
    assert access.can_record(fresh(own), tree["branch"])
    assert not access.can_record(fresh(secretary), tree["branch"])
    assert result["revoked"] == [secretary]


def test_a_re_elected_secretary_keeps_the_grant(flow, tree, secretary, ten):
    Member.objects.filter(pk=ten[0].pk).update(user=secretary)
    grants = list(Grant.objects.filter(user=secretary).values_list("pk", flat=True))
    flow.report()
    result = confirm(flow)
    assert result["secretary_user"] == secretary and result["new_account_password"] == ""
    assert result["revoked"] == []
    assert list(Grant.objects.filter(user=secretary).values_list("pk", flat=True)) == grants
    assert access.can_record(fresh(secretary), tree["branch"])
    assert (
        Counter(Notice.objects.filter(key_filter(flow)).values_list("recipient", flat=True))[secretary.pk]
        == 1
    )


def test_an_outgoing_secretary_elected_organisation_member_keeps_the_grant(flow, tree, secretary, ten):
    """组织委员 keeps the records with the 书记 (branches.access.can_record), so the grant stays."""
    Member.objects.filter(pk=ten[1].pk).update(user=secretary)
    flow.report()  # ten[1] is 组织委员
    result = confirm(flow)
    assert result["revoked"] == []
    assert access.can_record(fresh(secretary), tree["branch"])
    assert access.can_record(fresh(result["secretary_user"]), tree["branch"])


def test_an_outgoing_secretary_elected_an_ordinary_member_loses_the_grant(flow, tree, secretary, ten):
    Member.objects.filter(pk=ten[4].pk).update(user=secretary)
    flow.report()  # ten[4] is 其他委员
    assert confirm(flow)["revoked"] == [secretary]
    assert not access.can_record(fresh(secretary), tree["branch"])


def test_only_the_branch_grant_is_removed(flow, tree, secretary):
    grant(secretary, tree["other_branch"], Role.SECRETARY)
    flow.report()
    confirm(flow)
    assert not access.can_record(fresh(secretary), tree["branch"])
    assert access.can_record(fresh(secretary), tree["other_branch"])


def test_every_secretary_grant_of_the_branch_is_handed_over(flow, tree, secretary):
    deputy_keeper = UserFactory(username="keeper")
    grant(deputy_keeper, tree["branch"], Role.SECRETARY)
    flow.report()
    result = confirm(flow)
    assert {u.pk for u in result["revoked"]} == {secretary.pk, deputy_keeper.pk}
    assert list(Grant.objects.filter(organisation=tree["branch"]).values_list("user", flat=True)) == [
        result["secretary_user"].pk
    ]


def test_an_organ_branch_term_is_three_years(tree, reviewer, record_meeting):
    organ = make_org(tree["town"], name="镇机关党支部", code="C1B3", sector="organ")
    old = make_term(organ, elected_on=dt.date(2023, 11, 1))
    boss = UserFactory(username="organ_secretary")
    grant(boss, organ, Role.SECRETARY)
    members = [make_member(organ) for _ in range(5)]
    flow = Flow(organ, boss, reviewer, members, record_meeting)
    flow.meet(seats=3, members=members[:4])
    flow.vote([5, 4, 3, 1])
    elected = [c for c in flow.candidates() if c.elected]
    flow.election = svc.result_report(
        election=flow.election,
        positions=dict(
            zip([c.pk for c in elected], ["secretary", "organisation", "propaganda"], strict=True)
        ),
        doc_no="机关支〔2026〕3号",
        by=boss,
    )
    result = confirm(flow)
    term = result["term"]
    assert (term.number, term.length_years, term.expires_on) == (old.number + 1, 3, dt.date(2029, 11, 10))
    assert result["secretary_user"].username == f"sec_c1b3_{elected[0].member_id}"
    assert not access.can_record(fresh(boss), organ)


def test_admin_may_confirm(flow, admin_user):
    flow.report()
    assert confirm(flow, by=admin_user)["term"].number == 2


def test_confirm_needs_a_document_number(flow, tree):
    flow.report()
    before = state(tree["branch"])
    with pytest.raises(ValidationError) as exc:
        svc.result_confirm(election=flow.election, doc_no=" ", by=flow.reviewer)
    assert exc.value.message_dict == {"doc_no": ["请填写批准文号。"]}
    assert state(tree["branch"]) == before


def test_confirm_twice(flow, tree):
    flow.report()
    confirm(flow)
    before = state(tree["branch"])
    with pytest.raises(ValidationError) as exc:
        confirm(flow)
    assert exc.value.messages == ["本次换届选举已经完成，不能再修改。"]
    assert state(tree["branch"]) == before


# ---------------------------------------------------------------- one transaction


def test_a_failure_half_way_changes_nothing(flow, tree, secretary, monkeypatch):
    flow.report()
    before = state(tree["branch"])

    def broken(**kwargs):
        raise RuntimeError("grant failed")

    monkeypatch.setattr(branch_services, "grant_role", broken)
    with pytest.raises(RuntimeError):
        svc.result_confirm(election=flow.election, doc_no=CONFIRM_DOC, by=flow.reviewer)
    assert state(tree["branch"]) == before
    assert Term.objects.filter(organisation=tree["branch"]).count() == 1
    assert Election.objects.get(pk=flow.election.pk).status == "reported"
    assert access.can_record(fresh(secretary), tree["branch"])
    assert not User.objects.filter(username__startswith="sec_").exists()
    monkeypatch.undo()
    assert confirm(flow)["term"].number == 2  # and it goes through once the failure is gone


def test_a_failure_sending_notices_changes_nothing(flow, tree, monkeypatch):
    flow.report()
    before = state(tree["branch"])

    def broken(**kwargs):
        raise RuntimeError("notices failed")

    monkeypatch.setattr(branch_services, "notices_send", broken)
    with pytest.raises(RuntimeError):
        svc.result_confirm(election=flow.election, doc_no=CONFIRM_DOC, by=flow.reviewer)
    assert state(tree["branch"]) == before


def test_an_elected_member_who_left_before_the_approval_is_refused(flow, tree, ten):
    flow.report()
    member_leave(member=ten[0], kind="transferred_out", on=dt.date(2026, 11, 15), reason="转往外地")
    before = state(tree["branch"])
    with pytest.raises(ValidationError):
        svc.result_confirm(election=flow.election, doc_no=CONFIRM_DOC, by=flow.reviewer)
    assert state(tree["branch"]) == before


# ---------------------------------------------------------------- notices


def key_filter(flow):
    return Q(dedupe_key=f"election-confirmed-{flow.election.pk}")


def test_notices_to_the_new_and_outgoing_secretaries_and_the_reviewers_above(flow, tree, secretary, reviewer):
    county = UserFactory(username="county_reviewer")
    grant(county, tree["county"], Role.REVIEWER)
    sibling = UserFactory(username="sibling_reviewer")
    grant(sibling, tree["sibling"], Role.REVIEWER)
    retired = UserFactory(username="retired_reviewer", is_active=False)
    grant(retired, tree["town"], Role.REVIEWER)
    flow.report()
    result = confirm(flow)
    new = result["secretary_user"]
    got = Counter(Notice.objects.filter(key_filter(flow)).values_list("recipient", flat=True))
    assert got == Counter({new.pk: 1, secretary.pk: 1, reviewer.pk: 1, county.pk: 1})
    notice = Notice.objects.get(key_filter(flow), recipient=new)
    assert notice.title == "东村党支部第2届班子已就任"
    assert notice.body == f"书记：{flow.members[0].name}；批准文号：{CONFIRM_DOC}"
    assert notice.link == flow.election.get_absolute_url()
    assert notice.organisation == tree["branch"]


def test_an_outgoing_secretary_who_is_also_a_reviewer_above_hears_once(flow, tree, secretary):
    grant(secretary, tree["town"], Role.REVIEWER)
    flow.report()
    confirm(flow)
    assert Notice.objects.filter(key_filter(flow), recipient=secretary).count() == 1
