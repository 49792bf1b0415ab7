"""Browser journey of a roster import: template → a file with an error → the report → fixed file → confirm.

Screenshots of each page at 375 and 1280 px go to tmp/screenshots/import-*.png.
"""

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from members.models import ImportStatus, Member, RosterImport
from tests.members.test_import_support import media_root, person  # noqa: F401 - autouse fixture

from .conftest import DESKTOP, PHONE, SCREENSHOTS

pytestmark = pytest.mark.e2e

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def watch(page) -> list[str]:
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console: {msg.text}"))
    page.on(
        "response",
        lambda r: (
            r.request.resource_type != "document"
            and r.status >= 400
            and problems.append(f"{r.status} {r.url}")
        ),
    )
    return problems


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=SCREENSHOTS / f"import-{name}-{width}.png", full_page=True)
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"import-{name} scrolls sideways at {width}px"


def fill(path, rows: list[dict]) -> None:
    workbook = load_workbook(path)
    sheet = workbook["花名册"]
    headers = [c.value for c in sheet[1]]
    for r, row in enumerate(rows, start=2):
        for c, header in enumerate(headers, start=1):
            sheet.cell(row=r, column=c, value=row.get(header))
    workbook.save(path)


def test_secretary_imports_a_roster(new_page, secretary, tree, tmp_path):
    branch = tree["branch"]
    page = new_page(DESKTOP, user=secretary)
    problems = watch(page)
    page.goto(reverse("members:import_upload", args=[branch.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("导入花名册")
    shoot(page, "upload")

    with page.expect_download() as download:
        page.get_by_test_id("template-link").click()
    template = tmp_path / "模板.xlsx"
    download.value.save_as(template)

    # Two people; Excel turned the second one's ID number into a number.
    rows = [person(1, **{"姓名": "王建华"}), person(2, **{"姓名": "刘秀英"})]
    fill(template, [rows[0], {**rows[1], "身份证号": int(rows[1]["身份证号"])}])
    page.locator("input[type=file]").set_input_files(template)
    page.get_by_role("button", name="上传并校验").click()

    errors = page.get_by_test_id("import-errors")
    expect(page.get_by_test_id("import-invalid")).to_contain_text("没有导入任何数据")
    expect(errors.locator("tr[data-row='3']")).to_contain_text("存成了数字")
    expect(errors.locator("tr[data-row='3']")).to_contain_text("身份证号")
    shoot(page, "errors")
    assert not Member.objects.exists()

    # The error file comes back with the explanation; fix the cell and upload it again.
    with page.expect_download() as download:
        page.get_by_test_id("error-file").click()
    fixed = tmp_path / "改正后.xlsx"
    download.value.save_as(fixed)
    workbook = load_workbook(fixed)
    sheet = workbook.active
    assert "存成了数字" in sheet.cell(row=3, column=sheet.max_column).value
    id_column = [c.value for c in sheet[1]].index("身份证号") + 1
    sheet.cell(row=3, column=id_column, value=rows[1]["身份证号"])
    workbook.save(fixed)

    page.get_by_role("link", name="重新上传").click()
    page.locator("input[type=file]").set_input_files(fixed)
    page.get_by_role("button", name="上传并校验").click()

    expect(page.get_by_test_id("import-valid")).to_be_visible()
    expect(page.get_by_test_id("import-counts").locator("[data-count=new]")).to_have_text("2")
    expect(page.get_by_test_id("import-preview")).to_contain_text("刘秀英")
    shoot(page, "preview")
    assert not Member.objects.exists()

    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_test_id("import-done")).to_contain_text("新增 2 人")
    imported = page.get_by_test_id("imported-members")
    expect(imported).to_contain_text("王建华")
    expect(imported).to_contain_text("刘秀英")
    shoot(page, "done")
    assert Member.objects.filter(organisation=branch).count() == 2

    page.get_by_role("link", name="查看花名册").click()
    expect(page.locator("main")).to_contain_text("刘秀英")
    assert not problems, problems


def test_import_pages_fit_phone_and_desktop(new_page, secretary, tree, monkeypatch):
    """Each page at 375 and 1280 px: nothing sticks out, tables scroll inside their frame."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from members.services import roster_import as services
    from members.views import imports as views
    from tests.members.test_import_support import XLSX, workbook_bytes

    branch = tree["branch"]

    def make(rows):
        content = workbook_bytes(rows)
        return services.roster_import_upload(
            organisation=branch,
            file=SimpleUploadedFile("东村党支部花名册（2026年）.xlsx", content, XLSX),
            uploaded_by=secretary,
        )

    bad_rows = [person(n) for n in range(1, 60)]
    for row in bad_rows[::3]:
        row["入党日期"] = "二〇一〇年七月"
    invalid = make(bad_rows)
    valid = make([person(n, **{"联系电话": "13900000000"}) for n in range(100, 160)])
    done = make([person(n) for n in range(200, 205)])
    services.roster_import_confirm(roster_import=done, confirmed_by=secretary)
    running = make([person(300)])
    RosterImport.objects.filter(pk=running.pk).update(
        status=ImportStatus.RUNNING, total_rows=1800, summary={"phase": "importing"}
    )

    # What a worker half-way through would report (eager mode never shows a running task).
    monkeypatch.setattr(
        views,
        "_progress",
        lambda imp: {"phase": "importing", "step": "写入花名册", "done": 810, "total": 1800, "percent": 45},
    )
    pages = {
        "upload": reverse("members:import_upload", args=[branch.pk]),
        "errors": reverse("members:import_detail", args=[invalid.pk]),
        "preview": reverse("members:import_detail", args=[valid.pk]),
        "done": reverse("members:import_detail", args=[done.pk]),
        "progress": reverse("members:import_detail", args=[running.pk]),
    }
    for viewport in (PHONE, DESKTOP):
        for name, url in pages.items():
            page = new_page(viewport, user=secretary)
            problems = watch(page)
            page.goto(url)
            expect(page.locator("h1")).to_be_visible()
            if name == "progress":
                # htmx asks again every second while the task runs.
                with page.expect_response(lambda r: "/status/" in r.url):
                    pass
                expect(page.get_by_test_id("import-progress")).to_be_visible()
            shoot(page, name)
            assert not problems, (name, problems)
            page.close()


def test_progress_page_reloads_itself_when_the_task_finishes(new_page, secretary, tree):
    """htmx polls the status fragment; once the import is done the page shows the result by itself."""
    from members.services import roster_import as services
    from tests.members.test_import_support import upload_file, workbook_bytes

    roster_import = services.roster_import_upload(
        organisation=tree["branch"], file=upload_file(workbook_bytes([person(1)])), uploaded_by=secretary
    )
    summary = roster_import.summary
    RosterImport.objects.filter(pk=roster_import.pk).update(
        status=ImportStatus.RUNNING, summary={**summary, "phase": "importing", "confirmed_by": secretary.pk}
    )
    page = new_page(PHONE, user=secretary)
    problems = watch(page)
    page.goto(reverse("members:import_detail", args=[roster_import.pk]))
    expect(page.get_by_test_id("import-progress")).to_be_visible()
    with page.expect_response(lambda r: "/status/" in r.url):
        pass

    # The "worker" finishes.
    services.roster_import_run(roster_import_id=roster_import.pk)

    expect(page.get_by_test_id("import-done")).to_be_visible(timeout=5000)
    expect(page.get_by_test_id("imported-members")).to_contain_text("党员1")
    assert not problems, problems
