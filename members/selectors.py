"""Reads of members, always scoped through branches.access."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from branches import access

from .models import Member


def visible_members(user) -> QuerySet[Member]:
    """Members in the organisations the user oversees, plus the user's own record."""
    if not getattr(user, "is_authenticated", False):
        return Member.objects.none()
    orgs = access.visible_organisations(user, as_member=False)
    return Member.objects.filter(Q(organisation__in=orgs) | Q(user=user))


def get_member_or_404(user, pk, *, edit: bool = False) -> Member:
    """The member if the user may see them (and keep their record, with ``edit``); 404 otherwise."""
    try:
        member = visible_members(user).select_related("organisation", "party_group").get(pk=pk)
    except (Member.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该党员，或您无权查看。") from None
    if edit and not access.can_record(user, member.organisation):
        raise Http404("没有找到该党员，或您无权修改。")
    return member


def can_see_personal(user, member: Member) -> bool:
    """ID and phone numbers in full: the member, the branch's secretary, admins (DOMAIN §8)."""
    return (member.user_id is not None and member.user_id == user.pk) or access.can_record(
        user, member.organisation
    )


def get_branch_or_404(user, pk, *, record: bool = False):
    """A branch (or joint branch) the user may see — and keep records of, with ``record``."""
    org = access.get_organisation_or_404(user, pk)
    if not org.is_branch or (record and not access.can_record(user, org)):
        raise Http404("没有找到该支部，或您无权操作。")
    return org


def committee(organisation):
    """The current term's committee members, 书记 first."""
    from django.db.models import Case, IntegerField, Value, When

    from .models import Appointment, Position

    order = Case(
        *[When(position=p, then=Value(i)) for i, p in enumerate(Position.values)], output_field=IntegerField()
    )
    return (
        Appointment.objects.filter(
            term__organisation=organisation, term__status="current", ended_on__isnull=True
        )
        .select_related("member")
        .order_by(order, "pk")
    )


def branch_counts(organisation) -> dict:
    """Party members, full members and committee size of one branch (one query each)."""
    from django.db.models import Count

    party = Member.objects.party_members().filter(organisation=organisation)
    by_stage = dict(party.values_list("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    return {
        "members": sum(by_stage.values()),
        "full_members": by_stage.get("full", 0),
        "probationary": by_stage.get("probationary", 0),
        "committee_size": committee(organisation).count(),
    }


def branch_structure_warnings(organisation) -> list[str]:
    from django.db.models import Count, Q

    from branches.models import Organisation

    from . import rules

    counts = branch_counts(organisation)
    groups = [
        rules.GroupCounts(name=g.name, members=g.n, full_members=g.n_full)
        for g in Organisation.objects.filter(
            parent=organisation, kind="party_group", status="active"
        ).annotate(
            n=Count(
                "group_members",
                filter=Q(group_members__status="active", group_members__stage__in=["full", "probationary"]),
            ),
            n_full=Count(
                "group_members", filter=Q(group_members__status="active", group_members__stage="full")
            ),
        )
    ]
    return rules.structure_warnings(
        full_members=counts["full_members"],
        members=counts["members"],
        committee_size=counts["committee_size"],
        groups=groups,
    )
