"""Pure rules of organisations and terms (DOMAIN §1). No ORM, no I/O.

The figures (5 years, 3 years, 6 months, 1 year) are the national defaults of
《关于党的基层组织任期的意见》(2018) and the 2018 支部工作条例.
"""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum

COMMITTEE = "committee"
GENERAL_BRANCH = "general_branch"
BRANCH = "branch"
JOINT_BRANCH = "joint_branch"
PARTY_GROUP = "party_group"

BRANCH_KINDS = frozenset({BRANCH, JOINT_BRANCH})

# In villages and communities every level serves five years.
FIVE_YEAR_SECTORS = frozenset({"village", "community"})

REMINDER_LEAD_MONTHS = 6
MAX_ADJUSTMENT_MONTHS = 12


class TermStatus(StrEnum):
    OK = "ok"
    DUE = "due"
    OVERDUE = "overdue"


def add_months(day: dt.date, months: int) -> dt.date:
    """Shift a date by whole months; a day missing in the target month falls to its last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def add_years(day: dt.date, years: int) -> dt.date:
    """Anniversary; an election on 29 February expires on 28 February of a common year."""
    return add_months(day, 12 * years)


def default_term_years(kind: str, sector: str | None) -> int:
    """Default length of a term: committees 5, general branches and branches 3, villages and communities 5."""
    if kind == COMMITTEE or sector in FIVE_YEAR_SECTORS:
        return 5
    return 3


def regular_expiry(elected_on: dt.date, years: int) -> dt.date:
    return add_years(elected_on, years)


def adjustment_allowed(regular: dt.date, adjusted: dt.date) -> bool:
    """Postponing or advancing an election needs approval and may move it by at most one year."""
    return (
        add_months(regular, -MAX_ADJUSTMENT_MONTHS) <= adjusted <= add_months(regular, MAX_ADJUSTMENT_MONTHS)
    )


def term_status(expires_on: dt.date, today: dt.date) -> TermStatus:
    """ok → due from exactly 6 months before expiry through the expiry day → overdue the day after."""
    if today > expires_on:
        return TermStatus.OVERDUE
    if today >= add_months(expires_on, -REMINDER_LEAD_MONTHS):
        return TermStatus.DUE
    return TermStatus.OK


def due_horizon(today: dt.date) -> dt.date:
    """The latest expiry date that is DUE (or overdue) on ``today``, for an indexed ``expires_on <=`` filter.

    It inverts ``term_status``: on the last day of a month every expiry in the
    month six months on is already due (31 August is due from 28 February).
    """
    horizon = add_months(today, REMINDER_LEAD_MONTHS)
    if today.day == calendar.monthrange(today.year, today.month)[1]:
        horizon = horizon.replace(day=calendar.monthrange(horizon.year, horizon.month)[1])
    return horizon


def days_left(expires_on: dt.date, today: dt.date) -> int:
    return (expires_on - today).days


def reminder_stage(expires_on: dt.date, today: dt.date) -> str | None:
    """The latest reminder stage reached on ``today``, or None before the first.

    Stages: ``m6``, ``m3``, ``m1`` (months before expiry), ``d0`` (the expiry day)
    and ``overdue-N`` for each whole month N past expiry. Taking the latest
    stage reached (not only the exact day) means a missed day of the job still
    reminds; the unique notice row makes each stage go out once.
    """
    if today < add_months(expires_on, -6):
        return None
    if today < add_months(expires_on, -3):
        return "m6"
    if today < add_months(expires_on, -1):
        return "m3"
    if today < expires_on:
        return "m1"
    months = 0
    while add_months(expires_on, months + 1) <= today:
        months += 1
    return "d0" if months == 0 else f"overdue-{months}"


STAGE_LABELS = {"m6": "距届满不足6个月", "m3": "距届满不足3个月", "m1": "距届满不足1个月", "d0": "已到届满日"}


def reminder_stage_label(stage: str) -> str:
    if stage.startswith("overdue-"):
        return f"已超期{stage.removeprefix('overdue-')}个月"
    return STAGE_LABELS[stage]


def child_kind_error(parent_kind: str | None, child_kind: str) -> str | None:
    """Why ``child_kind`` may not sit under ``parent_kind``, or None when it may."""
    if parent_kind == PARTY_GROUP:
        return "党小组下不能再设立组织。"
    if child_kind == PARTY_GROUP and parent_kind not in BRANCH_KINDS:
        return "党小组只能设在党支部或联合党支部内。"
    if child_kind in BRANCH_KINDS and parent_kind in BRANCH_KINDS:
        return "党支部不能直接设在另一个党支部之下。"
    if child_kind == COMMITTEE and parent_kind not in (None, COMMITTEE):
        return "党委只能设在上级党委之下。"
    if child_kind == GENERAL_BRANCH and parent_kind not in (COMMITTEE,):
        return "党总支只能设在党委之下。"
    if parent_kind is None and child_kind != COMMITTEE:
        return "最上层组织必须是党委或组织部门。"
    return None
