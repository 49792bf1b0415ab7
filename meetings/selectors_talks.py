"""Reads of 谈心谈话, 民主评议 and a member's own attendance, scoped like meetings/selectors.py."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from branches import access
from branches.models import Organisation
from branches.rules import BRANCH_KINDS
from members.models import Member

from . import rules
from .models import Appraisal, AppraisalResult, Attendance, Presence, Talk
from .selectors import get_meeting_org_or_404


def get_talk_branch_or_404(user, pk, *, record: bool = False) -> Organisation:
    """A branch whose talks and appraisals the user may read (keep, with ``record``): its secretary,
    a reviewer above it, an admin. Party groups, committees and everyone else: 404."""
    org = get_meeting_org_or_404(user, pk, record=record)
    if org.kind not in BRANCH_KINDS:
        raise Http404("谈心谈话和民主评议由党支部记录。")
    if not (access.can_record(user, org) or access.can_review(user, org)):
        raise Http404("没有找到该支部，或您无权查看。")
    return org


def branch_members(organisation: Organisation) -> QuerySet[Member]:
    """The branch's members on the roster today (the talk form's choices)."""
    return Member.objects.active().filter(organisation=organisation).order_by("name", "pk")


def branch_party_members(organisation: Organisation) -> QuerySet[Member]:
    """正式党员 and 预备党员 on the branch's roster today: who should be talked to and appraised."""
    return Member.objects.party_members().filter(organisation=organisation).order_by("name", "pk")


def talks_of(organisation: Organisation, year: int) -> QuerySet[Talk]:
    return (
        Talk.objects.filter(organisation=organisation, on__year=year)
        .select_related("member_a", "member_b")
        .order_by("-on", "-pk")
    )


def talk_coverage(organisation: Organisation, year: int) -> tuple[int, list[Member]]:
    """How many of today's party members had a talk in ``year`` (either side), and who has not."""
    talked = Talk.objects.filter(organisation=organisation, on__year=year)
    members = list(
        branch_party_members(organisation).exclude(
            Q(pk__in=talked.values("member_a_id")) | Q(pk__in=talked.values("member_b_id"))
        )
    )
    total = branch_party_members(organisation).count()
    return total - len(members), members


def appraisal_results(organisation: Organisation, year: int) -> dict[int, Appraisal]:
    """The year's results of the branch, by member id."""
    return {a.member_id: a for a in Appraisal.objects.filter(organisation=organisation, year=year)}


def appraisal_counts(organisation: Organisation, year: int) -> dict[str, int]:
    """Results per grade in the database: {"excellent": n, …} with every grade present."""
    found = dict.fromkeys(AppraisalResult.values, 0)
    found.update(
        Appraisal.objects.filter(organisation=organisation, year=year)
        .values("result")
        .annotate(n=Count("pk"))
        .values_list("result", "n")
    )
    return found


# --- a member's own attendance ------------------------------------------------------------------


def own_attendance_counts(member: Member, *, year: int) -> dict[str, int]:
    """出席 / 请假 / 缺席 of a member's submitted meetings in the year, counted in the database."""
    return Attendance.objects.filter(
        member=member,
        meeting__status="submitted",
        meeting__starts_at__gte=rules.local_start(dt.date(year, 1, 1)),
        meeting__starts_at__lt=rules.local_start(dt.date(year + 1, 1, 1)),
    ).aggregate(
        present=Count("pk", filter=Q(presence=Presence.PRESENT)),
        leave=Count("pk", filter=Q(presence=Presence.LEAVE)),
        absent=Count("pk", filter=Q(presence=Presence.ABSENT)),
        total=Count("pk"),
    )
