"""Pure rules of organisational life (DOMAIN §3): periods, late entries, which figures apply.

No ORM. Days are days in Asia/Shanghai: a meeting at 23:30 on 31 March belongs
to the first quarter, one at 00:10 on 1 April to the second.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from branches.rules import add_months

LOCAL_TZ = ZoneInfo("Asia/Shanghai")
LATE_ENTRY_DAYS = 30  # default; settings.MEETING_LATE_ENTRY_DAYS overrides

MONTH, QUARTER, HALF, YEAR = "month", "quarter", "half", "year"
PERIOD_MONTHS = {MONTH: 1, QUARTER: 3, HALF: 6, YEAR: 12}


def local_day(moment: dt.datetime) -> dt.date:
    """The calendar day of an aware datetime in Asia/Shanghai."""
    if moment.tzinfo is None:
        raise ValueError("local_day needs an aware datetime")
    return moment.astimezone(LOCAL_TZ).date()


def local_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of ``day`` in Asia/Shanghai, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=LOCAL_TZ)


def period_bounds(day: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """First and last day of the period (month, quarter, half-year, year) that contains ``day``."""
    months = PERIOD_MONTHS[period]
    first_month = (day.month - 1) // months * months + 1
    start = dt.date(day.year, first_month, 1)
    return start, add_months(start, months) - dt.timedelta(days=1)


def periods_of_year(year: int, period: str) -> list[tuple[dt.date, dt.date]]:
    months = PERIOD_MONTHS[period]
    return [period_bounds(dt.date(year, month, 1), period) for month in range(1, 13, months)]


def period_label(start: dt.date, period: str) -> str:
    if period == MONTH:
        return f"{start.year}年{start.month}月"
    if period == QUARTER:
        return f"{start.year}年第{(start.month - 1) // 3 + 1}季度"
    if period == HALF:
        return f"{start.year}年{'上' if start.month <= 6 else '下'}半年"
    return f"{start.year}年"


def span_label(start: dt.date, end: dt.date) -> str:
    """The label of a stored period from its own dates: a whole month, quarter, half or year, or the span."""
    for period in (MONTH, QUARTER, HALF, YEAR):
        if period_bounds(start, period) == (start, end):
            return period_label(start, period)
    return f"{start.year}年{start.month}月{start.day}日至{end.month}月{end.day}日"


def is_late_entry(held_on: dt.date, entered_on: dt.date, days: int = LATE_ENTRY_DAYS) -> bool:
    """补录: entered more than ``days`` days after the meeting was held (day 30 is still on time)."""
    return (entered_on - held_on).days > days


def attendance_met(present: int, expected: int, minimum_percent: int | None) -> bool:
    """Attendance at or above the minimum: 8 of 10 meets 80%, 7 of 10 does not."""
    if minimum_percent is None:
        return True
    if expected <= 0:
        return False
    return present * 100 >= minimum_percent * expected


@dataclass(frozen=True)
class Figures:
    """The figures of a requirement that apply to one organisation on one day, and why."""

    applies: bool
    period: str
    min_count: int
    min_attendance: int | None
    source: str  # "default" | "sector" | "organisation"
    reason: str
    effective_from: dt.date | None = None


def effective_figures(default, overrides, *, organisation_id: int, sector: str, on: dt.date) -> Figures:
    """Organisation over sector over the default; among overrides of one level the latest in force.

    ``default`` has period / min_count / min_attendance / basis; each override
    has organisation_id, sector, effective_from, applies, period, min_count,
    min_attendance and reason. Overrides that start after ``on`` are not in force.
    """
    in_force = [o for o in overrides if o.effective_from <= on]
    for source, mine in (
        ("organisation", [o for o in in_force if o.organisation_id == organisation_id]),
        ("sector", [o for o in in_force if o.organisation_id is None and o.sector == sector]),
    ):
        if mine:
            best = max(mine, key=lambda o: (o.effective_from, o.pk or 0))
            return Figures(
                applies=best.applies,
                period=best.period,
                min_count=best.min_count,
                min_attendance=best.min_attendance,
                source=source,
                reason=best.reason,
                effective_from=best.effective_from,
            )
    return Figures(
        applies=True,
        period=default.period,
        min_count=default.min_count,
        min_attendance=default.min_attendance,
        source="default",
        reason=default.basis,
    )


def month_starts(year: int) -> list[dt.date]:
    return [dt.date(year, month, 1) for month in range(1, 13)]


def lapse_window(today: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The ``months`` whole months before the current one: [start, end)."""
    end = today.replace(day=1)
    return add_months(end, -months), end
