"""Nothing lost: the meetings the load saved, counted in the database, then removed again.

The count is taken after the server has stopped (every request answered or failed by then) and
covers only the run's branches, the load's own topic, and rows created since the run began, so
meetings saved by anything else cannot make the figures agree by chance.
"""

from __future__ import annotations

import datetime as dt

from meetings import compliance
from meetings.models import Meeting

from .clients import TOPIC
from .report import Check
from .run import Result
from .users import Cast


def _saved(cast: Cast, since: dt.datetime):
    return Meeting.objects.filter(branch_id__in=cast.branch_ids, topic=TOPIC, created_at__gte=since)


def check(result: Result, cast: Cast, since: dt.datetime) -> Check:
    redirected = [s.meeting_id for s in result.samples if s.meeting_id is not None]
    present = set(_saved(cast, since).values_list("pk", flat=True))
    return Check(
        redirected=len(redirected),
        in_database=len(present),
        missing=sorted(set(redirected) - present),
    )


def remove(cast: Cast, year: int) -> int:
    """Delete every load meeting of these branches (earlier runs' too) and recompute their compliance."""
    meetings = Meeting.objects.filter(branch_id__in=cast.branch_ids, topic=TOPIC)
    removed = meetings.count()
    meetings.delete()
    compliance.refresh(cast.branch_ids, year)
    return removed
