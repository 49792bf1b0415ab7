"""What the members app adds to the organisation page: the committee and the structure warnings."""

from django.template.loader import render_to_string

from branches import access

from . import selectors


def work_panel(request, organisation) -> str:
    """The branch's working pages (花名册, 发展党员, 党费…) or, for a committee, its review pages."""
    if organisation.kind == "party_group":
        return ""
    user = request.user
    if not access.visible_organisations(user, as_member=False).filter(pk=organisation.pk).exists():
        return ""
    return render_to_string(
        "members/panels/work.html",
        {
            "org": organisation,
            "can_record": organisation.is_active and access.can_record(user, organisation),
            "can_review": access.can_review(user, organisation),
        },
        request=request,
    )


def committee_panel(request, organisation) -> str:
    if organisation.kind == "party_group":
        return ""
    appointments = selectors.committee(organisation)
    return render_to_string(
        "members/panels/committee.html",
        {
            "org": organisation,
            "appointments": appointments,
            "can_record": organisation.is_active and access.can_record(request.user, organisation),
        },
        request=request,
    )


def structure_panel(request, organisation) -> str:
    if not organisation.is_branch:
        return ""
    return render_to_string(
        "members/panels/structure.html",
        {
            "org": organisation,
            "warnings": selectors.branch_structure_warnings(organisation),
            "counts": selectors.branch_counts(organisation),
        },
        request=request,
    )


def own_record(user) -> str | None:
    """A member without a secretary's role lands on their own record."""
    member = selectors.own_member(user)
    return member.get_absolute_url() if member else None
