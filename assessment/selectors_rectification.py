"""Reads of 软弱涣散整顿 and 示范点, always scoped by the user through ``branches.access``.

Reviewers read the cases and sites of their subtree; a branch's secretary reads the
branch's own; a member's grant and everyone else get 404.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from branches import access
from branches.models import Organisation

from .models import (
    CaseStatus,
    ItemStatus,
    ModelSite,
    RectificationCase,
    RectificationItem,
    SiteCheck,
    SiteStatus,
)
from .services.rectification import overdue_days

CASE_FILTERS = {
    "open": ("整顿中", Q(status=CaseStatus.OPEN)),
    "closed": ("已销号", Q(status=CaseStatus.CLOSED)),
}
SITE_FILTERS = {
    "active": ("示范点", Q(status=SiteStatus.ACTIVE)),
    "exited": ("已退出", Q(status=SiteStatus.EXITED)),
}


def _may_read(user, org: Organisation) -> bool:
    return access.can_review(user, org) or access.can_record(user, org)


def get_scope_or_404(user, pk) -> Organisation:
    """An organisation whose cases and sites the user may read: a reviewer's subtree, a secretary's branch."""
    try:
        org = access.visible_organisations(user, as_member=False).select_related("parent").get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该组织，或您无权查看。") from None
    if not _may_read(user, org):
        raise Http404("没有找到该组织，或您无权查看。")
    return org


def _visible(user, queryset):
    """Cases or sites whose branch the user may read (one subquery on the organisation)."""
    return queryset.filter(organisation__in=access.visible_organisations(user, as_member=False))


# ---------------------------------------------------------------- cases


def cases_in(org: Organisation, *, today: dt.date, status: str | None = None) -> QuerySet[RectificationCase]:
    """The cases of ``org``'s subtree with their items counted per status (one query a page)."""
    overdue = Q(items__status=ItemStatus.OPEN, items__deadline__lt=today)
    cases = RectificationCase.objects.filter(org_path__startswith=org.path)
    if status in CASE_FILTERS:
        cases = cases.filter(CASE_FILTERS[status][1])
    cases = cases.select_related("organisation", "rating").annotate(
        n_items=Count("items"),
        n_open=Count("items", filter=Q(items__status=ItemStatus.OPEN)),
        n_done=Count("items", filter=Q(items__status=ItemStatus.DONE)),
        n_verified=Count("items", filter=Q(items__status=ItemStatus.VERIFIED)),
        n_overdue=Count("items", filter=overdue),
    )
    if status == "overdue":
        cases = cases.filter(n_overdue__gt=0)
    return cases.order_by("-status", "-opened_on", "-pk")  # "open" sorts after "closed": open cases first


def case_counts(org: Organisation, *, today: dt.date) -> dict[str, int]:
    """Cases per status in the subtree, and how many have an overdue item (two queries)."""
    cases = RectificationCase.objects.filter(org_path__startswith=org.path)
    found = dict.fromkeys(CASE_FILTERS, 0)
    found.update(cases.values("status").annotate(n=Count("pk")).values_list("status", "n"))
    found["overdue"] = (
        cases.filter(items__status=ItemStatus.OPEN, items__deadline__lt=today).values("pk").distinct().count()
    )
    return found


def get_case_or_404(user, pk) -> RectificationCase:
    try:
        case = _visible(user, RectificationCase.objects.select_related("organisation", "rating")).get(pk=pk)
    except (RectificationCase.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该整顿，或您无权查看。") from None
    if not _may_read(user, case.organisation):
        raise Http404("没有找到该整顿，或您无权查看。")
    return case


def get_item_or_404(user, pk) -> RectificationItem:
    try:
        item = RectificationItem.objects.select_related("case__organisation").get(
            pk=pk, case__organisation__in=access.visible_organisations(user, as_member=False)
        )
    except (RectificationItem.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该整改事项，或您无权查看。") from None
    if not _may_read(user, item.case.organisation):
        raise Http404("没有找到该整改事项，或您无权查看。")
    return item


def case_items(case: RectificationCase, *, today: dt.date) -> list[RectificationItem]:
    """The case's items by deadline, each with ``overdue_days`` (0 when not overdue)."""
    items = list(case.items.select_related("verified_by").order_by("deadline", "pk"))
    for item in items:
        item.overdue_days = overdue_days(item.status, item.deadline, today)
    return items


# ---------------------------------------------------------------- sites


def sites_in(org: Organisation, *, status: str | None = None) -> QuerySet[ModelSite]:
    """The model sites of ``org``'s subtree, active first, each with its checks (two queries a page)."""
    sites = ModelSite.objects.filter(org_path__startswith=org.path)
    if status in SITE_FILTERS:
        sites = sites.filter(SITE_FILTERS[status][1])
    return (
        sites.select_related("organisation", "rating")
        .prefetch_related(
            Prefetch(
                "checks",
                queryset=SiteCheck.objects.select_related("by").order_by("-on", "-pk"),
                to_attr="check_list",
            )
        )
        .order_by("status", "org_path", "-entered_on")  # "active" before "exited"
    )


def site_counts(org: Organisation) -> dict[str, int]:
    rows = (
        ModelSite.objects.filter(org_path__startswith=org.path)
        .values("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    found = dict.fromkeys(SITE_FILTERS, 0)
    found.update(rows)
    return found


def sites_by_ids(org: Organisation, ids: list[int]) -> list[ModelSite]:
    return list(
        ModelSite.objects.filter(org_path__startswith=org.path, pk__in=ids)
        .select_related("organisation")
        .order_by("org_path")
    )


def get_site_or_404(user, pk) -> ModelSite:
    try:
        site = _visible(user, ModelSite.objects.select_related("organisation", "rating")).get(pk=pk)
    except (ModelSite.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该示范点，或您无权查看。") from None
    if not _may_read(user, site.organisation):
        raise Http404("没有找到该示范点，或您无权查看。")
    return site
