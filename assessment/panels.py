"""What the assessment app adds to the organisation page: ratings, rectification, model site, acceptance."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from branches import access
from branches.models import OrgKind

from .models import Acceptance, CaseStatus, ModelSite, Rating, RectificationCase, SiteStatus


def assessment_panel(request, organisation) -> str:
    """A branch: its ratings of this and last year, open rectification, model site, acceptance (4 queries).

    A committee or general branch: the reviewer's links (dashboard, ratings, the public board).
    Secretaries of the branch, reviewers above and admins; a member's grant sees nothing here.
    """
    user = request.user
    if organisation.kind == OrgKind.PARTY_GROUP:
        return ""
    can_review = access.can_review(user, organisation)
    can_record = organisation.is_branch and access.can_record(user, organisation)
    if not (can_review or can_record):
        return ""
    year = timezone.localdate().year
    context = {
        "org": organisation,
        "year": year,
        "can_review": can_review,
        "is_branch": organisation.is_branch,
    }
    if organisation.is_branch:
        context.update(
            ratings=list(
                Rating.objects.filter(organisation=organisation, year__gte=year - 1).order_by("-year")
            ),
            case=RectificationCase.objects.filter(organisation=organisation, status=CaseStatus.OPEN).first(),
            site=ModelSite.objects.filter(organisation=organisation, status=SiteStatus.ACTIVE).first(),
            acceptance=Acceptance.objects.filter(organisation=organisation, year=year).first(),
        )
    return render_to_string("assessment/panels/assessment.html", context)
