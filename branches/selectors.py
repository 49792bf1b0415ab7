"""Reads for the branches pages, always scoped by the user through access.py."""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from . import access, rules
from .models import Grant, Notice, Organisation, OrgStatus, Role, Term, TermStatusChoice

TERM_STATUS_FILTERS = {"ok", "due", "overdue", "none"}


@dataclass
class TreeRow:
    org: Organisation
    level: int
    branch_count: int
    term: Term | None
    term_status: str | None


def organisation_tree(
    user, *, root: Organisation | None = None, query: str = "", status: str = ""
) -> list[TreeRow]:
    """The visible organisations (below ``root``) in tree order, with branch counts and term status.

    Two queries whatever the size: the organisations, then their current terms.
    Path order is depth-first order, so the flat list reads as an indented tree.
    """
    scope = access.visible_organisations(user)
    if root is not None:
        scope = scope.filter(path__startswith=root.path)
    orgs = list(scope.order_by("path"))
    if not orgs:
        return []
    today = timezone.localdate()
    terms = {
        t.organisation_id: t
        for t in Term.objects.filter(status=TermStatusChoice.CURRENT, organisation__in=scope)
    }
    branch_paths = sorted(o.path for o in orgs if o.is_branch and o.is_active)
    min_depth = min(o.depth for o in orgs)
    query = query.strip().lower()
    rows = []
    for org in orgs:
        term = terms.get(org.pk)
        term_status = rules.term_status(term.expires_on, today) if term else None
        if query and query not in org.name.lower() and query not in org.code.lower():
            continue
        if status == "none" and (term or org.kind == rules.PARTY_GROUP or not org.is_active):
            continue
        if status in {"ok", "due", "overdue"} and term_status != status:
            continue
        lo = bisect.bisect_left(branch_paths, org.path)
        hi = bisect.bisect_left(branch_paths, org.path + "~")
        rows.append(
            TreeRow(
                org=org,
                level=org.depth - min_depth,
                branch_count=hi - lo,
                term=term,
                term_status=term_status,
            )
        )
    return rows


def organisation_breadcrumb(user, org: Organisation) -> list[Organisation]:
    """Ancestors the user may see, top first (one query)."""
    return list(access.visible_organisations(user).filter(path__in=org.ancestor_paths).order_by("path"))


def organisation_crumbs(user, org: Organisation) -> list[Organisation]:
    """The breadcrumb of a page about ``org``: its visible ancestors, then itself."""
    return [*organisation_breadcrumb(user, org), org]


def organisation_children(user, org: Organisation) -> QuerySet[Organisation]:
    return access.visible_organisations(user).filter(parent=org).order_by("path")


def organisation_terms(org: Organisation) -> QuerySet[Term]:
    return Term.objects.filter(organisation=org).order_by("-number")


def terms_due(user, *, root: Organisation | None = None, today: dt.date | None = None) -> QuerySet[Term]:
    """换届提醒: current terms in scope that are due within 6 months or overdue, soonest first."""
    today = today or timezone.localdate()
    orgs = access.visible_organisations(user).filter(status=OrgStatus.ACTIVE)
    if root is not None:
        orgs = orgs.filter(path__startswith=root.path)
    return (
        Term.objects.filter(
            status=TermStatusChoice.CURRENT,
            organisation__in=orgs,
            expires_on__lte=rules.due_horizon(today),
        )
        .select_related("organisation", "organisation__parent")
        .order_by("expires_on", "organisation__path")
    )


def notices_for(user) -> QuerySet[Notice]:
    return Notice.objects.filter(recipient=user).select_related("organisation")


def unread_notice_count(user) -> int:
    return Notice.objects.filter(recipient=user, read_at__isnull=True).count()


def move_targets(user, org: Organisation) -> QuerySet[Organisation]:
    """Where ``org`` may be moved: active organisations the user shapes, outside its own subtree,
    of a kind that may hold it. Kinds are filtered here; the service checks the rule again."""
    allowed_parent_kinds = [
        kind
        for kind in ("committee", "general_branch", "branch", "joint_branch")
        if not rules.child_kind_error(kind, org.kind)
    ]
    return (
        access.visible_organisations(user, as_member=False)
        .filter(status=OrgStatus.ACTIVE, kind__in=allowed_parent_kinds)
        .exclude(path__startswith=org.path)
        .exclude(pk=org.parent_id)
        .order_by("path")
    )


def reviewer_grants_above(organisation: Organisation) -> QuerySet[Grant]:
    """Active reviewers' grants on the organisation or any organisation above it, nearest first.

    These are the people who may assess it (``access.can_assess``): the organisation's own
    secretaries are left out, also when they hold a reviewer grant above it.
    """
    return (
        Grant.objects.filter(
            role=Role.REVIEWER,
            user__is_active=True,
            organisation__path__in=[*organisation.ancestor_paths, organisation.path],
        )
        .exclude(user__in=Grant.objects.filter(role=Role.SECRETARY, organisation=organisation).values("user"))
        .select_related("user", "organisation")
        .order_by("-organisation__depth", "pk")
    )
