"""Hostile workbooks for the roster import (issue 9, "Bad input"): a clear Chinese message, nothing saved.

What the import does today, case by case (tests below): formulas are never executed
(openpyxl ``data_only``: the value Excel cached is read; a formula without one reads as an
empty cell); a zip bomb, a renamed program or a broken file is refused at the upload with
nothing stored; a file over ``MAX_ROWS`` goes to the background task, which stops reading
at row ``MAX_ROWS + 1`` and says so; hidden sheets are not read; text starting with "=" is
refused (and the export writes such text as text); a merged header cell is named in the message.
"""

import io
import time
import zipfile

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from members import roster_io
from members.models import ImportStatus, Member, RosterImport
from members.services import roster_import as services
from tests.hardening.test_uploads import EXE, MB, PDF
from tests.members.test_import_support import HEADERS, media_root, person, upload_file  # noqa: F401

pytestmark = pytest.mark.django_db


def book(
    rows: list[dict], *, hidden: list[dict] | None = None, merge: str = "", as_text: bool = False
) -> bytes:
    """A roster (header row + rows); ``hidden``: a hidden first sheet with other rows; ``merge``: a range."""
    workbook = Workbook()
    sheet = workbook.active
    if hidden is not None:
        sheet.title = "旧名单"
        for values in [HEADERS, *([r.get(h) for h in HEADERS] for r in hidden)]:
            sheet.append(values)
        sheet.sheet_state = "hidden"
        sheet = workbook.create_sheet("花名册")
    sheet.title = "花名册"
    sheet.append(HEADERS)
    for row in rows:
        sheet.append([row.get(h) for h in HEADERS])
    if merge:
        sheet.merge_cells(merge)
    if as_text:  # a text cell that starts with "=" (typed as '=… in Excel), not a formula
        for row in sheet.iter_rows(min_row=2):
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def counts() -> tuple[int, int]:
    return Member.objects.count(), RosterImport.objects.count()


def post(client, tree, content: bytes, name: str = "花名册.xlsx"):
    return client.post(
        reverse("members:import_upload", args=[tree["branch"].pk]), {"file": upload_file(content, name)}
    )


def imported(tree, secretary, content: bytes) -> RosterImport:
    """Upload, and confirm when the file validates: the import as it ends."""
    roster_import = services.roster_import_upload(
        organisation=tree["branch"], file=upload_file(content), uploaded_by=secretary
    )
    roster_import.refresh_from_db()
    if roster_import.status == ImportStatus.VALIDATED:
        roster_import = services.roster_import_confirm(roster_import=roster_import, confirmed_by=secretary)
    return roster_import


def messages(roster_import: RosterImport) -> list[str]:
    roster_import.refresh_from_db()
    return [e[3] for e in roster_import.summary.get("errors", [])]


def xlsx_bomb() -> bytes:
    """A real workbook with a part of 200 MB (zeros): ~200 KB on the wire."""
    out = io.BytesIO(book([person(1)]))
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/media/padding.bin", "w", force_zip64=True) as part,
    ):
        for _ in range(200):
            part.write(bytes(MB))
    return out.getvalue()


# ---------------------------------------------------------------- refused at the upload


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (EXE, "文件无法读取"),  # a Windows program renamed .xlsx
        (PDF, "文件无法读取"),
        (b"\x00" * 2048, "文件无法读取"),
        (book([person(1)])[:-200], "文件无法读取"),  # cut off: no central directory
        (b"PK\x03\x04" + b"\x00" * 500, "文件无法读取"),
        (
            xlsx_bomb(),
            "文件解压后超过 100 MB（疑似“压缩炸弹”），已拒绝。请上传正常保存的 Excel 工作簿（.xlsx）。",
        ),
    ],
    ids=["exe", "pdf", "zeros", "truncated", "zip-header-only", "zip-bomb"],
)
def test_a_file_that_is_no_workbook_is_refused_at_the_upload(login, secretary, tree, content, message):
    before = counts()
    response = post(login(secretary), tree, content)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert counts() == before


def test_a_word_document_renamed_xlsx_is_refused(login, secretary, tree):
    from archives import demo_documents

    before = counts()
    response = post(login(secretary), tree, demo_documents.docx_bytes(["名单"]))
    assert "文件无法读取" in response.content.decode()
    assert counts() == before


def test_a_workbook_with_a_nested_archive_is_refused(login, secretary, tree):
    out = io.BytesIO(book([person(1)]))
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr("xl/media/image1.png", book([person(2)]))  # a workbook posing as a picture
    response = post(login(secretary), tree, out.getvalue())
    assert "另一个压缩包" in response.content.decode()
    assert counts() == (0, 0)


def test_a_damaged_part_inside_a_sound_zip_is_a_message_after_the_upload(login, secretary, tree):
    """The ZIP is sound, a part is not: the reader says the file cannot be read, no member is written."""
    out = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(book([person(n) for n in range(1, 6)])))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info)
            archive.writestr(info, data[: len(data) // 2] if info.filename.endswith("sheet1.xml") else data)
    roster_import = imported(tree, secretary, out.getvalue())
    assert roster_import.status == ImportStatus.INVALID
    assert any("文件无法读取" in m for m in messages(roster_import))
    assert Member.objects.count() == 0


# ---------------------------------------------------------------- formulas


def test_a_formula_is_never_executed_and_its_missing_value_is_an_empty_cell(tree, secretary):
    """openpyxl writes no cached value: the import reads an empty name and refuses the row."""
    content = book([person(1, 姓名='=CONCAT("张","三")'), person(2, 工作单位="=CMD|' /C calc'!A0")])
    assert load_workbook(io.BytesIO(content))["花名册"]["A2"].data_type == "f"
    roster_import = imported(tree, secretary, content)
    assert roster_import.status == ImportStatus.INVALID
    assert messages(roster_import) == ["姓名不能为空。"]
    assert Member.objects.count() == 0


CACHED = '<c r="A2" t="str"><f>A1</f><v>张三</v></c>'.encode()


def test_the_value_excel_cached_for_a_formula_is_what_is_read(tree, secretary):
    """A workbook saved by Excel carries <v> next to <f>: that value is imported, the formula is not."""
    content = book([person(1, 姓名="=A1")])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<c r="A2"><f>A1</f><v /></c>', CACHED)
                assert CACHED in data
            target.writestr(info, data)
    roster_import = imported(tree, secretary, out.getvalue())
    assert roster_import.status == ImportStatus.DONE, messages(roster_import)
    assert Member.objects.get().name == "张三"


def test_text_that_excel_would_run_as_a_formula_is_refused(tree, secretary):
    content = book([person(1, 工作单位='=HYPERLINK("http://evil.example","点我")')], as_text=True)
    roster_import = imported(tree, secretary, content)
    assert roster_import.status == ImportStatus.INVALID
    assert Member.objects.count() == 0


def test_the_export_writes_text_starting_with_equals_as_text():
    """A member saved through a form may hold such text: the export must not turn it into a formula."""
    out = io.BytesIO()
    roster_io.write_roster(out, [{"name": "张三", "work_unit": '=HYPERLINK("http://evil.example","点我")'}])
    sheet = load_workbook(io.BytesIO(out.getvalue()))["花名册"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


# ---------------------------------------------------------------- sheets and headers


def test_only_the_visible_sheet_is_read(tree, secretary):
    roster_import = imported(tree, secretary, book([person(1)], hidden=[person(2)]))
    assert roster_import.status == ImportStatus.DONE
    assert list(Member.objects.values_list("name", flat=True)) == ["党员1"]


def test_merged_header_cells_are_named_in_the_message(tree, secretary):
    roster_import = imported(tree, secretary, book([person(1)], merge="A1:B1"))
    assert roster_import.status == ImportStatus.INVALID
    assert any("合并" in m for m in messages(roster_import))
    assert Member.objects.count() == 0


def test_a_merged_title_above_the_header_is_fine(tree, secretary):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["东村党支部党员花名册"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(HEADERS))
    sheet.append(HEADERS)
    sheet.append([person(1).get(h) for h in HEADERS])
    out = io.BytesIO()
    workbook.save(out)
    roster_import = imported(tree, secretary, out.getvalue())
    assert roster_import.status == ImportStatus.DONE, messages(roster_import)
    assert Member.objects.count() == 1


# ---------------------------------------------------------------- 100,000 rows


def test_100000_rows_are_refused_by_the_background_check_without_reading_them_all(
    tree, secretary, django_capture_on_commit_callbacks
):
    """Two columns a row keep the file small (~1.5 MB); the task stops at row MAX_ROWS + 1."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(["姓名", "身份证号"])
    for n in range(100_000):
        sheet.append([f"党员{n}", "110105195001010010"])
    out = io.BytesIO()
    workbook.save(out)
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        roster_import = services.roster_import_upload(
            organisation=tree["branch"], file=upload_file(out.getvalue()), uploaded_by=secretary
        )
    roster_import.refresh_from_db()
    assert roster_import.task_id  # the background task, not the request, read the rows
    assert roster_import.status == ImportStatus.INVALID
    assert messages(roster_import) == [f"文件超过 {services.MAX_ROWS} 行，请拆分后分批导入。"]
    assert roster_import.total_rows == services.MAX_ROWS
    assert Member.objects.count() == 0
    assert time.monotonic() - started < 120
