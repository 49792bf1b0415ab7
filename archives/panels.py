"""What the archives add to the organisation page: the latest annual ledgers and the way to the archive."""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from django.template.loader import render_to_string

from branches import access
from branches.models import OrgKind

from .models import LedgerFile, LedgerFormat, LedgerStatus


def archive_panel(request, organisation) -> str:
    """档案台账: the newest finished ledger in each format (one query) and links to the ledgers and boxes.

    For whoever keeps the organisation's archive (its branch secretary, reviewers above, admins);
    nothing for anyone else, and nothing on a party group's page (its branch keeps its records).
    """
    if organisation.kind == OrgKind.PARTY_GROUP or not access.can_keep_archives(request.user, organisation):
        return ""
    done = LedgerFile.objects.filter(organisation=organisation, status=LedgerStatus.DONE)
    newest = done.filter(format=OuterRef("format")).order_by("-year", "-version").values("pk")[:1]
    latest = {ledger.format: ledger for ledger in done.filter(pk=Subquery(newest))}
    return render_to_string(
        "archives/panels/archive.html",
        {
            "org": organisation,
            "latest": [latest[f] for f in LedgerFormat.values if f in latest],
        },
    )
