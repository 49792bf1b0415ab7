"""Pure rules of the archives: which years a ledger may cover, file names, accepted document types."""

from __future__ import annotations

import datetime as dt
import re

from branches import uploads

# No branch in the portal keeps records from before this year.
FIRST_YEAR = 2000
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
DEFAULT_DOCUMENT_MAX_MB = 20

# (content type, extension, label) by the file's own bytes; docx and xlsx are ZIPs with a known part.
DOCUMENT_TYPES = {
    ".pdf": ("application/pdf", "PDF"),
    ".jpg": ("image/jpeg", "JPG"),
    ".png": ("image/png", "PNG"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word（docx）"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel（xlsx）"),
}
_OOXML_PART = {"word/document.xml": ".docx", "xl/workbook.xml": ".xlsx"}


def year_error(year: int, *, today: dt.date, founded_on: dt.date | None = None) -> str | None:
    """Why no ledger can be built for this year, or None: from 2000 (or the founding year) to this year."""
    first = max(FIRST_YEAR, founded_on.year) if founded_on else FIRST_YEAR
    if year > today.year:
        return f"{year}年尚未到来，只能生成{today.year}年及以前的台账。"
    if year < first:
        if founded_on and founded_on.year > FIRST_YEAR:
            return f"该组织成立于{founded_on.year}年，没有{year}年的台账。"
        return f"只能生成{FIRST_YEAR}年以来的台账。"
    return None


def ledger_years(*, today: dt.date, founded_on: dt.date | None = None) -> list[int]:
    """The years offered in the request form, newest first."""
    first = max(FIRST_YEAR, founded_on.year) if founded_on else FIRST_YEAR
    return list(range(today.year, first - 1, -1))


def safe_text(value: str) -> bool:
    """False when a spreadsheet would read the text as a formula (=, +, -, @, tab, CR first)."""
    return not value.startswith(FORMULA_START)


def ascii_name(code: str) -> str:
    return "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_") else "_" for ch in code) or "org"


def clean_name(name: str) -> str:
    """A name fit for a file: slashes, reserved and control characters replaced."""
    return re.sub(r"[\\/:*?\"<>|\x00-\x1f]", "_", name).strip() or "组织"


def ledger_filename(org_name: str, year: int, version: int, extension: str) -> str:
    """组织-2026年度台账-第2版.xlsx."""
    return f"{clean_name(org_name)}-{year}年度台账-第{version}版{extension}"


def sniff_document(head: bytes, file) -> str | None:
    """The extension of an accepted document by content; None for anything else.

    ``head`` is the first bytes; ``file`` (seekable) is opened as a ZIP only when the
    head says ZIP, and must hold the part that makes it a Word or Excel file.
    """
    found = uploads.sniff(head)
    if found is None:
        return None
    if found[0] != uploads.ZIP:
        return found[0]
    names = uploads.zip_names(file)
    if not names or "[Content_Types].xml" not in names:
        return None
    for part, ext in _OOXML_PART.items():
        if part in names:
            return ext
    return None
