"""What the bench measures: the seeded tree of ``seed_scale`` and its users, and the data's size.

``seed_scale`` names its root ``SCALE-<N>`` and grants the users below; the county and the
bench branch are read back from the grants, so the bench needs no ids from the seeding run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from branches.models import Organisation, OrgKind, Role
from branches.rules import BRANCH_KINDS

ROOT_CODE = "SCALE-{n}"
ROOT_USER = "scale_root"
COUNTY_USER = "scale_county"
SECRETARY = "scale_secretary"


@dataclass
class Subjects:
    root: Organisation
    county: Organisation
    branch: Organisation
    root_user: object
    county_user: object
    secretary: object
    year: int

    @property
    def today(self) -> dt.date:
        return timezone.localdate()


def root_of(branches: int) -> Organisation | None:
    return Organisation.objects.filter(code=ROOT_CODE.format(n=branches), parent__isnull=True).first()


def seeded(branches: int) -> Subjects | None:
    """The seeded tree of ``branches`` branches with its three users, or None when it is not there."""
    root = root_of(branches)
    if root is None:
        return None
    users = get_user_model().objects.filter(username__in=(ROOT_USER, COUNTY_USER, SECRETARY))
    by_name = {u.username: u for u in users}
    if len(by_name) < 3:
        return None
    county = _granted(by_name[COUNTY_USER], Role.REVIEWER, root)
    branch = _granted(by_name[SECRETARY], Role.SECRETARY, root)
    if county is None or branch is None:
        return None
    return Subjects(
        root=root,
        county=county,
        branch=branch,
        root_user=by_name[ROOT_USER],
        county_user=by_name[COUNTY_USER],
        secretary=by_name[SECRETARY],
        year=timezone.localdate().year,
    )


def _granted(user, role: str, root: Organisation) -> Organisation | None:
    """The organisation of the user's grant inside this tree (a database may hold several seeded trees)."""
    granted = Organisation.objects.subtree_of(root).filter(grants__user=user, grants__role=role)
    return granted.order_by("depth", "pk").first()


def data_size(root: Organisation, year: int) -> dict[str, int]:
    """Rows of the subtree that the pages and the ledger read (exact counts, not estimates)."""
    from assessment.models import Rating
    from meetings.models import Attendance, ComplianceRecord, Meeting
    from members.models import DuesPayment, Member

    orgs = Organisation.objects.subtree_of(root)
    ids = orgs.values("pk")
    return {
        "organisations": orgs.count(),
        "branches": orgs.filter(kind__in=BRANCH_KINDS).count(),
        "committees": orgs.filter(~Q(kind__in=BRANCH_KINDS) & ~Q(kind=OrgKind.PARTY_GROUP)).count(),
        "party_members": Member.objects.party_members().filter(organisation_id__in=ids).count(),
        "meetings": Meeting.objects.filter(branch_id__in=ids).count(),
        "attendance": Attendance.objects.filter(meeting__branch_id__in=ids).count(),
        "dues": DuesPayment.objects.filter(member__organisation_id__in=ids).count(),
        "compliance": ComplianceRecord.objects.filter(organisation_id__in=ids).count(),
        "compliance_year": ComplianceRecord.objects.filter(organisation_id__in=ids, year=year).count(),
        "ratings": Rating.objects.filter(organisation_id__in=ids).count(),
    }
