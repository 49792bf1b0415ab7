"""What the members app adds to the organisation page: the committee and the structure warnings."""

from django.template.loader import render_to_string

from . import selectors


def committee_panel(request, organisation) -> str:
    if organisation.kind == "party_group":
        return ""
    appointments = selectors.committee(organisation)
    return render_to_string(
        "members/panels/committee.html",
        {"org": organisation, "appointments": appointments},
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
