"""What the meetings app adds to the organisation page: this year's organisational life at a glance."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from branches import access
from branches.models import OrgKind

from . import compliance, selectors


def organisational_life_panel(request, organisation) -> str:
    """达标/未达标/未到期 of the year and the pages of organisational life; ≤ 3 queries.

    A branch, general branch or committee whose meetings the user may read; a party
    group gets its meeting links only. A member's grant sees nothing here.
    """
    user = request.user
    if organisation.kind not in selectors.MEETING_ORG_KINDS:
        return ""
    if not selectors.meeting_scope(user).filter(pk=organisation.pk).exists():
        return ""
    year = timezone.localdate().year
    is_compliance = organisation.kind in compliance.COMPLIANCE_KINDS
    return render_to_string(
        "meetings/panels/life.html",
        {
            "org": organisation,
            "year": year,
            "summary": selectors.compliance_summary(organisation, year) if is_compliance else None,
            "is_compliance": is_compliance,
            "is_branch": organisation.is_branch,
            "is_group": organisation.kind == OrgKind.PARTY_GROUP,
            "can_record": organisation.is_active and access.can_record(user, organisation),
            "can_review": access.can_review(user, organisation),
        },
    )  # no request: the page's context processors would run again for this fragment
