"""换届选举, step by step (DOMAIN §1): one state machine, every write here.

起草请示 → 已请示 (request with seats and candidates, each checked: a 正式党员 of the organisation)
→ 已批复 (a reviewer of the committee above, with the changes noted) → 选举大会 (a submitted general
meeting: attendance decides 应到/实到, four fifths needed) → ballot rounds (tally, runoff for a tie at the
last seat, further election for missing seats) → 已报告结果 (positions: exactly one 书记) → 已批准:
the old term ends, the new one opens (number + 1), appointments from the result, the secretary grant
follows the new 书记, notices to both and to the reviewers above — in one transaction.

Each step records an ElectionEvent with who, when, the document number and the note. A wrong role raises
PermissionDenied (the view answers 404); a wrong step or bad input a ValidationError with the reason.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from branches import access, audit
from branches import selectors as branch_selectors
from branches import services as branch_services
from branches.models import Grant, NoticeKind, Organisation, Role, TermStatusChoice
from members.models import Appointment, Member, MemberStatus, Position, Stage

from .. import elections as rules
from .. import rules as meeting_rules
from .. import signals
from ..models import (
    OPEN_STATUSES,
    BallotCount,
    BallotRound,
    Candidate,
    Election,
    ElectionEvent,
    ElectionStatus,
    Meeting,
    MeetingStatus,
    RoundKind,
)
from .votes import meeting_voters

MAX_SEATS = 15
DOC_MAX = 60

STEP_NAMES = {
    "request": "报送请示",
    "approve": "批复",
    "return": "退回",
    "meeting": "确定选举大会",
    "round": "录入计票结果",
    "report": "报告选举结果",
    "confirm": "批准选举结果",
    "cancel": "撤销",
}
# step → (statuses it may start from, role)
STEPS = {
    "edit": (("draft",), "secretary"),
    "request": (("draft",), "secretary"),
    "approve": (("requested",), "reviewer"),
    "return": (("requested", "reported"), "reviewer"),
    "meeting": (("approved",), "secretary"),
    "round": (("approved",), "secretary"),
    "report": (("held",), "secretary"),
    "confirm": (("reported",), "reviewer"),
    "cancel": (("draft", "requested", "approved"), "secretary"),
}


def step_error(step: str, status: str) -> str | None:
    allowed, _ = STEPS[step]
    if status in allowed:
        return None
    if status == ElectionStatus.CONFIRMED:
        return "本次换届选举已经完成，不能再修改。"
    if status == ElectionStatus.CANCELLED:
        return "本次换届选举已撤销。"
    where = "、".join(ElectionStatus(s).label for s in allowed)
    return (
        f"当前环节为“{ElectionStatus(status).label}”，只有在“{where}”时才能{STEP_NAMES.get(step, '修改')}。"
    )


def may(user, election: Election, step: str) -> bool:
    """May ``user`` take ``step`` on this election (the role only; the stage is step_error's)."""
    _, role = STEPS[step]
    if role == "secretary":
        return access.can_record(user, election.organisation)
    return access.can_assess(user, election.organisation)


def _require(user, organisation: Organisation, role: str) -> None:
    allowed = access.can_record if role == "secretary" else access.can_assess
    if not allowed(user, organisation):
        raise PermissionDenied


def _step(user, election: Election, step: str) -> Election:
    _, role = STEPS[step]
    _require(user, election.organisation, role)
    election = (
        Election.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=election.pk)
    )
    error = step_error(step, election.status)
    if error:
        raise ValidationError(error)
    return election


def _event(election: Election, *, action: str, from_status: str, doc_no: str = "", note: str = "", by=None):
    ElectionEvent.objects.create(
        election=election,
        action=action,
        from_status=from_status,
        to_status=election.status,
        doc_no=doc_no,
        note=note,
        by=by,
    )


def _move(election: Election, status: str, *, action: str, doc_no: str = "", note: str = "", by=None) -> None:
    from_status, election.status = election.status, status
    election.version += 1
    election.save()
    _event(election, action=action, from_status=from_status, doc_no=doc_no, note=note, by=by)


def _doc(value: str, field: str, label: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: f"请填写{label}。"})
    if len(value) > DOC_MAX:
        raise ValidationError({field: f"{label}不能超过{DOC_MAX}个字。"})
    return value


def _text(value: str, field: str, *, required: str = "", limit: int = 2000) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: required})
    if len(value) > limit:
        raise ValidationError({field: f"不能超过{limit}个字。"})
    return value


# ---------------------------------------------------------------- the request


def eligible_members(organisation: Organisation):
    """Who may stand: the organisation's active 正式党员 (a branch's own; a committee's subtree)."""
    members = Member.objects.filter(status=MemberStatus.ACTIVE, stage=Stage.FULL)
    if organisation.is_branch:
        return members.filter(organisation=organisation)
    return members.filter(organisation__path__startswith=organisation.path)


def candidate_errors(election: Election) -> list[str]:
    """What keeps the candidate list from going to the committee above."""
    errors = []
    candidates = list(election.candidates.select_related("member"))
    eligible = set(
        eligible_members(election.organisation)
        .filter(pk__in=[c.member_id for c in candidates])
        .values_list("pk", flat=True)
    )
    for c in candidates:
        if c.member_id not in eligible:
            errors.append(f"{c.member.name}不是本组织的正式党员，不能作为候选人。")
    needed = rules.min_candidates(election.seats)
    if len(candidates) < needed:
        errors.append(
            f"委员名额{election.seats}名，差额选举的候选人应不少于{needed}名（多于名额20%），现有{len(candidates)}名。"
        )
    return errors


def _seats(seats) -> int:
    if not isinstance(seats, int) or isinstance(seats, bool) or not 1 <= seats <= MAX_SEATS:
        raise ValidationError({"seats": f"委员名额应为1至{MAX_SEATS}名。"})
    return seats


def _set_candidates(election: Election, member_ids: list[int]) -> None:
    ids = list(dict.fromkeys(member_ids))
    found = set(eligible_members(election.organisation).filter(pk__in=ids).values_list("pk", flat=True))
    outsiders = [pk for pk in ids if pk not in found]
    if outsiders:
        names = (
            ", ".join(Member.objects.filter(pk__in=outsiders).values_list("name", flat=True)) or "所选人员"
        )
        raise ValidationError({"candidates": f"{names}不是本组织的正式党员，不能作为候选人。"})
    election.candidates.all().delete()
    Candidate.objects.bulk_create(
        Candidate(election=election, member_id=pk, order=n) for n, pk in enumerate(ids, 1)
    )


@transaction.atomic
def election_start(
    *, organisation: Organisation, seats: int, has_deputy: bool, member_ids: list[int], note: str = "", by
) -> Election:
    """A draft request (起草请示) for the organisation's next committee."""
    _require(by, organisation, "secretary")
    if not organisation.is_active or organisation.kind == "party_group":
        raise ValidationError("该组织不能发起换届选举。")
    if Election.objects.filter(organisation=organisation, status__in=OPEN_STATUSES).exists():
        raise ValidationError("该组织已有一次正在进行的换届选举。")
    old_term = organisation.terms.filter(status=TermStatusChoice.CURRENT).first()
    election = Election.objects.create(
        organisation=organisation,
        old_term=old_term,
        seats=_seats(seats),
        has_deputy=bool(has_deputy),
        request_note=_text(note, "note"),
        created_by=by,
    )
    _set_candidates(election, member_ids)
    _event(election, action="start", from_status="", note="起草换届请示", by=by)
    return election


@transaction.atomic
def election_update(
    *, election: Election, seats: int, has_deputy: bool, member_ids: list[int], note: str = "", by
) -> Election:
    election = _step(by, election, "edit")
    election.seats, election.has_deputy = _seats(seats), bool(has_deputy)
    election.request_note = _text(note, "note")
    election.version += 1
    election.save()
    _set_candidates(election, member_ids)
    return election


@transaction.atomic
def election_request(*, election: Election, doc_no: str, by) -> Election:
    """报送请示: the size of the committee and the candidates, each checked."""
    election = _step(by, election, "request")
    doc_no = _doc(doc_no, "doc_no", "请示文号")
    errors = candidate_errors(election)
    if errors:
        raise ValidationError(errors)
    election.request_doc_no, election.return_reason = doc_no, ""
    _move(
        election, ElectionStatus.REQUESTED, action="request", doc_no=doc_no, note=election.request_note, by=by
    )
    _notify_reviewers(
        election,
        key=f"election-request-{election.pk}-{election.version}",
        title="换届选举请示待批复",
        body=doc_no,
    )
    return election


@transaction.atomic
def election_approve(
    *, election: Election, doc_no: str, note: str = "", seats: int | None = None, by
) -> Election:
    """批复 by a reviewer of the committee above; a changed number of seats is noted and checked again."""
    election = _step(by, election, "approve")
    doc_no = _doc(doc_no, "doc_no", "批复文号")
    note = _text(note, "note")
    if seats is not None and seats != election.seats:
        note = f"委员名额由{election.seats}名调整为{_seats(seats)}名。{note}".strip()
        election.seats = seats
        errors = candidate_errors(election)
        if errors:
            raise ValidationError(errors)
    election.approval_doc_no, election.approval_note = doc_no, note
    _move(election, ElectionStatus.APPROVED, action="approve", doc_no=doc_no, note=note, by=by)
    _notify_secretaries(
        election, key=f"election-approved-{election.pk}", title="换届选举请示已批复", body=doc_no
    )
    return election


@transaction.atomic
def election_return(*, election: Election, reason: str, by) -> Election:
    """A reviewer returns the request (to the draft) or the result report (to the tally) with a reason."""
    election = _step(by, election, "return")
    reason = _text(reason, "reason", required="退回须说明理由。")
    back = ElectionStatus.DRAFT if election.status == ElectionStatus.REQUESTED else ElectionStatus.HELD
    election.return_reason = reason
    _move(election, back, action="return", note=reason, by=by)
    _notify_secretaries(
        election,
        key=f"election-return-{election.pk}-{election.version}",
        title="换届选举材料被退回",
        body=reason,
    )
    return election


@transaction.atomic
def election_cancel(*, election: Election, reason: str, by) -> Election:
    election = _step(by, election, "cancel")
    reason = _text(reason, "reason", required="撤销须说明理由。")
    _move(election, ElectionStatus.CANCELLED, action="cancel", note=reason, by=by)
    return election


# ---------------------------------------------------------------- the election meeting and the ballots


@transaction.atomic
def election_meeting_set(*, election: Election, meeting: Meeting, by) -> Election:
    """The 选举大会: a submitted general meeting of the organisation; 应到/实到 come from its attendance."""
    election = _step(by, election, "meeting")
    if election.rounds.exists():
        raise ValidationError("已经录入计票结果，不能更换选举大会。")
    if meeting.organisation_id != election.organisation_id or not meeting.kind.allows_votes:
        raise ValidationError({"meeting": "选举大会应是本组织的党员大会。"})
    if meeting.status != MeetingStatus.SUBMITTED:
        raise ValidationError({"meeting": "请先提交该党员大会的会议记录（含出勤）。"})
    if Election.objects.filter(meeting=meeting).exclude(pk=election.pk).exists():
        raise ValidationError({"meeting": "该党员大会已用作另一次换届选举的选举大会。"})
    approved = election.events.filter(action="approve").order_by("-at").values_list("at", flat=True).first()
    if approved and meeting_rules.local_day(meeting.starts_at) < timezone.localtime(approved).date():
        raise ValidationError({"meeting": "选举大会应在上级批复之后召开。"})
    eligible, present, _ = meeting_voters(meeting)
    election.meeting, election.entitled, election.present = meeting, len(eligible), len(present)
    election.version += 1
    election.save()
    _event(
        election,
        action="meeting",
        from_status=election.status,
        note=f"应到会有选举权党员{len(eligible)}人，实到{len(present)}人",
        by=by,
    )
    return election


def quorum_error(election: Election) -> str | None:
    if election.meeting_id is None or election.entitled is None:
        return "请先确定选举大会（已提交的党员大会记录）。"
    if not rules.quorum_met(election.entitled, election.present):
        return (
            f"应到会有选举权党员{election.entitled}人，实到{election.present}人，不足五分之四"
            f"（至少{rules.quorum_needed(election.entitled)}人），选举无效，不能投票。"
        )
    return None


def next_round(election: Election) -> tuple[str, int, list[Candidate]] | None:
    """(kind, seats, candidates) of the ballot the election needs next; None when every seat is filled."""
    candidates = list(election.candidates.select_related("member"))
    elected = [c for c in candidates if c.elected]
    missing = election.seats - len(elected)
    if missing <= 0:
        return None
    last = election.rounds.order_by("-number").first()
    if last is None:
        return RoundKind.FIRST, election.seats, candidates
    counts = {bc.candidate_id: bc for bc in last.counts.all()}
    in_last = [c for c in candidates if c.pk in counts]
    if last.void:
        return last.kind, last.seats, in_last
    result = rules.tally(
        seats=last.seats,
        entitled=election.entitled,
        issued=last.issued,
        returned=last.returned,
        votes={c.pk: (counts[c.pk].yes, counts[c.pk].no, counts[c.pk].abstain) for c in in_last},
    )
    if result.runoff:
        return RoundKind.RUNOFF, missing, [c for c in candidates if c.pk in result.runoff]
    return RoundKind.FURTHER, missing, [c for c in candidates if not c.elected]


@transaction.atomic
def round_record(
    *, election: Election, issued: int, returned: int, counts: dict[int, tuple[int, int, int]], by
):
    """One ballot round's count: who is elected, a runoff for a tie at the last seat, or seats missing."""
    election = _step(by, election, "round")
    error = quorum_error(election)
    if error:
        raise ValidationError(error)
    planned = next_round(election)
    if planned is None:
        raise ValidationError("委员名额已全部选出。")
    kind, seats, standing = planned
    if set(counts) != {c.pk for c in standing}:
        raise ValidationError("请为本轮的每一位候选人录入得票。")
    if issued > election.present:
        raise ValidationError({"issued": f"发出选票不能多于实到会有选举权党员{election.present}人。"})
    try:
        result = rules.tally(
            seats=seats, entitled=election.entitled, issued=issued, returned=returned, votes=counts
        )
    except ValueError:
        raise ValidationError(
            "得票数不合理：每位候选人的赞成、不赞成、弃权票之和不能超过收回的选票。"
        ) from None
    number = (election.rounds.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    ballot = BallotRound.objects.create(
        election=election,
        number=number,
        kind=kind,
        seats=seats,
        issued=issued,
        returned=returned,
        void=result.void,
        note=result.reason,
        recorded_by=by,
    )
    BallotCount.objects.bulk_create(
        BallotCount(round=ballot, candidate_id=pk, yes=y, no=n, abstain=a, elected=pk in result.elected)
        for pk, (y, n, a) in counts.items()
    )
    if result.elected:
        Candidate.objects.filter(pk__in=result.elected).update(elected=True)
    if next_round(election) is None:
        _move(
            election, ElectionStatus.HELD, action="round", note=f"第{number}轮投票后委员名额已全部选出", by=by
        )
    else:
        _event(election, action="round", from_status=election.status, note=_round_note(number, result), by=by)
    return ballot


@transaction.atomic
def seats_reduce(*, election: Election, note: str, by) -> Election:
    """Too few elected, close to the number: the seats shrink to those elected, with the voters' consent."""
    election = _step(by, election, "round")
    note = _text(note, "note", required="请说明经选举人同意减少名额的情况。")
    elected = election.candidates.filter(elected=True).count()
    if elected == 0 or elected >= election.seats:
        raise ValidationError("只有已选出部分委员、仍有空缺时才能减少名额。")
    before, election.seats = election.seats, elected
    _move(
        election,
        ElectionStatus.HELD,
        action="reduce",
        note=f"委员名额由{before}名减为{elected}名。{note}",
        by=by,
    )
    return election


def _round_note(number: int, result: rules.Tally) -> str:
    if result.void:
        return f"第{number}轮：{result.reason}"
    if result.runoff:
        return f"第{number}轮：{len(result.elected)}人当选，得票相等的{len(result.runoff)}人需再次投票"
    return f"第{number}轮：{len(result.elected)}人当选，尚缺{result.missing}名，需另行选举"


# ---------------------------------------------------------------- the result


@transaction.atomic
def result_report(*, election: Election, positions: dict[int, str], doc_no: str, by) -> Election:
    """报告选举结果 with the new committee's division of work: exactly one 书记, a 副书记 only if planned."""
    election = _step(by, election, "report")
    doc_no = _doc(doc_no, "doc_no", "结果报告文号")
    elected = {c.pk: c for c in election.candidates.filter(elected=True)}
    if set(positions) != set(elected):
        raise ValidationError("请为每一位当选委员确定分工。")
    if any(p not in Position.values for p in positions.values()):
        raise ValidationError("分工不正确。")
    values = list(positions.values())
    if values.count(Position.SECRETARY) != 1:
        raise ValidationError("新一届班子应有且只有一名书记。")
    if values.count(Position.DEPUTY) > (1 if election.has_deputy else 0):
        raise ValidationError("批复的班子不设副书记。" if not election.has_deputy else "副书记只能有一名。")
    for pk, position in positions.items():
        Candidate.objects.filter(pk=pk).update(position=position)
    election.report_doc_no = doc_no
    _move(election, ElectionStatus.REPORTED, action="report", doc_no=doc_no, by=by)
    signals.election_reported.send(sender=Election, election=election, by=by)
    _notify_reviewers(
        election,
        key=f"election-report-{election.pk}-{election.version}",
        title="换届选举结果待批准",
        body=doc_no,
    )
    return election


@transaction.atomic
def result_confirm(*, election: Election, doc_no: str, by, today: dt.date | None = None) -> dict:
    """批准: the new term opens, appointments follow the result, the secretary grant follows the new 书记.

    Returns {"term", "secretary_user", "new_account_password" (or ""), "revoked" (users)}.
    """
    election = _step(by, election, "confirm")
    doc_no = _doc(doc_no, "doc_no", "批准文号")
    org = election.organisation
    elected_ids = list(election.candidates.filter(elected=True).values_list("member_id", flat=True))
    still = set(eligible_members(org).filter(pk__in=elected_ids).values_list("pk", flat=True))
    gone = list(Member.objects.filter(pk__in=set(elected_ids) - still).values_list("name", flat=True))
    if gone:
        raise ValidationError(f"{'、'.join(gone)}已不是本组织在册的正式党员，请退回结果报告重新处理。")
    day = meeting_rules.local_day(election.meeting.starts_at)
    term = branch_services.term_open(organisation=org, elected_on=day)
    if election.old_term_id:
        Appointment.objects.filter(term_id=election.old_term_id, ended_on__isnull=True).update(ended_on=day)
    elected = list(election.candidates.filter(elected=True).select_related("member__user"))
    Appointment.objects.bulk_create(
        Appointment(term=term, member=c.member, position=c.position or Position.OTHER, appointed_on=day)
        for c in elected
    )
    secretary = next(c.member for c in elected if c.position == Position.SECRETARY)
    user, password = _account_for(secretary, org)
    keep = {user.pk} | {
        c.member.user_id for c in elected if c.position == Position.ORGANISATION and c.member.user_id
    }
    outgoing = list(
        Grant.objects.filter(organisation=org, role=Role.SECRETARY)
        .exclude(user_id__in=keep)
        .select_related("user")
    )
    Grant.objects.filter(pk__in=[g.pk for g in outgoing]).delete()
    branch_services.grant_role(user=user, organisation=org, role=Role.SECRETARY)
    election.new_term, election.confirm_doc_no = term, doc_no
    _move(
        election,
        ElectionStatus.CONFIRMED,
        action="confirm",
        doc_no=doc_no,
        note=f"第{term.number}届班子就任",
        by=by,
    )
    title = f"{org.name}第{term.number}届班子已就任"
    body = f"书记：{secretary.name}；批准文号：{doc_no}"
    branch_services.notices_send(
        recipients=[user, *(g.user for g in outgoing)],
        key=f"election-confirmed-{election.pk}",
        kind=NoticeKind.GENERAL,
        title=title,
        body=body,
        organisation=org,
        link=election.get_absolute_url(),
    )
    _notify_reviewers(election, key=f"election-confirmed-{election.pk}", title=title, body=body)
    return {
        "term": term,
        "secretary_user": user,
        "new_account_password": password,
        "revoked": [g.user for g in outgoing],
    }


def _account_for(member: Member, org: Organisation):
    """The new 书记's login: their own account, or a new one with a one-time password for the reviewer."""
    if member.user_id:
        if not member.user.is_active:
            raise ValidationError(f"{member.name}的登录账号已停用，请先由管理员启用后再批准。")
        return member.user, ""
    User = get_user_model()
    base = username = f"sec_{org.code.lower()}_{member.pk}"
    n = 1
    while User.objects.filter(username=username).exists():  # an earlier account, since unlinked
        n += 1
        username = f"{base}_{n}"
    password = secrets.token_urlsafe(9)
    user = User.objects.create_user(username=username, password=password, first_name=member.name)
    Member.objects.filter(pk=member.pk).update(user=user)
    audit.changed(Member, [member.pk])
    return user, password


# ---------------------------------------------------------------- notices


def _reviewers_above(org: Organisation):
    return {g.user for g in branch_selectors.reviewer_grants_above(org)}


def _notify_reviewers(election: Election, *, key: str, title: str, body: str) -> None:
    branch_services.notices_send(
        recipients=_reviewers_above(election.organisation),
        key=key,
        kind=NoticeKind.GENERAL,
        title=f"{election.organisation.name}：{title}",
        body=body,
        organisation=election.organisation,
        link=election.get_absolute_url(),
    )


def _notify_secretaries(election: Election, *, key: str, title: str, body: str) -> None:
    users = [
        g.user
        for g in Grant.objects.filter(organisation=election.organisation, role=Role.SECRETARY).select_related(
            "user"
        )
        if g.user.is_active
    ]
    branch_services.notices_send(
        recipients=users,
        key=key,
        kind=NoticeKind.GENERAL,
        title=title,
        body=body,
        organisation=election.organisation,
        link=election.get_absolute_url(),
    )
