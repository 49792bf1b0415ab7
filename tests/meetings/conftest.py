"""Meetings fixtures on top of tests/conftest.py's tree: the kinds, ten members, a committee, a recorder.

Times are given in Asia/Shanghai (``local``); saves pass a fixed ``now`` after every
meeting used here, so no test depends on today's date.
"""

import datetime as dt

import pytest

from meetings import rules
from meetings.defaults import ensure_defaults
from meetings.models import MeetingKind, Presence, Requirement
from meetings.services.meetings import Mark, meeting_save
from members.services.members import appointment_add, current_term
from tests.factories import make_member

NOW = dt.datetime(2026, 11, 20, 12, 0, tzinfo=rules.LOCAL_TZ)


def local(year, month, day, hour=9, minute=0) -> dt.datetime:
    """A moment in Asia/Shanghai."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=rules.LOCAL_TZ)


def requirement(code: str, org_kind: str = "branch") -> Requirement:
    return Requirement.objects.select_related("kind").get(kind__code=code, org_kind=org_kind)


@pytest.fixture
def kinds(db) -> dict[str, MeetingKind]:
    """The eight kinds of the data migration, by code (again after a transactional test flushed them)."""
    ensure_defaults()
    return {k.code: k for k in MeetingKind.objects.all()}


@pytest.fixture
def ten(tree):
    """Ten full members of 东村党支部; the first four in its party group."""
    branch, group = tree["branch"], tree["group"]
    return [make_member(branch, name=f"成员{n:02d}", party_group=group if n < 4 else None) for n in range(10)]


@pytest.fixture
def branch_committee(tree, ten):
    """A 支部委员会 of three (书记, 组织委员, 宣传委员) appointed when the term began, 10 Jan 2024."""
    term = current_term(tree["branch"])
    for member, position in zip(ten[:3], ("secretary", "organisation", "propaganda"), strict=True):
        appointment_add(term=term, member=member, position=position, appointed_on=dt.date(2024, 1, 10))
    return ten[:3]


@pytest.fixture
def record_meeting(kinds):
    """Save (and by default submit) a meeting: everyone present except those named."""

    def _record(org, code, starts_at, *, absent=(), leave=(), submit=True, now=NOW, topic="学习党章", **kw):
        attendance = {m.pk: Mark(Presence.ABSENT) for m in absent}
        attendance |= {m.pk: Mark(Presence.LEAVE, "出差") for m in leave}
        return meeting_save(
            organisation=org,
            kind=kinds[code],
            starts_at=starts_at,
            attendance=attendance,
            submit=submit,
            now=now,
            topic=topic,
            **kw,
        )

    return _record
