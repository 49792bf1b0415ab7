"""选举结果报告单: a one-page A4 PDF of an election's result, rendered by WeasyPrint from a template.

Rendered on request (about a tenth of a second for one page): no task, no stored file. The fonts are
Debian's Noto CJK (``fonts-noto-cjk``); WeasyPrint embeds the subset the page uses.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from . import elections as rules
from .rules import LOCAL_TZ


def election_result_context(election, data) -> dict:
    meeting = election.meeting
    entitled, present = election.entitled, election.present
    quorum = None
    if entitled is not None:
        quorum = {
            "entitled": entitled,
            "present": present,
            "needed": rules.quorum_needed(entitled),
            "met": bool(entitled) and rules.quorum_met(entitled, present),
            "to_win": rules.votes_to_win(entitled),
        }
    return {
        "election": election,
        "org": election.organisation,
        "meeting": meeting,
        "starts_at": meeting.starts_at.astimezone(LOCAL_TZ) if meeting else None,
        "quorum": quorum,
        "data": data,
        "printed_on": timezone.localdate(),
    }


def election_result_pdf(election, data) -> bytes:
    """The PDF bytes; ``data`` is ``selectors_elections.election_data(election)``."""
    from weasyprint import HTML  # imported here: loading pango is slow and only this view needs it

    html = render_to_string("meetings/elections/result_pdf.html", election_result_context(election, data))
    return HTML(string=html).write_pdf()
