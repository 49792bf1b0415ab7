"""Reads of members, always scoped through branches.access."""

from __future__ import annotations

from django.db.models import Avg, Case, Count, IntegerField, Q, QuerySet, Value, When
from django.db.models.fields.json import KT
from django.http import Http404

from branches import access
from branches.db import pinyin
from branches.models import Organisation

from . import rules
from .models import Appointment, Member, Position, RosterImport


def visible_members(user) -> QuerySet[Member]:
    """Members in the organisations the user oversees, plus the user's own record."""
    if not getattr(user, "is_authenticated", False):
        return Member.objects.none()
    orgs = access.visible_organisations(user, as_member=False)
    return Member.objects.filter(Q(organisation__in=orgs) | Q(user=user))


def own_member(user) -> Member | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return Member.objects.filter(user=user, status="active").first()


def get_member_or_404(user, pk, *, edit: bool = False) -> Member:
    """The member if the user may see them (and keep their record, with ``edit``); 404 otherwise."""
    try:
        member = visible_members(user).select_related("organisation", "party_group").get(pk=pk)
    except (Member.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该党员，或您无权查看。") from None
    if edit and not access.can_record(user, member.organisation):
        raise Http404("没有找到该党员，或您无权修改。")
    return member


def get_appointment_or_404(user, pk, *, edit: bool = False) -> Appointment:
    try:
        appointment = Appointment.objects.select_related("term__organisation", "member").get(
            pk=pk, term__organisation__in=access.visible_organisations(user, as_member=False)
        )
    except (Appointment.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该任职记录。") from None
    if edit and not access.can_record(user, appointment.term.organisation):
        raise Http404("没有找到该任职记录。")
    return appointment


def recent_dues(member: Member, months: int = 12):
    """The member's last months of dues, newest first — what a member sees of their own 党费."""
    return member.dues_payments.order_by("-month")[:months]


def get_import_or_404(user, pk) -> RosterImport:
    """A roster import if the user keeps the records of its branch; 404 otherwise (another branch's too)."""
    try:
        roster_import = RosterImport.objects.select_related("organisation", "uploaded_by").get(
            pk=pk, organisation__in=access.visible_organisations(user, as_member=False)
        )
    except (RosterImport.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该导入记录，或您无权查看。") from None
    if not access.can_record(user, roster_import.organisation):
        raise Http404("没有找到该导入记录，或您无权查看。")
    return roster_import


def recent_imports(organisation, limit: int = 10):
    """The branch's latest imports; a large file's summary weighs megabytes, so only its phase is read."""
    return (
        RosterImport.objects.filter(organisation=organisation)
        .select_related("uploaded_by")
        .defer("summary")
        .annotate(phase=KT("summary__phase"))[:limit]
    )


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
    party = Member.objects.party_members().filter(organisation=organisation)
    by_stage = dict(party.values_list("stage").annotate(n=Count("pk")).values_list("stage", "n"))
    return {
        "members": sum(by_stage.values()),
        "full_members": by_stage.get("full", 0),
        "probationary": by_stage.get("probationary", 0),
        "committee_size": committee(organisation).count(),
    }


def group_counts(branch_ids) -> dict[int, list]:
    """Party groups of the given branches with their party members and full members (one query)."""
    active = Q(group_members__status="active")
    groups: dict[int, list] = {}
    for g in (
        Organisation.objects.filter(parent__in=branch_ids, kind="party_group", status="active")
        .annotate(
            n=Count("group_members", filter=active & Q(group_members__stage__in=["full", "probationary"])),
            n_full=Count("group_members", filter=active & Q(group_members__stage="full")),
        )
        .order_by("path")
    ):
        groups.setdefault(g.parent_id, []).append(
            rules.GroupCounts(name=g.name, members=g.n, full_members=g.n_full)
        )
    return groups


def branch_structure_warnings(organisation) -> list[str]:
    counts = branch_counts(organisation)
    return rules.structure_warnings(
        full_members=counts["full_members"],
        members=counts["members"],
        committee_size=counts["committee_size"],
        groups=group_counts([organisation.pk]).get(organisation.pk, []),
    )


def roster(user, organisation, *, stage: str = "", query: str = "", order: str = "name", include_left=False):
    """The members under ``organisation`` (a branch, or every branch of a subtree) the user may see."""
    qs = visible_members(user).filter(organisation__path__startswith=organisation.path)
    if not include_left:
        qs = qs.filter(status="active")
    if stage == "party":
        qs = qs.filter(stage__in=["full", "probationary"])
    elif stage:
        qs = qs.filter(stage=stage)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(work_unit__icontains=query))
    ordering = {
        "name": ["organisation__path", pinyin("name"), "pk"],
        "completeness": ["completeness", "organisation__path", pinyin("name"), "pk"],
    }[order if order in ("name", "completeness") else "name"]
    return qs.select_related("organisation", "party_group").order_by(*ordering)


def subtree_overview(user, organisation) -> list[dict]:
    """Per branch of the subtree: party members, full members, average completeness, structure warnings.

    Four aggregate queries whatever the number of branches.
    """
    branches = list(
        access.visible_organisations(user, as_member=False)
        .filter(path__startswith=organisation.path, kind__in=["branch", "joint_branch"], status="active")
        .select_related("parent")
        .order_by("path")
    )
    ids = [b.pk for b in branches]
    stats = {
        row["organisation"]: row
        for row in Member.objects.filter(
            organisation__in=ids, status="active", stage__in=["full", "probationary"]
        )
        .values("organisation")
        .annotate(
            members=Count("pk"),
            full=Count("pk", filter=Q(stage="full")),
            completeness=Avg("completeness"),
        )
    }
    committees = dict(
        Appointment.objects.filter(term__organisation__in=ids, term__status="current", ended_on__isnull=True)
        .values("term__organisation")
        .annotate(n=Count("pk"))
        .values_list("term__organisation", "n")
    )
    groups = group_counts(ids)
    rows = []
    for branch in branches:
        s = stats.get(branch.pk, {})
        rows.append(
            {
                "org": branch,
                "members": s.get("members", 0),
                "full_members": s.get("full", 0),
                "completeness": round(s["completeness"]) if s.get("completeness") is not None else None,
                "warnings": rules.structure_warnings(
                    full_members=s.get("full", 0),
                    members=s.get("members", 0),
                    committee_size=committees.get(branch.pk, 0),
                    groups=groups.get(branch.pk, []),
                ),
            }
        )
    return rows
