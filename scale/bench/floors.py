"""The plain SQL aggregates over the compliance rows that the dashboard's rollups replace.

Issue 8 measured these floors by hand (10,000 branches: 100–130 ms for the yearly rate by child,
77 ms for the monthly trend); the bench times them again beside each dashboard figure, on the
same rows, so the rollups' speed-up reads off one line. They are deliberately the cheapest form
of the raw approach: one ``GROUP BY`` over ``meetings_compliancerecord`` filtered by the path
range and the year, no join to the organisations, no rendering.
"""

from __future__ import annotations

from django.db import connection

from branches.models import PATH_ALPHABET, PATH_STEP, Organisation

from .stats import Timing, duration, time_calls

BY_CHILD = """
    SELECT substr(org_path, 1, %s) AS child,
           count(*) FILTER (WHERE status = 'met') AS met,
           count(*) FILTER (WHERE status = 'short') AS short
      FROM meetings_compliancerecord
     WHERE org_path >= %s AND org_path < %s AND year = %s
     GROUP BY 1
"""
# By the period's end date (a few dozen a year), folded into months by the reader: the trend as
# the pre-rollup dashboard computed it, without a per-row month extraction.
BY_MONTH = """
    SELECT period_end,
           count(*) FILTER (WHERE status = 'met') AS met,
           count(*) FILTER (WHERE status = 'short') AS short
      FROM meetings_compliancerecord
     WHERE org_path >= %s AND org_path < %s AND year = %s
     GROUP BY 1
"""


def prefix_bounds(path: str) -> tuple[str, str]:
    """``[path, next)``: every path that starts with ``path`` sorts in this range (a B-tree range scan).

    Paths are made of PATH_ALPHABET, digits before capitals, so the upper bound is ``path`` with its
    last character that can grow grown by one (trailing ``Z`` dropped).
    """
    chars = list(path)
    for i in range(len(chars) - 1, -1, -1):
        pos = PATH_ALPHABET.find(chars[i])
        if 0 <= pos < len(PATH_ALPHABET) - 1:
            return path, "".join(chars[:i]) + PATH_ALPHABET[pos + 1]
    return path, "\uffff"


def rate_by_child(node: Organisation, year: int) -> list[tuple]:
    low, high = prefix_bounds(node.path)
    with connection.cursor() as cursor:
        cursor.execute(BY_CHILD, [len(node.path) + PATH_STEP, low, high, year])
        return cursor.fetchall()


def monthly_trend(node: Organisation, year: int) -> list[tuple]:
    low, high = prefix_bounds(node.path)
    with connection.cursor() as cursor:
        cursor.execute(BY_MONTH, [low, high, year])
        return cursor.fetchall()


def measure(node: Organisation, year: int, *, runs: int) -> dict[str, Timing]:
    return {
        "by_child": time_calls(lambda: rate_by_child(node, year), runs=runs),
        "trend": time_calls(lambda: monthly_trend(node, year), runs=runs),
    }


def describe(floors: dict[str, Timing]) -> str:
    """The cell beside a dashboard figure: both aggregates' medians."""
    by_child, trend = floors["by_child"].median_ms, floors["trend"].median_ms
    return f"按下级 {duration(by_child)} + 月度趋势 {duration(trend)}"
