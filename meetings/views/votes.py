"""Votes of a general meeting (支部党员大会): resolutions and the members left out of 应到会.

Eligible and present voters are derived from the roster and the attendance
(services.votes.meeting_voters), never typed; the page shows them before the vote.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from branches import selectors as branch_selectors
from branches.forms import add_errors
from members.models import Stage
from members.selectors import visible_members
from members.selectors_pipeline import pipeline_members

from .. import votes
from ..forms import ExclusionForm, ResolutionForm
from ..selectors import get_meeting_or_404
from ..services import votes as services


def _voting_meeting(request, pk):
    """A general meeting the user records; any other meeting is not a place for votes (404)."""
    meeting = get_meeting_or_404(request.user, pk, record=True)
    if not meeting.kind.allows_votes:
        raise Http404("只有党员大会可以表决。")
    return meeting


def _turnout(meeting) -> dict:
    eligible, present, exclusions = services.meeting_voters(meeting)
    return {
        "eligible": len(eligible),
        "present": len(present),
        "absent": len(eligible) - len(present),
        "needed": votes.votes_needed(len(eligible)),
        "quorum": votes.quorum_met(len(eligible), len(present)),
        "exclusions": exclusions,
        "eligible_ids": eligible,
    }


def _context(request, meeting, **extra) -> dict:
    return {
        "meeting": meeting,
        "org": meeting.organisation,
        "breadcrumb": branch_selectors.organisation_crumbs(request.user, meeting.organisation),
        **extra,
    }


@require_http_methods(["GET", "POST"])
def resolution_add(request, pk):
    meeting = _voting_meeting(request, pk)
    if not meeting.is_editable:
        messages.warning(request, "该会议记录已作废，不能表决。")
        return redirect(meeting)
    turnout = _turnout(meeting)
    candidates = list(pipeline_members(request.user, meeting.branch, stage=Stage.CANDIDATE))
    probationary = list(pipeline_members(request.user, meeting.branch, stage=Stage.PROBATIONARY))
    form = ResolutionForm(
        request.POST if request.method == "POST" else None, candidates=candidates, probationary=probationary
    )
    if form.is_bound and form.is_valid():
        try:
            resolution = services.resolution_record(
                meeting=meeting,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                subject=form.subject_member(),
                by=request.user,
                **form.counts(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            notify = messages.success if resolution.passed else messages.warning
            notify(request, f"{resolution.title}：{resolution.outcome}")
            return redirect(meeting)
    return render(
        request,
        "meetings/resolution_form.html",
        _context(request, meeting, form=form, turnout=turnout, resolutions=meeting.resolutions.all()),
    )


@require_http_methods(["GET", "POST"])
def exclusion_add(request, pk):
    """Leave a voter out of 应到会, with the reason and the higher committee's approval."""
    meeting = _voting_meeting(request, pk)
    if not meeting.is_editable:
        messages.warning(request, "该会议记录已作废。")
        return redirect(meeting)
    turnout = _turnout(meeting)
    voters = list(visible_members(request.user).filter(pk__in=turnout["eligible_ids"]).order_by("name", "pk"))
    form = ExclusionForm(request.POST if request.method == "POST" else None, voters=voters)
    if form.is_bound and form.is_valid():
        try:
            exclusion = services.voter_exclusion_add(
                meeting=meeting,
                member=form.member_obj(),
                reason=form.cleaned_data["reason"],
                approval=form.cleaned_data["approval"],
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"{exclusion.member.name}不计入本次会议应到会人数。")
            return redirect("meetings:resolution_add", meeting.pk)
    return render(
        request, "meetings/exclusion_form.html", _context(request, meeting, form=form, turnout=turnout)
    )


urls = [
    path("<int:pk>/resolution/", resolution_add, name="resolution_add"),
    path("<int:pk>/exclusion/", exclusion_add, name="exclusion_add"),
]
