"""Reads of 公示 and 异议: the public board (no user) and the reviewers' lists (scoped by the user)."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from branches import access
from branches.models import Organisation, OrgKind, OrgStatus

from .models import Objection, ObjectionStatus, Publicity

# What looks like an ID number (18 characters) or a mobile number, in text written for the public board.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")

WHEN = {"current": "公示中", "upcoming": "即将公示", "past": "已结束"}


def redact(text: str) -> str:
    """The public board never shows an ID number or a phone, even one typed into a notice's text."""
    text = _ID_NUMBER.sub(r"\1********\2", text or "")
    return _MOBILE.sub(r"\1****\2", text)


# ---------------------------------------------------------------- the public board


def get_board_org_or_404(code: str) -> Organisation:
    """The organisation whose public board this is: active, any kind but a party group."""
    try:
        return Organisation.objects.exclude(kind=OrgKind.PARTY_GROUP).get(code=code, status=OrgStatus.ACTIVE)
    except Organisation.DoesNotExist:
        raise Http404("没有找到该公示栏。") from None


def board_items(org: Organisation, today: dt.date) -> QuerySet[Publicity]:
    """What is under 公示 today in the subtree of ``org``, newest first."""
    return (
        Publicity.objects.filter(org_path__startswith=org.path, starts_on__lte=today, ends_on__gte=today)
        .select_related("organisation")
        .only(
            "subject",
            "title",
            "body",
            "starts_on",
            "ends_on",
            "org_path",
            "organisation__name",
            "organisation__short_name",
        )
        .order_by("-starts_on", "-pk")
    )


def get_board_item_or_404(org: Organisation, pk, today: dt.date) -> Publicity:
    """An item of this board's subtree that has started (it may have ended: the view says so)."""
    try:
        return (
            Publicity.objects.select_related("organisation")
            .filter(org_path__startswith=org.path, starts_on__lte=today)
            .get(pk=pk)
        )
    except (Publicity.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该公示。") from None


# ---------------------------------------------------------------- reviewers


def get_objection_org_or_404(user, pk) -> Organisation:
    """An organisation whose objections the user handles (a reviewer in scope, an admin); 404 otherwise."""
    org = access.get_organisation_or_404(user, pk)
    if not access.can_assess(user, org):
        raise Http404("没有找到该组织，或您无权处理异议。")
    return org


def objections_of(
    user, org: Organisation, *, status: str = "", publicity: int | None = None
) -> QuerySet[Objection]:
    """The objections of the subtree of ``org``, open ones first, newest first."""
    if not access.can_assess(user, org):
        return Objection.objects.none()
    qs = Objection.objects.filter(publicity__org_path__startswith=org.path)
    if status in ObjectionStatus.values:
        qs = qs.filter(status=status)
    if publicity is not None:
        qs = qs.filter(publicity_id=publicity)
    return qs.select_related("publicity", "publicity__organisation", "handled_by").order_by(
        "-status",
        "-created_at",
        "-pk",  # "open" sorts after "handled": descending puts open first
    )


def get_objection_or_404(user, pk) -> Objection:
    """An objection whose item the user may assess; 404 otherwise (also for a branch's own secretary)."""
    try:
        objection = Objection.objects.select_related(
            "publicity", "publicity__organisation", "handled_by"
        ).get(pk=pk)
    except (Objection.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该异议。") from None
    if not access.can_assess(user, objection.publicity.organisation):
        raise Http404("没有找到该异议。")
    return objection


def publicities_of(user, org: Organisation, *, when: str, today: dt.date) -> QuerySet[Publicity]:
    """The items of the subtree of ``org`` — current, upcoming or past — with their objection counts."""
    if not access.can_assess(user, org):
        return Publicity.objects.none()
    qs = Publicity.objects.filter(org_path__startswith=org.path)
    if when == "upcoming":
        qs = qs.filter(starts_on__gt=today).order_by("starts_on", "pk")
    elif when == "past":
        qs = qs.filter(ends_on__lt=today).order_by("-ends_on", "-pk")
    else:
        qs = qs.filter(starts_on__lte=today, ends_on__gte=today).order_by("ends_on", "-pk")
    return qs.select_related("organisation").annotate(
        objection_count=Count("objections"),
        open_count=Count("objections", filter=Q(objections__status=ObjectionStatus.OPEN)),
    )


def objection_counts(user, org: Organisation) -> dict[str, int]:
    """How many objections of the subtree are open and handled: one grouped query."""
    if not access.can_assess(user, org):
        return {}
    rows = (
        Objection.objects.filter(publicity__org_path__startswith=org.path)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found = {row["status"]: row["n"] for row in rows}
    return {status: found.get(status, 0) for status in ObjectionStatus.values}
