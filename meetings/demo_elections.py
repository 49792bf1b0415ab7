"""Demo elections, walked through the election services with the demo accounts.

- 新华村党支部 XQ0104: completed this year — request, approval, the election meeting (this year's latest
  general meeting that reached four fifths), one ballot round, result reported and approved: the sitting
  书记 re-elected (her login ``sec_xq0104`` is linked to her member record first, so she keeps the branch),
  a new term opened with its committee.
- 前进村党支部 XQ0103 (term overdue): request approved, waiting for its election meeting.
Idempotent: an organisation that already has an election is left alone.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from branches.models import Organisation, TermStatusChoice
from members.models import Appointment, Member, Position

from . import elections as rules
from . import rules as meeting_rules
from .models import Election, ElectionEvent, Meeting, MeetingStatus
from .services import elections as services
from .services.votes import meeting_voters

DONE, OPEN = "XQ0104", "XQ0103"
POSITIONS = [
    Position.SECRETARY,
    Position.ORGANISATION,
    Position.PROPAGANDA,
    Position.DISCIPLINE,
    Position.OTHER,
]


def _users():
    User = get_user_model()
    return {
        u.username: u for u in User.objects.filter(username__in=["reviewer_town", "sec_xq0103", "sec_xq0104"])
    }


def _sitting_secretary(org: Organisation) -> Member | None:
    appointment = (
        Appointment.objects.filter(
            term__organisation=org,
            term__status=TermStatusChoice.CURRENT,
            position=Position.SECRETARY,
            ended_on__isnull=True,
        )
        .select_related("member")
        .first()
    )
    return appointment.member if appointment else None


def _candidates(org: Organisation, seats: int, first: Member | None) -> list[int]:
    others = list(
        services.eligible_members(org)
        .exclude(pk=getattr(first, "pk", None))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    ids = ([first.pk] if first else []) + others
    return ids[: rules.min_candidates(seats)]


def _quorate_meeting(org: Organisation, today: dt.date) -> Meeting | None:
    meetings = Meeting.objects.filter(
        organisation=org,
        kind__code="general",
        status=MeetingStatus.SUBMITTED,
        starts_at__gte=meeting_rules.local_start(today.replace(month=1, day=1)),
    ).order_by("-starts_at")
    for meeting in meetings:
        eligible, present, _ = meeting_voters(meeting)
        if eligible and rules.quorum_met(len(eligible), len(present)):
            return meeting
    return None


def _completed(org: Organisation, users, today: dt.date) -> str:
    secretary_user, reviewer = users.get("sec_xq0104"), users.get("reviewer_town")
    meeting = _quorate_meeting(org, today)
    sitting = _sitting_secretary(org)
    if not (secretary_user and reviewer and meeting):
        return ""
    if (
        sitting is not None
        and sitting.user_id is None
        and not Member.objects.filter(user=secretary_user).exists()
    ):
        Member.objects.filter(pk=sitting.pk).update(user=secretary_user)
        sitting.user_id = secretary_user.pk
    seats = 5 if services.eligible_members(org).count() >= rules.min_candidates(5) else 3
    election = services.election_start(
        organisation=org,
        seats=seats,
        has_deputy=False,
        member_ids=_candidates(org, seats, sitting),
        note="本届支部委员会任期将满，拟按期换届，差额选举产生新一届支部委员会。",
        by=secretary_user,
    )
    election = services.election_request(
        election=election, doc_no=f"新华村支〔{today.year}〕3号", by=secretary_user
    )
    election = services.election_approve(
        election=election, doc_no=f"城关镇委〔{today.year}〕21号", note="同意按期换届。", by=reviewer
    )
    # The request and the approval came before the meeting.
    day = timezone.make_aware(dt.datetime.combine(meeting_rules.local_day(meeting.starts_at), dt.time(9)))
    ElectionEvent.objects.filter(election=election).update(at=day - dt.timedelta(days=20))
    election = services.election_meeting_set(election=election, meeting=meeting, by=secretary_user)
    standing = list(election.candidates.order_by("order"))
    need = rules.votes_to_win(election.entitled)
    counts = {}
    for n, candidate in enumerate(standing):
        yes = min(election.present, need + seats - n) if n < seats else max(0, need - 3)
        counts[candidate.pk] = (yes, election.present - yes, 0)
    services.round_record(
        election=election,
        issued=election.present,
        returned=election.present,
        counts=counts,
        by=secretary_user,
    )
    election.refresh_from_db()
    elected = list(election.candidates.filter(elected=True).order_by("order"))
    positions = {c.pk: POSITIONS[min(n, len(POSITIONS) - 1)] for n, c in enumerate(elected)}
    services.result_report(
        election=election, positions=positions, doc_no=f"新华村支〔{today.year}〕4号", by=secretary_user
    )
    services.result_confirm(election=election, doc_no=f"城关镇委〔{today.year}〕25号", by=reviewer)
    return f"{org.name}换届已完成"


def _in_progress(org: Organisation, users, today: dt.date) -> str:
    secretary_user, reviewer = users.get("sec_xq0103"), users.get("reviewer_town")
    if not (secretary_user and reviewer):
        return ""
    seats = 3
    election = services.election_start(
        organisation=org,
        seats=seats,
        has_deputy=False,
        member_ids=_candidates(org, seats, _sitting_secretary(org)),
        note="支部委员会已超期，申请尽快换届。",
        by=secretary_user,
    )
    election = services.election_request(
        election=election, doc_no=f"前进村支〔{today.year}〕5号", by=secretary_user
    )
    services.election_approve(
        election=election,
        doc_no=f"城关镇委〔{today.year}〕30号",
        note="同意换届，请于一个月内召开党员大会。",
        by=reviewer,
    )
    return f"{org.name}换届已批复，待召开选举大会"


def build(*, today: dt.date) -> str:
    users = _users()
    done = []
    for code, walk in ((DONE, _completed), (OPEN, _in_progress)):
        org = Organisation.objects.filter(code=code).first()
        if org is None or Election.objects.filter(organisation=org).exists():
            continue
        if said := walk(org, users, today):
            done.append(said)
    return "；".join(done)
