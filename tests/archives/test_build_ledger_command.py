"""python manage.py build_ledger: the file for operators and cron, and a clear failure for bad arguments."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import load_workbook

from tests.archives.conftest import YEAR


def test_writes_the_branch_workbook(ledger_year, tmp_path):
    out = tmp_path / "ledger.xlsx"
    call_command("build_ledger", org="C1B1", year=YEAR, fmt="xlsx", out=str(out))
    book = load_workbook(out, read_only=True)
    assert "党员花名册" in book.sheetnames


def test_a_committee_pdf_becomes_a_zip(ledger_year, tmp_path, capsys):
    import zipfile

    out = tmp_path / "town.pdf"
    call_command("build_ledger", org="C1", year=YEAR, fmt="pdf", out=str(out))
    written = tmp_path / "town.zip"
    assert not out.exists() and written.exists()
    with zipfile.ZipFile(written) as archive:
        assert len(archive.namelist()) == 3  # the summary and two branches
    assert "ZIP" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"org": "NOPE", "year": YEAR}, "没有组织代码为“NOPE”的组织"),
        ({"org": "C1B1", "year": 1999}, "2000年以来"),
        ({"org": "C1B1", "year": lambda: timezone.localdate().year + 1}, "尚未到来"),
        ({"org": "C1B1G1", "year": YEAR}, "党小组"),
    ],
)
def test_bad_arguments_fail_with_a_message(ledger_year, tmp_path, args, message):
    out = tmp_path / "x.xlsx"
    args = {key: value() if callable(value) else value for key, value in args.items()}  # dated when run
    with pytest.raises(CommandError, match=message):
        call_command("build_ledger", fmt="xlsx", out=str(out), **args)
    assert not out.exists()


def test_a_missing_output_folder_is_refused(ledger_year, tmp_path):
    with pytest.raises(CommandError, match="输出目录不存在"):
        call_command("build_ledger", org="C1B1", year=YEAR, fmt="xlsx", out=str(tmp_path / "no" / "x.xlsx"))


def test_the_command_exits_non_zero(ledger_year, tmp_path, capsys):
    from django.core.management import ManagementUtility

    argv = ["manage.py", "build_ledger", "--org", "NOPE", "--year", "2025", "--format", "xlsx"]
    with pytest.raises(SystemExit) as exit_:
        ManagementUtility([*argv, "--out", str(tmp_path / "x.xlsx")]).execute()
    assert exit_.value.code == 1
    assert "没有组织代码为“NOPE”的组织" in capsys.readouterr().err
