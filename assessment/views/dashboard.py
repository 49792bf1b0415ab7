"""考核看板: a reviewer's dashboard of a subtree, and the weakest branches as .xlsx.

Reviewers in scope and admins; secretaries, members and everyone else get 404. Filters
(year, sector, kind) are query parameters; a bad value is dropped with a message, never an
error. The figures come from ``assessment/selectors_dashboard.py``, read from the read replica
when one is configured (a dashboard may be a moment behind the primary).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from branches.models import Sector
from config.replica import reads_from_replica

from .. import exports
from .. import selectors_dashboard as selectors


def _board(request, pk):
    """The organisation (404 outside the review scope), the filters and the figures."""
    org = selectors.get_dashboard_org_or_404(request.user, pk)
    today = timezone.localdate()
    years = selectors.years_of(org, today)
    filters, problems = selectors.parse_filters(request.GET, today, years)
    board = selectors.dashboard(
        request.user, org, filters.year, sector=filters.sector, kind=filters.kind, today=today, years=years
    )
    return org, board, problems


def drill_url(bar: selectors.ChildBar, filters: selectors.Filters) -> str:
    """Where a child's bar leads: the branch's page, or the child's own dashboard with the same filters."""
    if bar.is_branch:
        return reverse("branches:org_detail", args=[bar.pk])
    return f"{reverse('assessment:dashboard', args=[bar.pk])}?{urlencode(filters.query())}"


@require_GET
@reads_from_replica()
def dashboard(request, pk):
    org, board, problems = _board(request, pk)
    for problem in problems:
        messages.warning(request, problem)
    query = urlencode(board.filters.query())
    data = board.chart_data()
    for item, bar in zip(data["children"], board.children, strict=True):
        item["url"] = drill_url(bar, board.filters)
    crumbs = selectors.crumbs(request.user, org)
    return render(
        request,
        "assessment/dashboard/dashboard.html",
        {
            "org": org,
            "board": board,
            "tiles": board.tiles,
            "crumbs": [(o, f"{reverse('assessment:dashboard', args=[o.pk])}?{query}") for o in crumbs[:-1]],
            "chart_data": data,
            "children": [
                (bar, item["url"]) for bar, item in zip(board.children, data["children"], strict=True)
            ],
            "stars_rows": [(s, board.tiles.stars[s]) for s in selectors.STARS],
            "sector_rows": [
                (Sector(k).label if k in Sector.values else k, n) for k, n in board.sectors.items()
            ],
            "sectors": Sector.choices,
            "kinds": selectors.KIND_CHOICES,
            "export_url": f"{reverse('assessment:weakest_export', args=[org.pk])}?{query}",
        },
    )


@require_GET
@reads_from_replica()
def weakest_export(request, pk):
    org, board, _problems = _board(request, pk)
    content = exports.weakest_workbook(board)
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = exports.content_disposition(*exports.weakest_filename(board))
    return response


urls = [
    path("dashboard/<int:pk>/", dashboard, name="dashboard"),
    path("dashboard/<int:pk>/weakest.xlsx", weakest_export, name="weakest_export"),
]
