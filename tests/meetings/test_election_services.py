"""meetings/services/elections.py: the 换届选举 workflow step by step, per role, with illegal steps refused.

东村党支部 (tree) has ten full members (``ten``): 应到会 10, quorum 8, elected with 6 yes votes.
The reviewer's approval is dated 9 Oct 2026 (the event's time is set, not taken from the clock); the
election meeting is a submitted 支部党员大会 on 10 Nov 2026.
"""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from branches.models import Grant, Notice, Role
from meetings import rules as meeting_rules
from meetings.models import BallotCount, BallotRound, Candidate, Election, ElectionEvent, RoundKind
from meetings.services import elections as svc
from members.services.members import member_leave
from tests.factories import UserFactory, grant, make_member, make_org, make_term

from .conftest import local

APPROVED_AT = dt.datetime(2026, 10, 9, 10, 0, tzinfo=meeting_rules.LOCAL_TZ)
MEETING_AT = local(2026, 11, 10)
REQUEST_DOC, APPROVAL_DOC, REPORT_DOC = "东支〔2026〕1号", "镇委〔2026〕5号", "东支〔2026〕2号"


def fresh(user):
    """The user again, without the grants cached on the object."""
    return get_user_model().objects.get(pk=user.pk)


class Flow:
    """One election of an organisation, driven step by step by its secretary and reviewer."""

    def __init__(self, org, secretary, reviewer, members, record_meeting):
        self.org, self.secretary, self.reviewer = org, secretary, reviewer
        self.members, self.record_meeting = members, record_meeting
        self.election = None

    def draft(self, *, seats=5, has_deputy=False, members=None):
        members = self.members[: seats + 1] if members is None else members
        self.election = svc.election_start(
            organisation=self.org,
            seats=seats,
            has_deputy=has_deputy,
            member_ids=[m.pk for m in members],
            note="本届任期将满",
            by=self.secretary,
        )
        return self.election

    def request(self, **kw):
        self.draft(**kw)
        self.election = svc.election_request(election=self.election, doc_no=REQUEST_DOC, by=self.secretary)
        return self.election

    def approve(self, *, approved_at=APPROVED_AT, **kw):
        self.request(**kw)
        self.election = svc.election_approve(election=self.election, doc_no=APPROVAL_DOC, by=self.reviewer)
        ElectionEvent.objects.filter(election=self.election, action="approve").update(at=approved_at)
        return self.election

    def meeting(self, *, absent=(), starts_at=MEETING_AT, code="general", submit=True, org=None):
        return self.record_meeting(org or self.org, code, starts_at, absent=absent, submit=submit)

    def meet(self, *, absent=(), **kw):
        self.approve(**kw)
        self.election = svc.election_meeting_set(
            election=self.election, meeting=self.meeting(absent=absent), by=self.secretary
        )
        return self.election

    def candidates(self):
        return list(self.election.candidates.order_by("order"))

    def vote(self, yes, *, issued=None, returned=None, candidates=None):
        """One round: ``yes`` per candidate (in order, or of ``candidates``); the rest of the ballots say no."""
        issued = self.election.present if issued is None else issued
        returned = issued if returned is None else returned
        standing = self.candidates() if candidates is None else candidates
        counts = {c.pk: (y, max(min(returned, issued) - y, 0), 0) for c, y in zip(standing, yes, strict=True)}
        ballot = svc.round_record(
            election=self.election, issued=issued, returned=returned, counts=counts, by=self.secretary
        )
        self.election.refresh_from_db()
        return ballot

    def held(self, **kw):
        """Seats 5 from six candidates; the first five elected in the first round."""
        self.meet(**kw)
        self.vote([10, 9, 8, 7, 6, 3])
        return self.election

    def report(self, positions=None, **kw):
        self.held(**kw)
        elected = [c for c in self.candidates() if c.elected]
        if positions is None:
            positions = ["secretary", "organisation", "propaganda", "discipline", "other"]
        self.election = svc.result_report(
            election=self.election,
            positions={c.pk: p for c, p in zip(elected, positions, strict=True)},
            doc_no=REPORT_DOC,
            by=self.secretary,
        )
        return self.election


@pytest.fixture
def flow(tree, secretary, reviewer, ten, record_meeting):
    return Flow(tree["branch"], secretary, reviewer, ten, record_meeting)


def snapshot(election):
    """Everything a refused step must leave as it was."""
    e = Election.objects.get(pk=election.pk)
    return (
        {f.attname: getattr(e, f.attname) for f in Election._meta.concrete_fields if f.name != "updated_at"},
        list(ElectionEvent.objects.filter(election=e).values_list("pk", "action")),
        list(Candidate.objects.filter(election=e).values_list("pk", "member_id", "elected", "position")),
        list(BallotRound.objects.filter(election=e).values_list("pk", "void")),
        BallotCount.objects.filter(round__election=e).count(),
        Notice.objects.count(),
        Grant.objects.count(),
    )


def refused(call, election, message=None):
    """``call`` raises a ValidationError (with ``message``) and writes nothing."""
    before = snapshot(election)
    with pytest.raises(ValidationError) as exc:
        call()
    assert snapshot(election) == before
    if message is not None:
        assert message in exc.value.messages
    return exc.value


def denied(call, election):
    before = snapshot(election)
    with pytest.raises(PermissionDenied):
        call()
    assert snapshot(election) == before


# ---------------------------------------------------------------- the legal path


def test_start_makes_a_draft_with_the_candidates_in_order(flow, ten, tree):
    election = flow.draft(members=[ten[5], ten[1], ten[2], ten[3], ten[4], ten[0], ten[1]])  # ten[1] twice
    assert election.status == "draft" and election.seats == 5 and not election.has_deputy
    assert election.old_term == tree["branch"].terms.get(status="current")
    assert [c.member_id for c in flow.candidates()] == [
        m.pk for m in (ten[5], ten[1], ten[2], ten[3], ten[4], ten[0])
    ]
    assert list(election.events.values_list("action", "to_status")) == [("start", "draft")]
    assert election.created_by == flow.secretary


def test_admin_may_start(flow, admin_user):
    flow.secretary = admin_user
    assert flow.draft().status == "draft"


def test_update_changes_the_draft(flow, ten):
    election = flow.draft()
    svc.election_update(
        election=election,
        seats=3,
        has_deputy=True,
        member_ids=[m.pk for m in ten[:4]],
        note="改为3名",
        by=flow.secretary,
    )
    election.refresh_from_db()
    assert (election.seats, election.has_deputy, election.request_note) == (3, True, "改为3名")
    assert [c.member_id for c in flow.candidates()] == [m.pk for m in ten[:4]]
    assert election.version == 2


def test_request_goes_to_the_reviewers_above(flow, reviewer):
    election = flow.request()
    assert election.status == "requested" and election.request_doc_no == REQUEST_DOC
    event = election.events.get(action="request")
    assert (event.from_status, event.to_status, event.doc_no, event.by) == (
        "draft",
        "requested",
        REQUEST_DOC,
        flow.secretary,
    )
    assert list(Notice.objects.values_list("recipient", flat=True)) == [reviewer.pk]


def test_request_needs_a_document_number(flow):
    election = flow.draft()
    error = refused(lambda: svc.election_request(election=election, doc_no="  ", by=flow.secretary), election)
    assert error.message_dict == {"doc_no": ["请填写请示文号。"]}


def test_approve_by_the_town_reviewer_tells_the_secretary(flow, secretary):
    election = flow.request()
    election = svc.election_approve(election=election, doc_no=APPROVAL_DOC, note="同意", by=flow.reviewer)
    assert election.status == "approved"
    assert (election.approval_doc_no, election.approval_note) == (APPROVAL_DOC, "同意")
    assert election.events.get(action="approve").by == flow.reviewer
    assert Notice.objects.filter(recipient=secretary, title="换届选举请示已批复").count() == 1


def test_approve_may_change_the_seats_noted(flow):
    election = flow.request(seats=5)  # six candidates
    election = svc.election_approve(
        election=election, doc_no=APPROVAL_DOC, note="同意", seats=4, by=flow.reviewer
    )
    assert election.seats == 4
    assert election.approval_note == "委员名额由5名调整为4名。同意"
    assert election.events.get(action="approve").note == election.approval_note


def test_approve_refuses_seats_the_candidates_cannot_fill(flow):
    election = flow.request(seats=5)  # six candidates: six seats would need eight
    refused(
        lambda: svc.election_approve(election=election, doc_no=APPROVAL_DOC, seats=6, by=flow.reviewer),
        election,
        "委员名额6名，差额选举的候选人应不少于8名（多于名额20%），现有6名。",
    )


def test_return_of_the_request_goes_back_to_the_draft(flow, secretary):
    election = flow.request()
    election = svc.election_return(election=election, reason="候选人名单需调整", by=flow.reviewer)
    assert election.status == "draft" and election.return_reason == "候选人名单需调整"
    assert Notice.objects.filter(recipient=secretary, title="换届选举材料被退回").count() == 1
    # The secretary edits and sends it again; the reason is cleared.
    election = svc.election_request(election=election, doc_no=REQUEST_DOC, by=flow.secretary)
    assert election.status == "requested" and election.return_reason == ""


def test_return_needs_a_reason(flow):
    election = flow.request()
    refused(
        lambda: svc.election_return(election=election, reason=" ", by=flow.reviewer),
        election,
        "退回须说明理由。",
    )


def test_return_of_the_report_goes_back_to_the_tally(flow):
    election = flow.report()
    election = svc.election_return(election=election, reason="分工有误", by=flow.reviewer)
    assert election.status == "held"
    elected = [c for c in flow.candidates() if c.elected]
    positions = dict(
        zip(
            [c.pk for c in elected],
            ["organisation", "secretary", "propaganda", "other", "other"],
            strict=True,
        )
    )
    election = svc.result_report(election=election, positions=positions, doc_no=REPORT_DOC, by=flow.secretary)
    assert election.status == "reported"


@pytest.mark.parametrize("stage", ["draft", "request", "approve"])
def test_cancel_from_the_early_steps(flow, stage):
    election = getattr(flow, stage)()
    election = svc.election_cancel(election=election, reason="组织调整", by=flow.secretary)
    assert election.status == "cancelled"
    assert election.events.order_by("-pk").first().note == "组织调整"
    # A new election may start once the old one is closed.
    assert flow.draft().status == "draft"


def test_cancel_needs_a_reason(flow):
    election = flow.draft()
    refused(
        lambda: svc.election_cancel(election=election, reason="", by=flow.secretary),
        election,
        "撤销须说明理由。",
    )


def test_meeting_sets_entitled_and_present_from_the_attendance(flow, ten):
    election = flow.meet(absent=ten[8:])
    assert (election.entitled, election.present) == (10, 8)
    assert election.status == "approved"
    assert election.events.get(action="meeting").note == "应到会有选举权党员10人，实到8人"
    assert svc.quorum_error(election) is None


def test_the_whole_path_to_reported(flow):
    election = flow.report()
    assert election.status == "reported" and election.report_doc_no == REPORT_DOC
    assert list(election.events.order_by("pk").values_list("action", flat=True)) == [
        "start",
        "request",
        "approve",
        "meeting",
        "round",
        "report",
    ]
    assert [c.position for c in flow.candidates()] == [
        "secretary",
        "organisation",
        "propaganda",
        "discipline",
        "other",
        "",
    ]


# ---------------------------------------------------------------- illegal steps: refused, nothing written


def test_request_twice(flow):
    election = flow.request()
    refused(
        lambda: svc.election_request(election=election, doc_no=REQUEST_DOC, by=flow.secretary),
        election,
        svc.step_error("request", "requested"),
    )
    assert (
        svc.step_error("request", "requested")
        == "当前环节为“已请示，待批复”，只有在“起草请示”时才能报送请示。"
    )


def test_approve_a_draft(flow):
    election = flow.draft()
    refused(
        lambda: svc.election_approve(election=election, doc_no=APPROVAL_DOC, by=flow.reviewer),
        election,
        "当前环节为“起草请示”，只有在“已请示，待批复”时才能批复。",
    )


def test_edit_after_the_request(flow, ten):
    election = flow.request()
    refused(
        lambda: svc.election_update(
            election=election,
            seats=3,
            has_deputy=False,
            member_ids=[m.pk for m in ten[:4]],
            by=flow.secretary,
        ),
        election,
        svc.step_error("edit", "requested"),
    )


def test_round_before_the_meeting(flow):
    election = flow.approve()
    refused(
        lambda: svc.round_record(election=election, issued=10, returned=10, counts={}, by=flow.secretary),
        election,
        "请先确定选举大会（已提交的党员大会记录）。",
    )


def test_round_before_the_approval(flow):
    election = flow.request()
    refused(
        lambda: svc.round_record(election=election, issued=10, returned=10, counts={}, by=flow.secretary),
        election,
        svc.step_error("round", "requested"),
    )


def test_meeting_before_the_approval(flow):
    election = flow.request()
    meeting = flow.meeting()
    refused(
        lambda: svc.election_meeting_set(election=election, meeting=meeting, by=flow.secretary),
        election,
        svc.step_error("meeting", "requested"),
    )


def test_report_before_held(flow):
    election = flow.meet()
    refused(
        lambda: svc.result_report(election=election, positions={}, doc_no=REPORT_DOC, by=flow.secretary),
        election,
        "当前环节为“已批复，待选举”，只有在“已选举，待报告结果”时才能报告选举结果。",
    )


def test_confirm_before_reported(flow):
    election = flow.held()
    refused(
        lambda: svc.result_confirm(election=election, doc_no="镇委〔2026〕9号", by=flow.reviewer),
        election,
        svc.step_error("confirm", "held"),
    )


def test_cancel_after_held(flow):
    election = flow.held()
    refused(
        lambda: svc.election_cancel(election=election, reason="x", by=flow.secretary),
        election,
        svc.step_error("cancel", "held"),
    )


def _every_step(flow, election):
    s, r = flow.secretary, flow.reviewer
    ids = [m.pk for m in flow.members[:6]]
    return {
        "edit": lambda: svc.election_update(
            election=election, seats=5, has_deputy=False, member_ids=ids, by=s
        ),
        "request": lambda: svc.election_request(election=election, doc_no=REQUEST_DOC, by=s),
        "approve": lambda: svc.election_approve(election=election, doc_no=APPROVAL_DOC, by=r),
        "return": lambda: svc.election_return(election=election, reason="理由", by=r),
        "meeting": lambda: svc.election_meeting_set(election=election, meeting=flow.meeting(), by=s),
        "round": lambda: svc.round_record(election=election, issued=10, returned=10, counts={}, by=s),
        "reduce": lambda: svc.seats_reduce(election=election, note="同意", by=s),
        "report": lambda: svc.result_report(election=election, positions={}, doc_no=REPORT_DOC, by=s),
        "confirm": lambda: svc.result_confirm(election=election, doc_no="镇委〔2026〕9号", by=r),
        "cancel": lambda: svc.election_cancel(election=election, reason="理由", by=s),
    }


@pytest.mark.parametrize(
    "step",
    ["edit", "request", "approve", "return", "meeting", "round", "reduce", "report", "confirm", "cancel"],
)
def test_nothing_after_cancelled(flow, step):
    election = flow.approve()
    election = svc.election_cancel(election=election, reason="组织调整", by=flow.secretary)
    call = _every_step(flow, election)[step]
    if step == "meeting":
        meeting = flow.meeting()
        call = lambda: svc.election_meeting_set(election=election, meeting=meeting, by=flow.secretary)  # noqa: E731
    refused(call, election, "本次换届选举已撤销。")


@pytest.mark.parametrize(
    "step",
    ["edit", "request", "approve", "return", "meeting", "round", "reduce", "report", "confirm", "cancel"],
)
def test_nothing_after_confirmed(flow, step):
    election = flow.report()
    svc.result_confirm(election=election, doc_no="镇委〔2026〕9号", by=flow.reviewer)
    election.refresh_from_db()
    flow.secretary = fresh(flow.candidates()[0].member.user)  # the new 书记 holds the secretary grant now
    call = _every_step(flow, election)[step]
    if step == "meeting":
        meeting = flow.meeting(starts_at=local(2026, 11, 12))
        call = lambda: svc.election_meeting_set(election=election, meeting=meeting, by=flow.secretary)  # noqa: E731
    refused(call, election, "本次换届选举已经完成，不能再修改。")


def test_one_open_election_per_organisation(flow):
    election = flow.request()
    before = Election.objects.count()
    with pytest.raises(ValidationError) as exc:
        flow.draft()
    assert exc.value.messages == ["该组织已有一次正在进行的换届选举。"]
    assert Election.objects.count() == before
    assert Election.objects.get(pk=election.pk).status == "requested"


def test_no_election_for_a_party_group(tree, admin_user, ten):
    with pytest.raises(ValidationError):
        svc.election_start(
            organisation=tree["group"],
            seats=1,
            has_deputy=False,
            member_ids=[ten[0].pk, ten[1].pk],
            by=admin_user,
        )
    assert not Election.objects.exists()


@pytest.mark.parametrize("seats", [0, 16, True, "5", None])
def test_seats_must_be_one_to_fifteen(flow, seats):
    with pytest.raises(ValidationError) as exc:
        flow.draft(seats=seats, members=flow.members[:6])
    assert exc.value.message_dict == {"seats": ["委员名额应为1至15名。"]}
    assert not Election.objects.exists()


# ---------------------------------------------------------------- roles


def test_may_per_role(flow, secretary, reviewer, outsider, admin_user):
    election = flow.draft()
    assert svc.may(secretary, election, "request") and not svc.may(secretary, election, "approve")
    assert svc.may(reviewer, election, "approve") and not svc.may(reviewer, election, "request")
    assert not svc.may(outsider, election, "request") and not svc.may(outsider, election, "approve")
    assert all(svc.may(admin_user, election, step) for step in svc.STEPS)


def test_secretary_may_not_approve_their_own_election(flow):
    election = flow.request()
    denied(lambda: svc.election_approve(election=election, doc_no=APPROVAL_DOC, by=flow.secretary), election)


def test_secretary_may_not_approve_their_own_even_as_a_town_reviewer(flow, tree):
    election = flow.request()
    grant(flow.secretary, tree["town"], Role.REVIEWER)
    both = fresh(flow.secretary)
    assert not svc.may(both, election, "approve")
    for call in (
        lambda: svc.election_approve(election=election, doc_no=APPROVAL_DOC, by=both),
        lambda: svc.election_return(election=election, reason="自己退回", by=both),
    ):
        denied(call, election)


def test_secretary_may_not_confirm_their_own_result_even_as_a_town_reviewer(flow, tree):
    election = flow.report()
    grant(flow.secretary, tree["town"], Role.REVIEWER)
    denied(lambda: svc.result_confirm(election=election, doc_no="x", by=fresh(flow.secretary)), election)


def test_outsider_may_take_no_step(flow, outsider):
    election = flow.request()
    flow.secretary = flow.reviewer = outsider
    for step, call in _every_step(flow, election).items():
        if step == "meeting":
            continue  # the outsider cannot record our meeting; the step itself is covered below
        denied(call, election)
    with pytest.raises(PermissionDenied):
        svc.election_start(
            organisation=election.organisation, seats=1, has_deputy=False, member_ids=[], by=outsider
        )


def test_outsider_may_not_set_the_meeting(flow, outsider):
    election = flow.approve()
    meeting = flow.meeting()
    denied(lambda: svc.election_meeting_set(election=election, meeting=meeting, by=outsider), election)


def test_reviewer_of_the_sibling_committee_may_not_approve(flow, tree):
    election = flow.request()
    stranger = UserFactory(username="sibling_reviewer")
    grant(stranger, tree["sibling"], Role.REVIEWER)
    denied(lambda: svc.election_approve(election=election, doc_no=APPROVAL_DOC, by=stranger), election)
    denied(lambda: svc.election_return(election=election, reason="x", by=stranger), election)


def test_county_reviewer_above_may_approve(flow, tree):
    election = flow.request()
    county = UserFactory(username="county_reviewer")
    grant(county, tree["county"], Role.REVIEWER)
    assert svc.election_approve(election=election, doc_no=APPROVAL_DOC, by=county).status == "approved"


def test_member_role_may_take_no_step(flow, tree, ten):
    election = flow.request()
    member_user = UserFactory(username="member_user")
    grant(member_user, tree["branch"], Role.MEMBER)
    flow.secretary = flow.reviewer = member_user
    for step, call in _every_step(flow, election).items():
        if step != "meeting":
            denied(call, election)
    with pytest.raises(PermissionDenied):
        svc.election_start(
            organisation=tree["branch"],
            seats=1,
            has_deputy=False,
            member_ids=[ten[0].pk, ten[1].pk],
            by=member_user,
        )


def test_reviewer_takes_no_secretary_step(flow, tree, ten):
    election = flow.draft()
    for call in (
        lambda: svc.election_request(election=election, doc_no=REQUEST_DOC, by=flow.reviewer),
        lambda: svc.election_cancel(election=election, reason="x", by=flow.reviewer),
        lambda: svc.election_update(
            election=election, seats=1, has_deputy=False, member_ids=[ten[0].pk, ten[1].pk], by=flow.reviewer
        ),
    ):
        denied(call, election)
    with pytest.raises(PermissionDenied):
        svc.election_start(
            organisation=tree["other_branch"], seats=1, has_deputy=False, member_ids=[], by=flow.reviewer
        )


def test_a_role_check_comes_before_the_step_check(flow, outsider):
    election = flow.draft()  # approving a draft is also the wrong step: the role answers first
    denied(lambda: svc.election_approve(election=election, doc_no=APPROVAL_DOC, by=outsider), election)


# ---------------------------------------------------------------- candidates


@pytest.fixture
def strangers(tree, ten):
    """A probationary member, a member of the other branch, and a member who left."""
    probationary = make_member(tree["branch"], stage="probationary", name="预备党员甲")
    other = make_member(tree["other_branch"], name="西村党员乙")
    left = make_member(tree["branch"], name="已转出丙")
    member_leave(member=left, kind="transferred_out", on=dt.date(2026, 3, 1), reason="转往外地")
    return {"probationary": probationary, "other": other, "left": left}


@pytest.mark.parametrize("who", ["probationary", "other", "left"])
def test_ineligible_candidate_refused_at_start(flow, strangers, who):
    member = strangers[who]
    with pytest.raises(ValidationError) as exc:
        flow.draft(members=[*flow.members[:5], member])
    assert exc.value.message_dict == {"candidates": [f"{member.name}不是本组织的正式党员，不能作为候选人。"]}
    assert not Election.objects.exists()


@pytest.mark.parametrize("who", ["probationary", "other", "left"])
def test_ineligible_candidate_refused_at_update(flow, strangers, who):
    election = flow.draft()
    refused(
        lambda: svc.election_update(
            election=election,
            seats=5,
            has_deputy=False,
            member_ids=[*(m.pk for m in flow.members[:5]), strangers[who].pk],
            by=flow.secretary,
        ),
        election,
    )


def test_eligible_members_are_the_active_full_members(flow, strangers, ten, tree):
    assert set(svc.eligible_members(tree["branch"])) == set(ten)
    town = set(svc.eligible_members(tree["town"]))
    assert set(ten) | {strangers["other"]} <= town and strangers["left"] not in town


def test_a_candidate_who_left_after_the_draft_keeps_the_request_back(flow, ten):
    election = flow.draft()
    member_leave(member=ten[2], kind="transferred_out", on=dt.date(2026, 9, 1), reason="转往外地")
    errors = svc.candidate_errors(election)
    assert errors == [f"{ten[2].name}不是本组织的正式党员，不能作为候选人。"]
    refused(
        lambda: svc.election_request(election=election, doc_no=REQUEST_DOC, by=flow.secretary),
        election,
        errors[0],
    )


@pytest.mark.parametrize(("seats", "have", "needed"), [(5, 5, 6), (7, 8, 9), (1, 1, 2)])
def test_too_few_candidates_keeps_the_request_back(
    tree, secretary, reviewer, ten, record_meeting, seats, have, needed
):
    members = ten + [make_member(tree["branch"]) for _ in range(max(0, have - len(ten)))]
    flow = Flow(tree["branch"], secretary, reviewer, members, record_meeting)
    election = flow.draft(seats=seats, members=members[:have])
    message = f"委员名额{seats}名，差额选举的候选人应不少于{needed}名（多于名额20%），现有{have}名。"
    assert svc.candidate_errors(election) == [message]
    refused(
        lambda: svc.election_request(election=election, doc_no=REQUEST_DOC, by=flow.secretary),
        election,
        message,
    )


@pytest.mark.parametrize(("seats", "have"), [(5, 6), (7, 9), (1, 2)])
def test_enough_candidates(flow, seats, have):
    flow.members = flow.members[:have]
    election = flow.draft(seats=seats, members=flow.members)
    assert svc.candidate_errors(election) == []


# ---------------------------------------------------------------- the election meeting


def test_the_meeting_must_be_submitted(flow):
    election = flow.approve()
    draft = flow.meeting(submit=False)
    refused(
        lambda: svc.election_meeting_set(election=election, meeting=draft, by=flow.secretary),
        election,
        "请先提交该党员大会的会议记录（含出勤）。",
    )


def test_the_meeting_must_be_a_general_meeting(flow):
    election = flow.approve()
    theme_day = flow.meeting(code="theme_day")
    refused(
        lambda: svc.election_meeting_set(election=election, meeting=theme_day, by=flow.secretary),
        election,
        "选举大会应是本组织的党员大会。",
    )


def test_the_meeting_must_be_of_the_organisation(flow, tree):
    make_member(tree["other_branch"])
    election = flow.approve()
    theirs = flow.meeting(org=tree["other_branch"])
    refused(
        lambda: svc.election_meeting_set(election=election, meeting=theirs, by=flow.secretary),
        election,
        "选举大会应是本组织的党员大会。",
    )


def test_the_meeting_must_follow_the_approval(flow):
    election = flow.approve()
    before = flow.meeting(starts_at=local(2026, 10, 8, 20))
    refused(
        lambda: svc.election_meeting_set(election=election, meeting=before, by=flow.secretary),
        election,
        "选举大会应在上级批复之后召开。",
    )


def test_a_meeting_on_the_day_of_the_approval_is_fine(flow):
    election = flow.approve()
    same_day = flow.meeting(starts_at=local(2026, 10, 9, 8))  # earlier that day: the day counts
    election = svc.election_meeting_set(election=election, meeting=same_day, by=flow.secretary)
    assert election.meeting == same_day


def test_the_meeting_may_change_until_the_first_round(flow, ten):
    election = flow.meet()
    other = flow.meeting(starts_at=local(2026, 11, 11), absent=ten[9:])
    election = svc.election_meeting_set(election=election, meeting=other, by=flow.secretary)
    assert (election.meeting, election.present) == (other, 9)
    flow.election = election
    flow.vote([9, 9, 3, 3, 3, 3])  # two elected, further election needed
    third = flow.meeting(starts_at=local(2026, 11, 12))
    refused(
        lambda: svc.election_meeting_set(election=election, meeting=third, by=flow.secretary),
        election,
        "已经录入计票结果，不能更换选举大会。",
    )


def test_a_meeting_used_by_another_election_is_refused(flow):
    first = flow.meet()
    meeting = first.meeting
    svc.election_cancel(election=first, reason="重新请示", by=flow.secretary)
    second = flow.approve()
    refused(lambda: svc.election_meeting_set(election=second, meeting=meeting, by=flow.secretary), second)


@pytest.mark.parametrize(("absent", "ok"), [(3, False), (2, True)])
def test_four_fifths_must_attend(flow, ten, absent, ok):
    election = flow.meet(absent=ten[10 - absent :])
    assert election.present == 10 - absent
    if ok:
        assert svc.quorum_error(election) is None
        flow.vote([10 - absent] * 5 + [0])
        assert Election.objects.get(pk=election.pk).status == "held"
        return
    message = "应到会有选举权党员10人，实到7人，不足五分之四（至少8人），选举无效，不能投票。"
    assert svc.quorum_error(election) == message
    refused(lambda: flow.vote([7, 7, 7, 7, 7, 0]), election, message)


def test_entitled_leaves_out_probationary_members(flow, tree):
    make_member(tree["branch"], stage="probationary")
    election = flow.meet()
    assert (election.entitled, election.present) == (10, 10)


# ---------------------------------------------------------------- ballot rounds


def test_first_round_elects_the_seats_and_the_election_is_held(flow):
    election = flow.meet()
    kind, seats, standing = svc.next_round(election)
    assert (kind, seats, standing) == (RoundKind.FIRST, 5, flow.candidates())
    ballot = flow.vote([10, 9, 8, 7, 6, 3])
    assert (ballot.number, ballot.kind, ballot.seats, ballot.issued, ballot.returned, ballot.void) == (
        1,
        "first",
        5,
        10,
        10,
        False,
    )
    assert [c.elected for c in flow.candidates()] == [True] * 5 + [False]
    assert [bc.elected for bc in ballot.counts.order_by("candidate__order")] == [True] * 5 + [False]
    assert flow.election.status == "held"
    assert svc.next_round(flow.election) is None
    assert flow.election.events.order_by("-pk").first().note == "第1轮投票后委员名额已全部选出"


def test_exactly_half_is_not_elected(flow):
    flow.meet()
    flow.vote([10, 9, 8, 7, 5, 5])  # 5 of 10 entitled is not more than half
    assert [c.elected for c in flow.candidates()] == [True] * 4 + [False, False]
    assert flow.election.status == "approved"


def test_every_standing_candidate_needs_counts(flow):
    election = flow.meet()
    first = flow.candidates()
    refused(
        lambda: svc.round_record(
            election=election,
            issued=10,
            returned=10,
            counts={c.pk: (6, 4, 0) for c in first[:5]},
            by=flow.secretary,
        ),
        election,
        "请为本轮的每一位候选人录入得票。",
    )


def test_more_ballots_issued_than_present(flow, ten):
    election = flow.meet(absent=ten[9:])
    error = refused(lambda: flow.vote([9, 9, 9, 9, 9, 0], issued=10), election)
    assert error.message_dict == {"issued": ["发出选票不能多于实到会有选举权党员9人。"]}


def test_more_marks_than_ballots_returned(flow):
    election = flow.meet()
    counts = {c.pk: (6, 4, 0) for c in flow.candidates()}
    counts[flow.candidates()[0].pk] = (6, 4, 1)
    refused(
        lambda: svc.round_record(election=election, issued=10, returned=10, counts=counts, by=flow.secretary),
        election,
        "得票数不合理：每位候选人的赞成、不赞成、弃权票之和不能超过收回的选票。",
    )


def test_a_tie_at_the_last_seat_goes_to_a_runoff_between_the_tied(flow):
    flow.meet()
    c = flow.candidates()
    flow.vote([10, 9, 8, 8, 7, 7])  # six pass, five seats: c[4] and c[5] tie at the last one
    assert [x.elected for x in flow.candidates()] == [True] * 4 + [False, False]
    assert flow.election.status == "approved"
    assert flow.election.events.order_by("-pk").first().note == "第1轮：4人当选，得票相等的2人需再次投票"
    kind, seats, standing = svc.next_round(flow.election)
    assert (kind, seats, [x.pk for x in standing]) == (RoundKind.RUNOFF, 1, [c[4].pk, c[5].pk])
    # Only the tied may be counted.
    election = flow.election
    refused(lambda: flow.vote([7, 6, 3, 3, 3, 3]), election, "请为本轮的每一位候选人录入得票。")
    # Tied again: another runoff.
    flow.vote([6, 6], candidates=standing)
    assert svc.next_round(flow.election)[:2] == (RoundKind.RUNOFF, 1)
    ballot = flow.vote([7, 3], candidates=standing)
    assert (ballot.number, ballot.kind, ballot.seats) == (3, "runoff", 1)
    assert [x.elected for x in flow.candidates()] == [True] * 5 + [False]
    assert flow.election.status == "held"


def test_a_further_election_for_the_missing_seats_among_the_remaining(flow):
    flow.meet()
    c = flow.candidates()
    flow.vote([10, 9, 8, 5, 4, 3])  # three elected, two missing
    assert flow.election.events.order_by("-pk").first().note == "第1轮：3人当选，尚缺2名，需另行选举"
    kind, seats, standing = svc.next_round(flow.election)
    assert (kind, seats, [x.pk for x in standing]) == (RoundKind.FURTHER, 2, [x.pk for x in c[3:]])
    ballot = flow.vote([7, 6, 2], candidates=standing)
    assert (ballot.kind, ballot.seats) == ("further", 2)
    assert [x.elected for x in flow.candidates()] == [True, True, True, True, True, False]
    assert flow.election.status == "held"


def test_a_further_election_that_ties_goes_to_a_runoff(flow):
    flow.meet()
    c = flow.candidates()
    flow.vote([10, 9, 8, 7, 4, 3])  # four elected, one missing
    _, _, standing = svc.next_round(flow.election)
    assert [x.pk for x in standing] == [c[4].pk, c[5].pk]
    flow.vote([7, 7], candidates=standing)
    kind, seats, tied = svc.next_round(flow.election)
    assert (kind, seats, [x.pk for x in tied]) == (RoundKind.RUNOFF, 1, [c[4].pk, c[5].pk])


def test_a_void_round_is_repeated(flow):
    flow.meet()
    ballot = flow.vote([10, 9, 8, 7, 6, 3], issued=9, returned=10)
    assert ballot.void and ballot.note == "收回选票多于发出选票，本轮选举无效。"
    assert not any(x.elected for x in flow.candidates())
    assert not ballot.counts.filter(elected=True).exists()
    assert flow.election.status == "approved"
    assert flow.election.events.order_by("-pk").first().note == "第1轮：收回选票多于发出选票，本轮选举无效。"
    assert svc.next_round(flow.election) == (RoundKind.FIRST, 5, flow.candidates())
    again = flow.vote([10, 9, 8, 7, 6, 3])
    assert (again.number, again.kind, again.void) == (2, "first", False)
    assert flow.election.status == "held"


def test_a_void_runoff_is_repeated_between_the_same(flow):
    flow.meet()
    c = flow.candidates()
    flow.vote([10, 9, 8, 8, 7, 7])
    _, _, tied = svc.next_round(flow.election)
    flow.vote([7, 3], candidates=tied, issued=9, returned=10)
    kind, seats, standing = svc.next_round(flow.election)
    assert (kind, seats, [x.pk for x in standing]) == (RoundKind.RUNOFF, 1, [c[4].pk, c[5].pk])


def test_no_round_once_every_seat_is_filled(flow):
    election = flow.held()
    refused(lambda: flow.vote([10, 9, 8, 7, 6, 3]), election, svc.step_error("round", "held"))


def test_seats_reduce_to_those_elected(flow):
    flow.meet()
    flow.vote([10, 9, 8, 7, 4, 3])  # four of five
    election = svc.seats_reduce(election=flow.election, note="经选举人过半数同意", by=flow.secretary)
    assert election.status == "held" and election.seats == 4
    event = election.events.get(action="reduce")
    assert event.note == "委员名额由5名减为4名。经选举人过半数同意"
    assert svc.next_round(election) is None


def test_seats_reduce_needs_a_note_and_someone_elected(flow):
    election = flow.meet()
    refused(
        lambda: svc.seats_reduce(election=election, note="同意", by=flow.secretary),
        election,
        "只有已选出部分委员、仍有空缺时才能减少名额。",
    )
    flow.vote([10, 9, 8, 7, 4, 3])
    election = flow.election
    refused(
        lambda: svc.seats_reduce(election=election, note="  ", by=flow.secretary),
        election,
        "请说明经选举人同意减少名额的情况。",
    )


def test_seats_reduce_is_a_secretary_step(flow, reviewer):
    flow.meet()
    flow.vote([10, 9, 8, 7, 4, 3])
    election = flow.election
    denied(lambda: svc.seats_reduce(election=election, note="同意", by=reviewer), election)


# ---------------------------------------------------------------- the result report


def _positions(flow, values):
    elected = [c for c in flow.candidates() if c.elected]
    return dict(zip([c.pk for c in elected], values, strict=True))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (["organisation", "propaganda", "discipline", "other", "other"], "新一届班子应有且只有一名书记。"),
        (["secretary", "secretary", "discipline", "other", "other"], "新一届班子应有且只有一名书记。"),
        (["secretary", "deputy", "discipline", "other", "other"], "批复的班子不设副书记。"),
        (["secretary", "chairman", "discipline", "other", "other"], "分工不正确。"),
    ],
)
def test_report_needs_exactly_one_secretary_and_no_deputy_unless_planned(flow, values, message):
    election = flow.held()
    refused(
        lambda: svc.result_report(
            election=election, positions=_positions(flow, values), doc_no=REPORT_DOC, by=flow.secretary
        ),
        election,
        message,
    )


def test_report_with_a_planned_deputy(flow):
    election = flow.held(has_deputy=True)
    two = _positions(flow, ["secretary", "deputy", "deputy", "other", "other"])
    refused(
        lambda: svc.result_report(election=election, positions=two, doc_no=REPORT_DOC, by=flow.secretary),
        election,
        "副书记只能有一名。",
    )
    one = _positions(flow, ["secretary", "deputy", "organisation", "other", "other"])
    election = svc.result_report(election=election, positions=one, doc_no=REPORT_DOC, by=flow.secretary)
    assert election.status == "reported"
    assert sorted(election.candidates.filter(elected=True).values_list("position", flat=True)) == sorted(
        one.values()
    )


def test_report_needs_a_position_for_every_elected_and_nobody_else(flow):
    election = flow.held()
    elected = [c for c in flow.candidates() if c.elected]
    loser = next(c for c in flow.candidates() if not c.elected)
    short = {c.pk: "other" for c in elected[1:]} | {elected[0].pk: "secretary"}
    short.pop(elected[4].pk)
    extra = {c.pk: "other" for c in elected[1:]} | {elected[0].pk: "secretary", loser.pk: "other"}
    for positions in (short, extra):
        refused(
            lambda p=positions: svc.result_report(
                election=election, positions=p, doc_no=REPORT_DOC, by=flow.secretary
            ),
            election,
            "请为每一位当选委员确定分工。",
        )


def test_report_needs_a_document_number(flow):
    election = flow.held()
    positions = _positions(flow, ["secretary", "organisation", "propaganda", "discipline", "other"])
    error = refused(
        lambda: svc.result_report(election=election, positions=positions, doc_no="", by=flow.secretary),
        election,
    )
    assert error.message_dict == {"doc_no": ["请填写结果报告文号。"]}


def test_report_goes_to_the_reviewers(flow, reviewer):
    flow.report()
    assert Notice.objects.filter(recipient=reviewer, title="东村党支部：换届选举结果待批准").count() == 1


def test_an_organ_branch_elects_too(tree, reviewer, kinds, record_meeting):
    organ = make_org(tree["town"], name="镇机关党支部", code="C1B3", sector="organ")
    make_term(organ, elected_on=dt.date(2023, 11, 1))
    boss = UserFactory(username="organ_secretary")
    grant(boss, organ, Role.SECRETARY)
    members = [make_member(organ) for _ in range(5)]
    flow = Flow(organ, boss, reviewer, members, record_meeting)
    flow.meet(seats=3, members=members[:4])
    flow.vote([5, 4, 3, 1])
    assert flow.election.status == "held"
