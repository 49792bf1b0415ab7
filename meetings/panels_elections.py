"""The organisation page's 换届选举 card: the open election and its step, or 发起换届 when the term is due."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from branches import access

from . import selectors_elections as selectors


def election_panel(request, organisation) -> str:
    """A branch's secretary and the reviewers above; a member's grant and party groups see nothing.

    At most three queries."""
    if not organisation.is_branch:
        return ""
    user = request.user
    if not access.visible_organisations(user, as_member=False).filter(pk=organisation.pk).exists():
        return ""
    election = selectors.open_election(organisation)
    can_record = organisation.is_active and access.can_record(user, organisation)
    info = selectors.term_info(organisation, timezone.localdate()) if election is None else None
    if election is None and not (can_record and info.is_due):
        return ""
    return render_to_string(
        "meetings/elections/panel.html",
        {"org": organisation, "election": election, "info": info, "can_record": can_record},
    )
