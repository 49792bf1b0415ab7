"""meetings/rules.py: periods, Asia/Shanghai days, late entries, attendance, the six-month window."""

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from meetings import rules

D = dt.date
UTC = dt.UTC


@pytest.mark.parametrize(
    ("day", "period", "bounds"),
    [
        (D(2026, 5, 17), "month", (D(2026, 5, 1), D(2026, 5, 31))),
        (D(2028, 2, 10), "month", (D(2028, 2, 1), D(2028, 2, 29))),  # leap year
        (D(2026, 2, 10), "month", (D(2026, 2, 1), D(2026, 2, 28))),
        (D(2026, 3, 31), "quarter", (D(2026, 1, 1), D(2026, 3, 31))),
        (D(2026, 4, 1), "quarter", (D(2026, 4, 1), D(2026, 6, 30))),
        (D(2026, 12, 31), "quarter", (D(2026, 10, 1), D(2026, 12, 31))),
        (D(2026, 6, 30), "half", (D(2026, 1, 1), D(2026, 6, 30))),
        (D(2026, 7, 1), "half", (D(2026, 7, 1), D(2026, 12, 31))),
        (D(2026, 1, 1), "year", (D(2026, 1, 1), D(2026, 12, 31))),
        (D(2026, 12, 31), "year", (D(2026, 1, 1), D(2026, 12, 31))),
    ],
)
def test_period_bounds(day, period, bounds):
    assert rules.period_bounds(day, period) == bounds


@pytest.mark.parametrize(("period", "count"), [("month", 12), ("quarter", 4), ("half", 2), ("year", 1)])
def test_periods_of_year_cover_the_year_without_gaps(period, count):
    periods = rules.periods_of_year(2026, period)
    assert len(periods) == count
    assert periods[0][0] == D(2026, 1, 1) and periods[-1][1] == D(2026, 12, 31)
    for (_, end), (start, _) in zip(periods, periods[1:], strict=False):
        assert start == end + dt.timedelta(days=1)


def test_periods_of_year_quarters():
    assert rules.periods_of_year(2026, "quarter") == [
        (D(2026, 1, 1), D(2026, 3, 31)),
        (D(2026, 4, 1), D(2026, 6, 30)),
        (D(2026, 7, 1), D(2026, 9, 30)),
        (D(2026, 10, 1), D(2026, 12, 31)),
    ]


@pytest.mark.parametrize(
    ("start", "period", "label"),
    [
        (D(2026, 5, 1), "month", "2026年5月"),
        (D(2026, 1, 1), "quarter", "2026年第1季度"),
        (D(2026, 10, 1), "quarter", "2026年第4季度"),
        (D(2026, 1, 1), "half", "2026年上半年"),
        (D(2026, 7, 1), "half", "2026年下半年"),
        (D(2026, 1, 1), "year", "2026年"),
    ],
)
def test_period_label(start, period, label):
    assert rules.period_label(start, period) == label


def test_local_day_at_the_quarter_edge():
    late_evening = dt.datetime(2026, 3, 31, 15, 30, tzinfo=UTC)  # 23:30 on 31 March in Shanghai
    just_after = dt.datetime(2026, 3, 31, 16, 10, tzinfo=UTC)  # 00:10 on 1 April in Shanghai
    assert late_evening.astimezone(rules.LOCAL_TZ).strftime("%H:%M") == "23:30"
    assert rules.local_day(late_evening) == D(2026, 3, 31)
    assert rules.local_day(just_after) == D(2026, 4, 1)
    assert rules.period_bounds(rules.local_day(late_evening), "quarter")[0] == D(2026, 1, 1)
    assert rules.period_bounds(rules.local_day(just_after), "quarter")[0] == D(2026, 4, 1)
    # The same moments given in local time.
    assert rules.local_day(dt.datetime(2026, 3, 31, 23, 30, tzinfo=rules.LOCAL_TZ)) == D(2026, 3, 31)
    assert rules.local_day(dt.datetime(2026, 4, 1, 0, 10, tzinfo=rules.LOCAL_TZ)) == D(2026, 4, 1)


def test_local_day_needs_an_aware_datetime():
    with pytest.raises(ValueError):
        rules.local_day(dt.datetime(2026, 3, 31, 23, 30))


def test_local_start_is_shanghai_midnight():
    start = rules.local_start(D(2026, 4, 1))
    assert start.astimezone(UTC) == dt.datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    assert rules.local_day(start) == D(2026, 4, 1)
    assert rules.local_day(start - dt.timedelta(microseconds=1)) == D(2026, 3, 31)


@pytest.mark.parametrize(
    ("entered", "late"),
    [
        (D(2026, 3, 1), False),  # the same day
        (D(2026, 3, 31), False),  # 30 days after: still on time
        (D(2026, 4, 1), True),  # 31 days after: 补录
        (D(2026, 6, 1), True),
    ],
)
def test_is_late_entry_at_thirty_days(entered, late):
    assert rules.is_late_entry(D(2026, 3, 1), entered) == late


def test_is_late_entry_with_other_limits():
    assert not rules.is_late_entry(D(2026, 3, 1), D(2026, 4, 1), days=31)
    assert rules.is_late_entry(D(2026, 3, 1), D(2026, 3, 9), days=7)


@pytest.mark.parametrize(
    ("present", "expected", "minimum", "met"),
    [
        (8, 10, 80, True),
        (7, 10, 80, False),
        (4, 5, 80, True),  # exactly 80 %
        (10, 10, 100, True),
        (9, 10, 100, False),
        (0, 10, None, True),  # no minimum
        (0, 0, 80, False),  # nobody expected cannot meet a minimum
    ],
)
def test_attendance_met(present, expected, minimum, met):
    assert rules.attendance_met(present, expected, minimum) == met


@given(st.integers(min_value=0, max_value=500), st.integers(min_value=1, max_value=500), st.integers(1, 100))
def test_attendance_met_is_a_percentage(present, expected, minimum):
    assert rules.attendance_met(present, expected, minimum) == (Fraction(100 * present, expected) >= minimum)


@pytest.mark.parametrize(
    ("today", "window"),
    [
        (D(2026, 11, 28), (D(2026, 5, 1), D(2026, 11, 1))),  # six whole months before November
        (D(2026, 11, 1), (D(2026, 5, 1), D(2026, 11, 1))),  # the current month never counts
        (D(2026, 1, 15), (D(2025, 7, 1), D(2026, 1, 1))),  # across the new year
        (D(2026, 8, 31), (D(2026, 2, 1), D(2026, 8, 1))),
    ],
)
def test_lapse_window(today, window):
    assert rules.lapse_window(today, 6) == window


def test_month_starts():
    assert rules.month_starts(2026) == [D(2026, m, 1) for m in range(1, 13)]


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (D(2026, 5, 1), D(2026, 5, 31), "2026年5月"),
        (D(2026, 4, 1), D(2026, 6, 30), "2026年第2季度"),
        (D(2026, 7, 1), D(2026, 12, 31), "2026年下半年"),
        (D(2026, 1, 1), D(2026, 12, 31), "2026年"),
        (D(2026, 4, 1), D(2026, 5, 14), "2026年4月1日至5月14日"),  # cut short by an override
        (D(2026, 5, 15), D(2026, 5, 31), "2026年5月15日至5月31日"),
    ],
)
def test_span_label_of_stored_periods(start, end, label):
    assert rules.span_label(start, end) == label
