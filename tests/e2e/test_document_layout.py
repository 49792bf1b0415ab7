"""三本五盒 pages at 375 px and 1280 px on the demo, and a secretary's journey: a refused file, then a PDF
uploaded, found in the list, opened and downloaded.

Screenshots go to tmp/screenshots/documents-<page>-<width>.png.
"""

import hashlib

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from archives import demo_documents
from archives.defaults import ensure_defaults
from archives.models import Document
from branches.models import Organisation

from .conftest import PHONE, SCREENSHOTS
from .test_layout import failing_pages

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Files of the demo and of the journey go to a temporary folder, not the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def filed(demo):
    """The demo's documents (archives/demo.py files them; building again changes nothing)."""
    ensure_defaults()
    demo_documents.build(timezone.localdate())
    return Organisation.objects.get(code="XQ0101")


def doc(title):
    return Document.objects.get(title=title).pk


def this_year_plan():
    return f"东风村党支部{timezone.localdate().year}年工作计划"


PAGES = {
    "list": ("sec_xq0101", lambda: reverse("archives:document_list", args=[org("XQ0101")])),
    "list-filtered": (
        "sec_xq0101",
        lambda: (
            reverse("archives:document_list", args=[org("XQ0101")])
            + f"?year={timezone.localdate().year - 1}&category=meeting-docs"
        ),
    ),
    "list-town": ("reviewer_town", lambda: reverse("archives:document_list", args=[org("XQ01")])),
    "upload": ("sec_xq0101", lambda: reverse("archives:document_upload", args=[org("XQ0101")])),
    "detail": ("sec_xq0101", lambda: reverse("archives:document_detail", args=[doc(this_year_plan())])),
    "detail-deleted": (
        "reviewer_town",
        lambda: reverse("archives:document_detail", args=[doc("党员大会签到表（重复上传）")]),
    ),
    "delete": ("admin", lambda: reverse("archives:document_delete", args=[doc(this_year_plan())])),
}


def org(code):
    return Organisation.objects.get(code=code).pk


def test_document_pages_fit_screen(filed, new_page):
    failures = failing_pages(new_page, PAGES, prefix="documents-")
    assert not failures, "\n".join(failures)


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = page.viewport_size["width"]
    page.screenshot(path=SCREENSHOTS / f"documents-{name}-{width}.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{name} scrolls sideways"


def test_secretary_uploads_a_pdf_and_finds_it(filed, new_page, tmp_path):
    secretary = get_user_model().objects.get(username="sec_xq0101")
    year = timezone.localdate().year
    page = new_page(PHONE, user=secretary)
    page.goto(reverse("archives:document_list", args=[filed.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("三本五盒")
    page.get_by_test_id("document-upload").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("上传档案")

    # A text file dressed as a PDF: refused, and what was typed stays.
    fake = tmp_path / "假文件.pdf"
    fake.write_text("这不是 PDF", encoding="utf-8")
    page.get_by_label("类别").select_option(label="会议记录本（本）")
    page.get_by_label("标题").fill("七一支部党员大会记录")
    page.get_by_label("标签（可选）").fill("党员大会，七一")
    page.get_by_label("文件").set_input_files(str(fake))
    page.get_by_role("button", name="上传归档").click()
    expect(page.locator(".invalid-feedback, .is-invalid ~ p, [id^=error_]").first).to_contain_text(
        "按文件内容判断"
    )
    expect(page.get_by_label("标题")).to_have_value("七一支部党员大会记录")
    expect(page.get_by_label("标签（可选）")).to_have_value("党员大会，七一")
    shoot(page, "journey-refused")

    real = tmp_path / "七一党员大会记录.pdf"
    real.write_bytes(demo_documents.pdf_bytes("July 1 general meeting"))
    page.get_by_label("文件").set_input_files(str(real))
    page.get_by_role("button", name="上传归档").click()

    expect(page.get_by_role("alert").first).to_contain_text("已将“七一支部党员大会记录”归入会议记录本")
    row = page.locator("[data-testid=documents] tr", has_text="七一支部党员大会记录")
    expect(row).to_be_visible()
    expect(page.locator("[data-category=meeting-book] [data-count]")).to_contain_text(
        str(Document.objects.filter(organisation=filed, year=year, category__code="meeting-book").count())
    )
    shoot(page, "journey-listed")

    row.get_by_role("link", name="七一支部党员大会记录").click()
    stored = Document.objects.get(title="七一支部党员大会记录")
    expect(page.get_by_test_id("sha256")).to_have_text(stored.sha256)
    with page.expect_download() as info:
        page.get_by_test_id("download").click()
    download = info.value
    assert download.suggested_filename == "七一党员大会记录.pdf"
    assert hashlib.sha256(download.path().read_bytes()).hexdigest() == stored.sha256
    assert stored.uploaded_by == secretary and stored.tags == "党员大会，七一"
