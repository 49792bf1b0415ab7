"""Dashboard rollups per (organisation node, period, indicator) — being written (issue 8)."""


def rebuild(years=None) -> int:
    """Recompute every rollup row from the compliance, dues and member rows; returns rows written."""
    return 0
