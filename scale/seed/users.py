"""The benchmark's accounts: a reviewer of the root and of the first county, the bench branch's
secretary, an administrator. Password ``bench-pass-123``.

Seeding another tree into the same database adds that tree's grants to the same accounts
(the benchmark looks for the grant inside the tree it measures); only the roster link of
``scale_secretary`` (one member per account) moves to the newest bench branch.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from branches import services as branch_services
from branches.models import Organisation, Role
from members.models import Member

from .context import SeedContext
from .tree import Tree

PASSWORD = "bench-pass-123"  # noqa: S105 - a benchmark account on seeded test data


def _account(username: str, *, superuser: bool = False):
    user, _ = get_user_model().objects.get_or_create(username=username)
    user.is_active = True
    user.is_superuser = user.is_staff = superuser
    user.set_password(PASSWORD)
    user.save()
    return user


def build(ctx: SeedContext, tree: Tree) -> dict[str, int]:
    """The accounts and their grants; the secretary is also the bench branch's 书记 on the roster."""
    root = tree.root.id
    accounts = {}
    for username, org_id, role, superuser in (
        ("scale_root", root, Role.REVIEWER, False),
        ("scale_county", tree.counties[0].id, Role.REVIEWER, False),
        ("scale_secretary", tree.bench.id, Role.SECRETARY, False),
        ("scale_admin", root, Role.ADMIN, True),
    ):
        user = _account(username, superuser=superuser)
        organisation = Organisation.objects.get(pk=org_id)
        branch_services.grant_role(user=user, organisation=organisation, role=role)
        accounts[username] = user.pk
    secretary = tree.bench.terms[-1].cadres[0][0]
    Member.objects.filter(user_id=accounts["scale_secretary"]).update(user=None)
    Member.objects.filter(pk=secretary).update(user_id=accounts["scale_secretary"])
    return accounts
