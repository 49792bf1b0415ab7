"""Building a claimed ledger's file: the workbook, one branch's PDF, a subtree's PDF parts and their ZIP.

Files are built in a temporary folder and then handed to ``ledgers.ledger_store``; the
parts of a subtree PDF go through the storage backend (``ledgers/parts/<id>/``), because
the branches are rendered by subtasks that may run on other machines.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from branches.models import Organisation

from .. import excel, pdf, rules
from .. import ledger_data as data
from ..models import LedgerFile
from . import ledgers

PARTS = "ledgers/parts"


def _reporter(ledger_id: int):
    def report(percent: int, step: str) -> None:
        ledgers.ledger_progress(ledger_id, percent, step)

    return report


def build_workbook(ledger: LedgerFile) -> LedgerFile:
    scope = data.scope_for(ledger.organisation, ledger.year)
    with tempfile.TemporaryDirectory(prefix="ledger-") as folder:
        path = Path(folder) / "ledger.xlsx"
        excel.write_workbook(scope, path, progress=_reporter(ledger.pk))
        return ledgers.ledger_store(ledger.pk, path)


def build_branch_pdf(ledger: LedgerFile) -> LedgerFile:
    scope = data.branch_scope(ledger.organisation, ledger.year)
    with tempfile.TemporaryDirectory(prefix="ledger-") as folder:
        path = Path(folder) / "ledger.pdf"
        pdf.write_branch_pdf(scope, path, progress=_reporter(ledger.pk))
        return ledgers.ledger_store(ledger.pk, path)


def subtree_branches(ledger: LedgerFile) -> list[int]:
    """The branches a subtree PDF renders, one subtask each; records the count for the bar."""
    ids = data.scope_for(ledger.organisation, ledger.year).branch_ids
    LedgerFile.objects.filter(pk=ledger.pk).update(parts_total=len(ids), parts_done=0)
    ledgers.ledger_progress(ledger.pk, 5, f"正在分{len(ids)}个党支部生成")
    return ids


def part_name(ledger_id: int, branch_id: int) -> str:
    return f"{PARTS}/{ledger_id}/{branch_id}.pdf"


def build_part(ledger_id: int, branch_id: int) -> str:
    """One branch's PDF of a subtree ledger, stored as a part; a retry overwrites its own part only."""
    ledger = LedgerFile.objects.get(pk=ledger_id)
    branch = Organisation.objects.get(pk=branch_id)
    scope = data.branch_scope(branch, ledger.year)
    name = part_name(ledger_id, branch_id)
    with tempfile.TemporaryDirectory(prefix="ledger-part-") as folder:
        path = Path(folder) / "part.pdf"
        pdf.write_branch_pdf(scope, path)
        if default_storage.exists(name):
            default_storage.delete(name)
        with open(path, "rb") as handle:
            stored = default_storage.save(name, ContentFile(handle.read()))
    ledgers.ledger_part_done(ledger_id, f"已完成：{branch.name}")
    return stored


def assemble_zip(ledger_id: int, stored_parts: list[str]) -> LedgerFile:
    """The subtree's summary PDF and every branch's PDF in one ZIP; the parts are removed afterwards."""
    ledger = LedgerFile.objects.select_related("organisation").get(pk=ledger_id)
    scope = data.scope_for(ledger.organisation, ledger.year)
    names = {b.pk: b.name for b in scope.branches}
    ledgers.ledger_progress(ledger_id, 92, "正在生成汇总表并打包")
    parts = []
    for stored in stored_parts:
        branch_id = int(Path(stored).stem.split("_")[0])
        parts.append((names.get(branch_id, str(branch_id)), lambda stored=stored: _read(stored)))
    with tempfile.TemporaryDirectory(prefix="ledger-zip-") as folder:
        path = Path(folder) / "ledger.zip"
        write_zip(scope, path, parts)
        done = ledgers.ledger_store(ledger_id, path)
    for stored in stored_parts:
        if default_storage.exists(stored):
            default_storage.delete(stored)
    return done


def _read(stored: str) -> bytes:
    with default_storage.open(stored, "rb") as part:
        return part.read()


def write_zip(scope: data.Scope, out: Path, parts: list[tuple[str, Callable[[], bytes]]]) -> None:
    """The ZIP of a subtree's PDF ledger: 00-…汇总.pdf, then 001-<branch>….pdf in the tree's order."""
    with tempfile.TemporaryDirectory(prefix="ledger-summary-") as folder:
        summary = Path(folder) / "summary.pdf"
        pdf.write_summary_pdf(scope, summary)
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.write(summary, f"00-{rules.clean_name(scope.root.name)}-{scope.year}年度台账汇总.pdf")
            for n, (label, read) in enumerate(parts, 1):
                archive.writestr(f"{n:03d}-{rules.clean_name(label)}-{scope.year}年度台账.pdf", read())


def write_subtree_zip(scope: data.Scope, out: Path, *, progress=None) -> None:
    """The same ZIP built in one process, branch after branch (the build_ledger command)."""
    parts = []
    with tempfile.TemporaryDirectory(prefix="ledger-parts-") as folder:
        for n, branch in enumerate(scope.branches):
            if progress is not None:
                progress(5 + 85 * n // max(len(scope.branches), 1), f"正在生成：{branch.name}")
            path = Path(folder) / f"{branch.pk}.pdf"
            pdf.write_branch_pdf(data.branch_scope(branch, scope.year), path)
            parts.append((branch.name, path.read_bytes))
        write_zip(scope, out, parts)
