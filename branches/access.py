"""Who may see and change which organisations (DOMAIN §8).

Every selector and every object lookup in a view goes through here. An object
outside the user's scope is answered with 404, never 403: the portal does not
confirm that something it will not show exists.
"""

from __future__ import annotations

from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Grant, Organisation, OrgKind, Role, Term
from .rules import BRANCH_KINDS


def _grants(user) -> list[Grant]:
    """The user's grants, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_grant_cache", None)
    if cached is None:
        cached = list(Grant.objects.filter(user=user).select_related("organisation"))
        user._grant_cache = cached
    return cached


def is_admin(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or any(g.role == Role.ADMIN for g in _grants(user))


def _scope_q(grant: Grant) -> Q | None:
    org = grant.organisation
    if grant.role == Role.REVIEWER:
        return Q(path__startswith=org.path)
    if grant.role == Role.SECRETARY:
        # The branch and its party groups.
        return Q(pk=org.pk) | Q(parent_id=org.pk, kind=OrgKind.PARTY_GROUP)
    if grant.role == Role.MEMBER:
        return Q(pk=org.pk)
    return None


def visible_organisations(user, *, as_member: bool = True) -> QuerySet[Organisation]:
    """Organisations the user may see: reviewers their subtree, secretaries their branch and groups.

    ``as_member=False`` leaves out what a member-role grant shows (the member's own
    branch), for lists of other people's records that a member may not read.
    """
    if is_admin(user):
        return Organisation.objects.all()
    grants = [g for g in _grants(user) if as_member or g.role != Role.MEMBER]
    parts = [q for g in grants if (q := _scope_q(g)) is not None]
    if not parts:
        return Organisation.objects.none()
    return Organisation.objects.filter(reduce(or_, parts))


def _edit_grants(user):
    return [g for g in _grants(user) if g.role in (Role.REVIEWER, Role.SECRETARY)]


def _in_grant_scope(grant: Grant, org: Organisation) -> bool:
    root = grant.organisation
    if grant.role == Role.REVIEWER:
        return org.path.startswith(root.path)
    if grant.role == Role.SECRETARY:
        return org.pk == root.pk or (org.parent_id == root.pk and org.kind == OrgKind.PARTY_GROUP)
    return False


def can_edit(user, organisation: Organisation) -> bool:
    """May the user change this organisation's records (details, terms, later members and meetings)?"""
    if is_admin(user):
        return True
    return any(_in_grant_scope(g, organisation) for g in _edit_grants(user))


def can_record(user, organisation: Organisation) -> bool:
    """May the user keep this branch's records — members, dues, meetings, self-assessment?

    The secretary (支部书记 / 组织委员) of the branch and admins; reviewers read only.
    """
    if is_admin(user):
        return True
    return any(g.role == Role.SECRETARY and _in_grant_scope(g, organisation) for g in _grants(user))


def can_manage_structure(user, organisation: Organisation) -> bool:
    """May the user set up or dissolve organisations at this node?

    Reviewers shape their subtree below their own committee; a secretary may set
    up and dissolve the party groups of the branch.
    """
    if is_admin(user):
        return True
    for grant in _edit_grants(user):
        root = grant.organisation
        if grant.role == Role.REVIEWER and organisation.path.startswith(root.path):
            return True
        if grant.role == Role.SECRETARY and root.kind in BRANCH_KINDS and organisation.pk == root.pk:
            return True
    return False


def can_dissolve(user, organisation: Organisation) -> bool:
    """Dissolving needs the right over the parent: nobody dissolves their own root."""
    if organisation.parent is None:
        return is_admin(user)
    if not can_manage_structure(user, organisation.parent):
        return False
    if is_admin(user):
        return True
    if organisation.kind == OrgKind.PARTY_GROUP:
        return True
    # Secretaries manage groups only.
    return any(
        g.role == Role.REVIEWER and organisation.path.startswith(g.organisation.path)
        for g in _edit_grants(user)
    )


def can_review(user, organisation: Organisation) -> bool:
    """Reviewer rights (dashboards, reminders, ratings) over the organisation."""
    if is_admin(user):
        return True
    return any(
        g.role == Role.REVIEWER and organisation.path.startswith(g.organisation.path) for g in _grants(user)
    )


def scope_roots(user) -> list[Organisation]:
    """The top organisations of the user's scope, for the tree and the home page."""
    if is_admin(user):
        return list(Organisation.objects.filter(parent__isnull=True))
    roots: list[Organisation] = []
    for g in sorted(_grants(user), key=lambda g: g.organisation.path):
        if g.role == Role.ADMIN:
            continue
        if not any(g.organisation.path.startswith(r.path) for r in roots):
            roots.append(g.organisation)
    return roots


def get_organisation_or_404(user, pk, *, edit: bool = False) -> Organisation:
    """The organisation if the user may see it (and change it, with ``edit``); 404 otherwise."""
    try:
        org = visible_organisations(user).select_related("parent").get(pk=pk)
    except (Organisation.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该组织，或您无权查看。") from None
    if edit and not can_edit(user, org):
        raise Http404("没有找到该组织，或您无权修改。")
    return org


def visible_terms(user) -> QuerySet[Term]:
    return Term.objects.filter(organisation__in=visible_organisations(user))


def get_term_or_404(user, pk, *, edit: bool = False) -> Term:
    try:
        term = visible_terms(user).select_related("organisation").get(pk=pk)
    except (Term.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该届次，或您无权查看。") from None
    if edit and not can_edit(user, term.organisation):
        raise Http404("没有找到该届次，或您无权修改。")
    return term


def roles(user) -> set[str]:
    """The roles the user holds anywhere (admins also when superuser)."""
    found = {g.role for g in _grants(user)}
    if getattr(user, "is_superuser", False):
        found.add(Role.ADMIN)
    return found


def home_organisation(user) -> Organisation | None:
    """Where a secretary or member lands: the organisation of their first grant."""
    for role in (Role.SECRETARY, Role.MEMBER):
        for g in _grants(user):
            if g.role == role:
                return g.organisation
    return None


def can_assess(user, organisation: Organisation) -> bool:
    """May the user review (考评) this branch's rating, verify its rectification, check its acceptance?

    A reviewer whose subtree holds it, or an admin; never the branch's own secretary, who
    does not review the branch they keep (also when they hold a reviewer grant above it).
    """
    if is_admin(user):
        return True
    if any(g.role == Role.SECRETARY and g.organisation_id == organisation.pk for g in _grants(user)):
        return False
    return can_review(user, organisation)


def can_assess_higher(user, organisation: Organisation) -> bool:
    """County-level rights over a branch (县级复核, 统一命名, 验收): a reviewer above its 基层党委.

    The nearest committee above a branch reviews it; the re-check, the naming and the
    acceptance belong to a reviewer whose committee is above that one. Admins too.
    """
    if not can_assess(user, organisation):
        return False
    if is_admin(user):
        return True
    nearest = (
        Organisation.objects.filter(path__in=organisation.ancestor_paths, kind=OrgKind.COMMITTEE)
        .order_by("-depth")
        .values_list("depth", flat=True)
        .first()
    )
    if nearest is None:
        return False
    return any(
        g.role == Role.REVIEWER
        and organisation.path.startswith(g.organisation.path)
        and g.organisation.depth < nearest
        for g in _grants(user)
    )


def can_keep_archives(user, organisation: Organisation) -> bool:
    """May the user ask for this organisation's annual ledger and read and file its documents (DOMAIN §6)?

    A secretary for the branch only; a reviewer for anything in the subtree; admins for all.
    Party groups keep no archive of their own (their branch does).
    """
    if organisation.kind == OrgKind.PARTY_GROUP:
        return False
    if can_review(user, organisation):
        return True
    return organisation.is_branch and any(
        g.role == Role.SECRETARY and g.organisation_id == organisation.pk for g in _grants(user)
    )


def archive_organisations(user) -> QuerySet[Organisation]:
    """Organisations whose ledgers and documents the user may see (the query twin of can_keep_archives)."""
    if is_admin(user):
        return Organisation.objects.exclude(kind=OrgKind.PARTY_GROUP)
    parts = [Q(path__startswith=g.organisation.path) for g in _grants(user) if g.role == Role.REVIEWER]
    parts += [
        Q(pk=g.organisation_id)
        for g in _grants(user)
        if g.role == Role.SECRETARY and g.organisation.kind in BRANCH_KINDS
    ]
    if not parts:
        return Organisation.objects.none()
    return Organisation.objects.filter(reduce(or_, parts)).exclude(kind=OrgKind.PARTY_GROUP)
