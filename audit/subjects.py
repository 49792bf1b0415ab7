"""What each history page covers: the object the URL names and the records kept beside it.

A page belongs to one object a reviewer already reaches (an organisation, a member, a meeting, a
rating, a rectification case) and reads its own history and its parts' (an organisation's terms
and grants, a member's dues lines, a meeting's attendance and votes, a rating's scores, a case's
items): the historical tables keep the parent's id, so a deleted part's rows are still found.
The object is looked up through the app's own ``get_…_or_404`` (branches/access.py underneath),
then reviewer rights over its organisation are required: admins and reviewers in scope only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404

from assessment.models import Rating, RectificationItem, Score
from assessment.selectors_ratings import get_rating_or_404
from assessment.selectors_rectification import get_case_or_404
from branches import access
from branches.models import Grant, Organisation, Term
from meetings.models import Attendance, Meeting, Resolution
from meetings.selectors import get_meeting_or_404
from members.models import DuesPayment, Member
from members.selectors import get_member_or_404


@dataclass(frozen=True)
class Source:
    """One historical table, filtered to the page's object: ``field`` names the parent's id."""

    model: type
    field: str
    label: Callable  # (historical row, names) → what the row is about, e.g. "出勤：张三"


@dataclass(frozen=True)
class Subject:
    title: str
    get: Callable  # (user, pk) → the object, or Http404
    organisation: Callable  # object → the organisation whose reviewers may read it
    sources: tuple[Source, ...]
    exports: bool = False  # the organisation's downloads of personal data are listed too


def _grant(row, names) -> str:
    return f"授权：{names.user.get(row.user_id, '已删除的用户')}（{row.get_role_display()}）"


def _attendance(row, names) -> str:
    return f"出勤：{names.member.get(row.member_id, f'#{row.member_id}')}"


def _score(row, names) -> str:
    return f"得分：{names.item.get(row.item_id, f'#{row.item_id}')}"


def _item(row, names) -> str:
    return f"整改事项：{row.problem[:20]}{'…' if len(row.problem) > 20 else ''}"


SUBJECTS: dict[str, Subject] = {
    "organisation": Subject(
        "党组织",
        lambda user, pk: access.get_organisation_or_404(user, pk),
        lambda org: org,
        (
            Source(Organisation, "id", lambda row, names: "组织信息"),
            Source(Term, "organisation_id", lambda row, names: f"第{row.number}届委员会"),
            Source(Grant, "organisation_id", _grant),
        ),
        exports=True,
    ),
    "member": Subject(
        "党员",
        get_member_or_404,
        lambda member: member.organisation,
        (
            Source(Member, "id", lambda row, names: "党员信息"),
            Source(DuesPayment, "member_id", lambda row, names: f"党费：{row.month:%Y年%m月}"),
        ),
    ),
    "meeting": Subject(
        "会议",
        get_meeting_or_404,
        lambda meeting: meeting.organisation,
        (
            Source(Meeting, "id", lambda row, names: "会议记录"),
            Source(Attendance, "meeting_id", _attendance),
            Source(Resolution, "meeting_id", lambda row, names: f"表决：{row.title}"),
        ),
    ),
    "rating": Subject(
        "星级评定",
        get_rating_or_404,
        lambda rating: rating.organisation,
        (
            Source(Rating, "id", lambda row, names: "评定"),
            Source(Score, "rating_id", _score),
        ),
    ),
    "rectification": Subject(
        "整顿整改",
        get_case_or_404,
        lambda case: case.organisation,
        (Source(RectificationItem, "case_id", _item),),
    ),
}


def subject_or_404(kind: str) -> Subject:
    try:
        return SUBJECTS[kind]
    except KeyError:
        raise Http404("没有这种修改记录。") from None


def can_read_history(user, organisation: Organisation) -> bool:
    """Admins and reviewers over the organisation (DOMAIN §8: the committee above reads the records)."""
    return access.can_review(user, organisation)
