"""Helpers of the roster import tests (no tests here): people, spreadsheets, uploads.

The fixtures below are imported by each import/export test module.
"""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from members import idcard, roster_io
from members.models import RosterImport

HEADERS = [c.header for c in roster_io.COLUMNS]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a temporary folder, not the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


def person(n: int = 1, **overrides) -> dict:
    """Row ``n`` of a roster (header → value): a valid full member, unique for n < 30,000.

    Birth date and ID sequence both come from ``n``; odd ``n`` are men, even women.
    """
    birth = overrides.pop("birth", dt.date(1950, 1, 1) + dt.timedelta(days=n % 15000))
    gender = "male" if n % 2 else "female"
    row = {
        "姓名": f"党员{n}",
        "性别": "男" if gender == "male" else "女",
        "民族": "汉族",
        "出生日期": birth,
        "身份证号": idcard.make_id_number("110105", birth, (n // 15000) * 2 + n % 2),
        "学历": "大学本科",
        "联系电话": f"138{n:08d}",
        "工作单位": "县供电公司",
        "职务/岗位": "职员",
        "党费类别": "在职",
        "发展阶段": "正式党员",
        "入党日期": dt.date(2010, 7, 1),
        "转正日期": dt.date(2011, 7, 1),
    }
    row.update(overrides)
    return row


def workbook_bytes(rows: list[dict], *, headers: list[str] | None = None, title: str | None = None) -> bytes:
    """An .xlsx with a header row (optionally a title row above it) and the rows' values by header."""
    headers = headers or list(dict.fromkeys(h for row in rows for h in row)) or HEADERS
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload_file(content: bytes, name: str = "花名册.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=XLSX)


def errors_of(roster_import: RosterImport) -> list[tuple]:
    """(row, column letter, header, message) of every reported problem."""
    roster_import.refresh_from_db()
    return [tuple(e) for e in roster_import.summary.get("errors", [])]


def error_at(roster_import: RosterImport, row: int, header: str) -> str:
    """The message reported for one cell (fails the test when there is none)."""
    found = [e[3] for e in errors_of(roster_import) if e[0] == row and e[2] == header]
    assert found, f"no error at row {row}, column {header}: {errors_of(roster_import)}"
    return found[0]
