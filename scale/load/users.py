"""The load test's accounts on a seeded tree: secretaries of distinct branches and reviewers of nodes.

Each secretary has a branch of its own (so saves do not queue behind one branch's rows) with at
least ``MIN_MEMBERS`` party members on the roster; the reviewers hold the committees nearest the
root. Running it again gives the same accounts and grants (idempotent) and resets the password,
so a login never fails: django-axes counts failed logins and would lock the account out.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from branches import services as branch_services
from branches.models import Organisation, OrgKind, Role
from branches.rules import BRANCH_KINDS
from members.models import Member

PASSWORD = "load-pass-123"  # noqa: S105 - load-test accounts on seeded data
MIN_MEMBERS = 10
SECRETARY = "load_secretary_{n:02d}"
REVIEWER = "load_reviewer_{n:02d}"


class NotEnoughData(RuntimeError):
    pass


@dataclass(frozen=True)
class Account:
    username: str
    organisation_id: int


@dataclass(frozen=True)
class Cast:
    secretaries: list[Account]
    reviewers: list[Account]

    @property
    def branch_ids(self) -> list[int]:
        return [a.organisation_id for a in self.secretaries]


def prepare(root: Organisation, *, secretaries: int, reviewers: int) -> Cast:
    branches = _branches(root, secretaries)
    nodes = _nodes(root, reviewers)
    return Cast(
        secretaries=[_grant(SECRETARY.format(n=n), org, Role.SECRETARY) for n, org in enumerate(branches, 1)],
        reviewers=[_grant(REVIEWER.format(n=n), org, Role.REVIEWER) for n, org in enumerate(nodes, 1)],
    )


def _branches(root: Organisation, wanted: int) -> list[Organisation]:
    party = Member.objects.party_members().values("pk")
    found = list(
        Organisation.objects.subtree_of(root)
        .filter(kind__in=BRANCH_KINDS, status="active")
        .annotate(party=Count("members", filter=Q(members__in=party), distinct=True))
        .filter(party__gte=MIN_MEMBERS)
        .order_by("path")[:wanted]
    )
    if len(found) < wanted:
        raise NotEnoughData(
            f"{root.code} 下有至少 {MIN_MEMBERS} 名党员的支部只有 {len(found)} 个，需要 {wanted} 个。"
        )
    return found


def _nodes(root: Organisation, wanted: int) -> list[Organisation]:
    """The root and the committees nearest it: the dashboards reviewers open most."""
    found = list(
        Organisation.objects.subtree_of(root)
        .exclude(kind__in=BRANCH_KINDS)
        .exclude(kind=OrgKind.PARTY_GROUP)
        .filter(status="active")
        .order_by("depth", "path")[:wanted]
    )
    if len(found) < wanted:
        raise NotEnoughData(f"{root.code} 下的党委只有 {len(found)} 个，需要 {wanted} 个。")
    return found


def _grant(username: str, organisation: Organisation, role: str) -> Account:
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.is_active = True
    user.set_password(PASSWORD)
    user.save()
    user.grants.exclude(organisation=organisation, role=role).delete()  # a rerun on another tree moves it
    branch_services.grant_role(user=user, organisation=organisation, role=role)
    return Account(username=username, organisation_id=organisation.pk)
