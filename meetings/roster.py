"""Who was expected at a meeting: the roster of an organisation on a given day (DOMAIN §3).

Read from the members app's records, not typed: a member who transferred out
before the meeting, left, or was admitted after it, is not expected; one who
transferred out after it still is. Not scoped by user — the services that call
it have already checked the organisation through branches.access.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from branches.models import Organisation, OrgKind
from branches.rules import BRANCH_KINDS
from members.models import (
    PARTY_STAGES,
    Appointment,
    Member,
    MemberStatus,
    Stage,
    Transfer,
    TransferDirection,
    TransferStatus,
)


def _branch_members_on(branch_q: Q, transfer_to: Q, transfer_from: Q, day: dt.date) -> QuerySet[Member]:
    arrived_later = Transfer.objects.filter(
        transfer_to,
        direction__in=(TransferDirection.OUT_INTERNAL, TransferDirection.IN_EXTERNAL),
        status=TransferStatus.ACCEPTED,
        decided_on__gt=day,
    ).values("member_id")
    left_later = Transfer.objects.filter(
        transfer_from,
        direction=TransferDirection.OUT_INTERNAL,
        status=TransferStatus.ACCEPTED,
        decided_on__gt=day,
    ).values("member_id")
    on_roster = branch_q & (Q(status=MemberStatus.ACTIVE) | Q(left_on__gt=day))
    # Read first (a few rows at most): "the branch's rows OR a subquery" cannot use the organisation
    # index and scanned every member (100 ms at 200,000 members); "OR pk IN (ids)" can.
    left_ids = list(left_later.values_list("member_id", flat=True))
    return (
        Member.objects.filter(on_roster | Q(pk__in=left_ids))
        .exclude(pk__in=arrived_later)
        .filter(stage__in=PARTY_STAGES)
        # Admitted at this very meeting (or later): not yet a member when it sat.
        .filter(Q(admitted_on__isnull=True) | Q(admitted_on__lt=day))
    )


def party_members_on(organisation: Organisation, day: dt.date) -> QuerySet[Member]:
    """正式党员 and 预备党员 of the organisation on ``day`` (admitted before it).

    A branch: its own members; a party group: the members of its branch in the
    group; a general branch or committee: the members of every branch below it.
    """
    if organisation.kind == OrgKind.PARTY_GROUP:
        return party_members_on(organisation.parent, day).filter(party_group=organisation)
    if organisation.kind in BRANCH_KINDS:
        return _branch_members_on(
            Q(organisation=organisation),
            Q(to_organisation=organisation),
            Q(from_organisation=organisation),
            day,
        )
    prefix = organisation.path
    return _branch_members_on(
        Q(organisation__path__startswith=prefix),
        Q(to_organisation__path__startswith=prefix) & ~Q(from_organisation__path__startswith=prefix),
        Q(from_organisation__path__startswith=prefix) & ~Q(to_organisation__path__startswith=prefix),
        day,
    )


def committee_members_on(branch: Organisation, day: dt.date) -> QuerySet[Member]:
    """The branch committee (支部委员会) on ``day``: appointments open that day."""
    ids = Appointment.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=day), term__organisation=branch, appointed_on__lte=day
    ).values("member_id")
    return Member.objects.filter(pk__in=ids)


def voters_on(members: QuerySet[Member], day: dt.date) -> QuerySet[Member]:
    """Who of ``members`` had a vote on ``day``: 正式党员 confirmed before it (预备党员 have no vote)."""
    return members.filter(stage=Stage.FULL).filter(Q(confirmed_on__isnull=True) | Q(confirmed_on__lt=day))
