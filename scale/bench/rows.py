"""A row of the benchmark table, and the targets of issue 8 it is checked against.

A target only labels a row ✓ or ✗; nothing fails on a miss. Rows without a target (the
plain SQL floors, HTTP throughput) show their figures alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from .stats import Timing


@dataclass(frozen=True)
class Target:
    label: str
    check: Callable[[Row], bool]


@dataclass
class Row:
    """One measurement. Times are in milliseconds; ``figures`` keeps what a target or a note needs."""

    name: str
    runs: int | None = None
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: tuple[int, int] | None = None
    floor: str = ""
    target: Target | None = None
    note: str = ""
    figures: dict = field(default_factory=dict)

    @classmethod
    def timed(cls, name: str, timing: Timing, **extra) -> Row:
        return cls(
            name=name,
            runs=timing.runs,
            median_ms=timing.median_ms,
            p95_ms=timing.p95_ms,
            queries=timing.query_range,
            **extra,
        )

    @property
    def met(self) -> bool | None:
        """True or False against the target; None without a target or without a figure to judge."""
        if self.target is None or self.median_ms is None:
            return None
        return bool(self.target.check(self))

    def as_json(self) -> dict:
        """The row without its target function (a child process hands its rows back as JSON)."""
        return {
            "name": self.name,
            "runs": self.runs,
            "median_ms": self.median_ms,
            "p95_ms": self.p95_ms,
            "queries": list(self.queries) if self.queries else None,
            "floor": self.floor,
            "target": TARGET_NAMES.get(self.target),
            "note": self.note,
            "figures": self.figures,
        }

    @classmethod
    def from_json(cls, data: dict) -> Row:
        return cls(
            name=data["name"],
            runs=data["runs"],
            median_ms=data["median_ms"],
            p95_ms=data["p95_ms"],
            queries=tuple(data["queries"]) if data["queries"] else None,
            floor=data["floor"],
            target=TARGETS.get(data["target"]),
            note=data["note"],
            figures=data["figures"],
        )


def _under(ms: float) -> Callable[[Row], bool]:
    return lambda row: row.median_ms < ms


def _ledger_ok(row: Row) -> bool:
    return row.figures["ratio"] <= LEDGER_MAX_RATIO and row.figures["peak_mb"] < LEDGER_MAX_MB


LEDGER_MAX_RATIO = 1.5
LEDGER_MAX_MB = 200

DASHBOARD = Target("中位数 < 300 ms", _under(300))
BRANCH_PAGE = Target("中位数 < 100 ms", _under(100))
LEDGER = Target(f"≤ {LEDGER_MAX_RATIO}× openpyxl，峰值 < {LEDGER_MAX_MB} MB", _ledger_ok)

TARGETS = {"dashboard": DASHBOARD, "branch_page": BRANCH_PAGE, "ledger": LEDGER}
TARGET_NAMES = {target: name for name, target in TARGETS.items()}
