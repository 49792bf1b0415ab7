"""Reads of the admin's requirement pages: every requirement with its overrides (admins only)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from branches import access
from branches.models import Organisation

from .models import Requirement, RequirementOverride


def _admin_or_404(user) -> None:
    if not access.is_admin(user):
        raise Http404("没有找到该页面。")


def requirements_with_overrides(user) -> QuerySet[Requirement]:
    """Every requirement, in its usual order, with its overrides (newest first) and their organisations."""
    _admin_or_404(user)
    overrides = RequirementOverride.objects.select_related("organisation").order_by("-effective_from", "-pk")
    return (
        Requirement.objects.select_related("kind")
        .prefetch_related(Prefetch("overrides", queryset=overrides))
        .order_by("order", "pk")
    )


def get_requirement_or_404(user, pk) -> Requirement:
    _admin_or_404(user)
    try:
        return Requirement.objects.select_related("kind").get(pk=pk)
    except (Requirement.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该要求。") from None


def get_override_or_404(user, pk) -> RequirementOverride:
    _admin_or_404(user)
    try:
        return RequirementOverride.objects.select_related("requirement__kind", "organisation").get(pk=pk)
    except (RequirementOverride.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该调整。") from None


def find_organisation(user, code: str, org_kind: str) -> Organisation | None:
    """The organisation of that code and kind in the user's scope (an admin: anywhere), or None."""
    return (
        access.visible_organisations(user).filter(code__iexact=(code or "").strip(), kind=org_kind).first()
        if code
        else None
    )
