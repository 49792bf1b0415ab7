"""What the assessment app does when a lower app reports an event (connected in AssessmentConfig.ready)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from .models import RectificationCase
from .services.publicity import publicity_open

ELECTION_NOTICE_DAYS = 5


def publish_election_result(sender, *, election, by=None, **kwargs) -> None:
    """A reported election result goes under 公示 for five days: the new committee by name and post."""
    today = timezone.localdate()
    elected = election.candidates.filter(elected=True).select_related("member").order_by("order")
    lines = "、".join(f"{c.member.name}（{c.get_position_display() or '委员'}）" for c in elected)
    publicity_open(
        organisation=election.organisation,
        subject="election",
        title=f"{election.organisation.name}换届选举结果",
        body=f"经党员大会选举，新一届委员会由以下同志组成：{lines}。",
        starts_on=today,
        ends_on=today + dt.timedelta(days=ELECTION_NOTICE_DAYS - 1),
        by=by,
    )


ADMISSION_NOTICE_DAYS = 7


def publish_candidate(sender, *, member, stage, on, by=None, **kwargs) -> None:
    """A new 发展对象 goes under 公示 for seven days from the decision: the name and the branch only."""
    if stage != "candidate":
        return
    organisation = member.organisation
    publicity_open(
        organisation=organisation,
        subject="admission",
        title=f"{organisation.name}发展对象公示：{member.name}",
        body=f"经支部委员会研究，拟将{member.name}同志列为发展对象。",
        starts_on=on,
        ends_on=on + dt.timedelta(days=ADMISSION_NOTICE_DAYS - 1),
        by=by,
    )


def update_rollups(sender, *, organisation_ids, year, everything=False, **kwargs) -> None:
    """Compliance rows were refreshed: the dashboard's rollups follow (all of them after a full refresh)."""
    from . import rollups

    if rollups.is_deferred():
        return
    if everything:
        rollups.rebuild([year])
    else:
        rollups.refresh_branches(organisation_ids, [year])


def schedule_rollups(sender, *, organisation_ids, years=(), **kwargs) -> None:
    """A lower app changed a branch's members, posts or dues: its rollups follow in a task, after commit."""
    from . import rollups

    rollups.schedule(organisation_ids, years)


def follow_move(sender, *, organisation, old_path, **kwargs) -> None:
    """A subtree moved: the copies of its paths follow, and its sums leave the old place for the new one."""
    from . import rollups

    rollups.moved(organisation, old_path)


def rows_saved(sender, instance, **kwargs) -> None:
    """A rating, acceptance, rectification item or case, or a term was written: its branch's rollups follow.

    Connected to post_save and post_delete of those models; writes by ``QuerySet.update`` call
    ``rollups.schedule`` themselves.
    """
    from . import rollups

    organisation_id = getattr(instance, "organisation_id", None)
    if organisation_id is None and hasattr(instance, "case_id"):
        organisation_id = (
            RectificationCase.objects.filter(pk=instance.case_id)
            .values_list("organisation_id", flat=True)
            .first()
        )
    year = getattr(instance, "year", None)
    rollups.schedule([organisation_id], [year] if isinstance(year, int) else ())
