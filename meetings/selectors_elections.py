"""Reads of 换届选举, scoped through branches.access: a branch's secretary, a reviewer above, an admin.

A member's grant sees nothing here (``as_member=False``): the candidate list and the tally are the
committee's business until the result is announced at the meeting.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from branches import access
from branches import rules as branch_rules
from branches.models import Organisation, OrgKind, TermStatusChoice

from . import rules
from .models import (
    OPEN_STATUSES,
    BallotCount,
    BallotRound,
    Candidate,
    Election,
    ElectionEvent,
    Meeting,
    MeetingStatus,
)

CANDIDATE_FIELDS = (
    "id",
    "election_id",
    "member_id",
    "order",
    "note",
    "elected",
    "position",
    "member__id",
    "member__name",
    "member__gender",
    "member__birth_date",
    "member__education",
)


def _scope(user) -> QuerySet[Organisation]:
    return access.visible_organisations(user, as_member=False)


def get_election_org_or_404(user, pk) -> Organisation:
    """An organisation whose elections the user may see: a branch or a committee, never a party group."""
    try:
        org = _scope(user).exclude(kind=OrgKind.PARTY_GROUP).get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该组织，或您无权查看。") from None
    return org


def get_election_or_404(user, pk) -> Election:
    try:
        return (
            Election.objects.filter(organisation__in=_scope(user))
            .select_related("organisation", "meeting", "old_term", "new_term")
            .get(pk=pk)
        )
    except (Election.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该换届选举，或您无权查看。") from None


def elections_of(user, org: Organisation) -> QuerySet[Election]:
    """A branch: its elections, newest first. A committee: the open elections of its subtree in scope."""
    found = Election.objects.select_related("organisation", "meeting")
    if org.is_branch:
        return found.filter(organisation=org).order_by("-created_at", "-pk")
    return found.filter(
        organisation__path__startswith=org.path, organisation__in=_scope(user), status__in=OPEN_STATUSES
    ).order_by("organisation__path", "-created_at")


def open_election(org: Organisation) -> Election | None:
    return Election.objects.filter(organisation=org, status__in=OPEN_STATUSES).first()


@dataclass
class TermInfo:
    term: object | None
    status: str | None  # ok / due / overdue / None (no term recorded)

    @property
    def is_due(self) -> bool:
        return self.status in (branch_rules.TermStatus.DUE, branch_rules.TermStatus.OVERDUE)


def term_info(org: Organisation, today: dt.date) -> TermInfo:
    term = org.terms.filter(status=TermStatusChoice.CURRENT).first()
    return TermInfo(term, branch_rules.term_status(term.expires_on, today) if term else None)


@dataclass
class RoundView:
    round: BallotRound
    counts: list[BallotCount]
    elected: list[str]


@dataclass
class ElectionData:
    candidates: list[Candidate]
    elected: list[Candidate]
    rounds: list[RoundView]
    events: list[ElectionEvent]


def election_data(election: Election) -> ElectionData:
    """Candidates (name, gender, birth date, education — no ID numbers or phones), rounds with their
    counts and the events with who did them: three queries, however many rows."""
    candidates = list(
        Candidate.objects.filter(election=election).select_related("member").only(*CANDIDATE_FIELDS)
    )
    by_pk = {c.pk: c for c in candidates}
    rounds = list(
        BallotRound.objects.filter(election=election)
        .order_by("number")
        .prefetch_related(Prefetch("counts", queryset=BallotCount.objects.order_by("-yes", "pk")))
    )
    views = []
    for r in rounds:
        counts = list(r.counts.all())
        for bc in counts:
            bc.candidate = by_pk.get(bc.candidate_id)
        views.append(RoundView(r, counts, [bc.candidate.member.name for bc in counts if bc.elected]))
    events = list(
        ElectionEvent.objects.filter(election=election)
        .select_related("by")
        .only(
            "id",
            "action",
            "from_status",
            "to_status",
            "doc_no",
            "note",
            "at",
            "by__username",
            "by__first_name",
        )
    )
    return ElectionData(candidates, [c for c in candidates if c.elected], views, events)


def election_meetings(election: Election) -> QuerySet[Meeting]:
    """The organisation's submitted general meetings (党员大会) from the approval on: the 选举大会 choices."""
    meetings = Meeting.objects.filter(
        organisation=election.organisation, status=MeetingStatus.SUBMITTED, kind__allows_votes=True
    ).order_by("-starts_at")
    approved = election.events.filter(action="approve").order_by("-at").values_list("at", flat=True).first()
    if approved:
        meetings = meetings.filter(starts_at__gte=rules.local_start(rules.local_day(approved)))
    return meetings
