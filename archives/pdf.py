"""The annual ledger as PDF (WeasyPrint): one branch's book and a subtree's summary (being written)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from . import ledger_data as data

Progress = Callable[[int, str], None]


def write_branch_pdf(scope: data.Scope, out: Path, *, progress: Progress | None = None) -> None:
    raise NotImplementedError


def write_summary_pdf(scope: data.Scope, out: Path) -> None:
    raise NotImplementedError
