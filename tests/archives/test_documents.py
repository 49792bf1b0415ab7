"""The document boxes' service (三本五盒): what is accepted at each boundary, what deleting keeps, the demo."""

import hashlib
import io
import re
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archives import demo_documents
from archives.defaults import ensure_defaults
from archives.models import Document, DocumentCategory
from archives.services import documents as services
from branches.models import Role
from tests.factories import UserFactory, grant, make_org

MB = 1024 * 1024
PDF = demo_documents.pdf_bytes()


@pytest.fixture(autouse=True)
def media(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_defaults()


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def box(db):
    return DocumentCategory.objects.get(code="meeting-docs")


def upload(
    user, org, *, content=PDF, name="记录.pdf", year=None, category=None, title="支部党员大会记录", **kw
):
    return services.document_upload(
        user=user,
        organisation=org,
        year=year or timezone.localdate().year,
        category=category or DocumentCategory.objects.get(code="meeting-book"),
        title=title,
        tags=kw.pop("tags", ""),
        file=SimpleUploadedFile(name, content) if content is not None else None,
        **kw,
    )


def errors_of(excinfo) -> dict:
    return excinfo.value.message_dict


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# ---------------------------------------------------------------- accepted types


def docx() -> bytes:
    return demo_documents.docx_bytes(["会议记录"])


def xlsx() -> bytes:
    return demo_documents.xlsx_bytes("表", ["姓名"], [["张三"]])


@pytest.mark.parametrize(
    ("make", "name", "content_type"),
    [
        (lambda: PDF, "a.pdf", "application/pdf"),
        (docx, "a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (xlsx, "a.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (lambda: demo_documents.image_bytes("JPEG"), "a.jpg", "image/jpeg"),
        (lambda: demo_documents.image_bytes("PNG"), "a.png", "image/png"),
    ],
)
def test_each_accepted_type_is_stored_with_its_checksum(secretary, tree, settings, make, name, content_type):
    content = make()
    doc = upload(secretary, tree["branch"], content=content, name=name, tags="照片, 三会一课，照片")
    doc.refresh_from_db()
    assert doc.content_type == content_type
    assert doc.size == len(content)
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    assert doc.original_name == name
    assert doc.uploaded_by == secretary
    assert doc.tags == "照片，三会一课"
    # Stored under a random name in documents/YYYY/MM/, with the extension of the content.
    assert re.fullmatch(r"documents/\d{4}/\d{2}/[0-9a-f]{32}" + re.escape(name[1:]), doc.file.name)
    with default_storage.open(doc.file.name, "rb") as handle:
        assert handle.read() == content
    assert (settings.MEDIA_ROOT / doc.file.name).exists()


def test_a_file_named_for_another_type_is_stored_as_what_it_is(secretary, tree):
    doc = upload(secretary, tree["branch"], content=demo_documents.image_bytes("PNG"), name="扫描件.pdf")
    assert doc.content_type == "image/png"
    assert doc.original_name == "扫描件.pdf"
    assert services.download_name(doc) == "扫描件.png"


def test_jpeg_extension_is_not_corrected(secretary, tree):
    doc = upload(secretary, tree["branch"], content=demo_documents.image_bytes("JPEG"), name="Photo.JPEG")
    assert services.download_name(doc) == "Photo.JPEG"


def test_windows_path_and_long_names_are_cut_to_the_basename(secretary, tree):
    doc = upload(secretary, tree["branch"], name="C:\\Users\\书记\\会议.pdf")
    assert doc.original_name == "会议.pdf"
    long = "长" * 300 + ".pdf"
    doc = upload(secretary, tree["branch"], name=long, title="长文件名")
    assert len(doc.original_name) == 200 and doc.original_name.endswith(".pdf")


# ---------------------------------------------------------------- refused content


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    return out.getvalue()


def ooxml_without_content_types() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "name"),
    [
        (b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200, "通知.pdf"),  # a Windows program renamed
        (b"This is plain text, not a PDF.\n", "通知.pdf"),
        (b"GIF89a\x01\x00\x01\x00", "图.png"),
        (plain_zip(), "材料.docx"),
        (ooxml_without_content_types(), "材料.docx"),
        (b"PK\x03\x04" + b"\x00" * 100, "坏.xlsx"),  # a ZIP header and nothing behind it
        (docx()[: len(docx()) // 2], "截断.docx"),  # the central directory cut off
    ],
)
def test_content_that_is_not_an_accepted_type_is_refused(secretary, tree, settings, content, name):
    with pytest.raises(ValidationError) as excinfo:
        upload(secretary, tree["branch"], content=content, name=name)
    assert "按文件内容判断" in errors_of(excinfo)["file"][0]
    assert not Document.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_missing_and_empty_files_are_refused(secretary, tree):
    for content in (None, b""):
        with pytest.raises(ValidationError) as excinfo:
            upload(secretary, tree["branch"], content=content)
        assert errors_of(excinfo)["file"] == ["请选择要上传的文件（文件不能是空的）。"]
    assert not Document.objects.exists()


# ---------------------------------------------------------------- size


def pdf_of(size: int) -> bytes:
    return PDF + b"%" * (size - len(PDF))


def test_a_file_of_exactly_the_limit_is_accepted(secretary, tree, settings):
    settings.ARCHIVE_DOCUMENT_MAX_MB = 1
    doc = upload(secretary, tree["branch"], content=pdf_of(MB))
    assert doc.size == MB


def test_one_byte_over_the_limit_is_refused(secretary, tree, settings):
    settings.ARCHIVE_DOCUMENT_MAX_MB = 1
    with pytest.raises(ValidationError) as excinfo:
        upload(secretary, tree["branch"], content=pdf_of(MB + 1))
    message = errors_of(excinfo)["file"][0]
    assert message.startswith("文件不能超过 1 MB（")
    assert "1,048,577 字节" in message  # not "1 MB (file 1 MB)"
    assert not Document.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_the_default_limit_is_20_mb(secretary, tree, settings):
    assert settings.ARCHIVE_DOCUMENT_MAX_MB == 20
    assert services.max_bytes() == 20 * MB


# ---------------------------------------------------------------- year, category, title, tags


@pytest.mark.parametrize(("offset", "ok"), [("1999", False), ("2000", True), ("this", True), ("next", False)])
def test_year_from_2000_to_this_year(secretary, tree, today, offset, ok):
    year = {"this": today.year, "next": today.year + 1}.get(offset) or int(offset)
    if ok:
        assert upload(secretary, tree["branch"], year=year).year == year
        return
    with pytest.raises(ValidationError) as excinfo:
        upload(secretary, tree["branch"], year=year)
    message = errors_of(excinfo)["year"][0]
    assert ("2000年" in message) if year < 2000 else ("尚未到来" in message)


def test_an_inactive_category_is_refused(secretary, tree, box):
    DocumentCategory.objects.filter(pk=box.pk).update(active=False)
    with pytest.raises(ValidationError) as excinfo:
        upload(secretary, tree["branch"], category=box)
    assert "已停用" in errors_of(excinfo)["category"][0]


def test_title_required_and_at_most_200(secretary, tree):
    with pytest.raises(ValidationError) as excinfo:
        upload(secretary, tree["branch"], title="   ")
    assert errors_of(excinfo)["title"] == ["请填写标题。"]
    assert upload(secretary, tree["branch"], title="题" * 200).title == "题" * 200
    with pytest.raises(ValidationError) as excinfo:
        upload(secretary, tree["branch"], title="题" * 201)
    assert "200" in errors_of(excinfo)["title"][0]


def test_tags_at_most_200(secretary, tree):
    assert len(upload(secretary, tree["branch"], tags="签" * 200).tags) == 200
    with pytest.raises(ValidationError) as excinfo:
        upload(secretary, tree["branch"], tags="签" * 201)
    assert "200" in errors_of(excinfo)["tags"][0]


def test_every_bad_field_is_reported_at_once_and_nothing_saved(secretary, tree, today, settings):
    with pytest.raises(ValidationError) as excinfo:
        upload(secretary, tree["branch"], year=today.year + 1, title="", content=b"MZ", tags="x" * 300)
    assert set(errors_of(excinfo)) == {"year", "title", "file", "tags"}
    assert not Document.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_failing_insert_leaves_no_file_behind(secretary, tree, settings, monkeypatch):
    def broken(self, *args, **kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(Document, "save", broken)
    with pytest.raises(RuntimeError):
        upload(secretary, tree["branch"])
    assert stored_files(settings.MEDIA_ROOT) == []


# ---------------------------------------------------------------- who files where


def test_secretary_files_only_for_the_branch(secretary, tree):
    upload(secretary, tree["branch"])
    for org in (tree["other_branch"], tree["town"], tree["group"]):
        with pytest.raises(PermissionDenied):
            upload(secretary, org)


def test_reviewer_files_for_the_subtree_only(reviewer, tree):
    assert upload(reviewer, tree["branch"]).organisation == tree["branch"]
    assert upload(reviewer, tree["town"]).organisation == tree["town"]
    with pytest.raises(PermissionDenied):
        upload(reviewer, tree["sibling_branch"])


def test_a_member_files_nothing(tree):
    member = UserFactory(username="member")
    grant(member, tree["branch"], Role.MEMBER)
    with pytest.raises(PermissionDenied):
        upload(member, tree["branch"])


# ---------------------------------------------------------------- delete


@pytest.fixture
def doc(secretary, tree):
    return upload(secretary, tree["branch"])


def test_only_an_admin_deletes(doc, secretary, reviewer):
    for user in (secretary, reviewer):
        with pytest.raises(PermissionDenied):
            services.document_delete(user=user, document=doc, reason="重复上传")
    doc.refresh_from_db()
    assert not doc.is_deleted and default_storage.exists(doc.file.name)


def test_an_admin_grant_counts_as_admin(doc, tree, django_capture_on_commit_callbacks):
    portal_admin = UserFactory(username="portal_admin")
    grant(portal_admin, tree["county"], Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(user=portal_admin, document=doc, reason="重复上传")
    assert Document.objects.get(pk=doc.pk).deleted_by == portal_admin


@pytest.mark.parametrize(
    ("reason", "ok"), [("", False), ("  重 ", False), ("重复", True), ("因" * 200, True)]
)
def test_reason_from_2_to_200_characters(doc, admin_user, reason, ok):
    if ok:
        services.document_delete(user=admin_user, document=doc, reason=reason)
        assert Document.objects.get(pk=doc.pk).delete_reason == reason
        return
    with pytest.raises(ValidationError) as excinfo:
        services.document_delete(user=admin_user, document=doc, reason=reason)
    assert "至少 2 个字" in errors_of(excinfo)["reason"][0]
    assert not Document.objects.get(pk=doc.pk).is_deleted


def test_a_reason_over_200_is_refused(doc, admin_user):
    with pytest.raises(ValidationError) as excinfo:
        services.document_delete(user=admin_user, document=doc, reason="因" * 201)
    assert "200" in errors_of(excinfo)["reason"][0]


def test_delete_removes_the_file_and_keeps_the_record(
    doc, admin_user, settings, django_capture_on_commit_callbacks
):
    stored = doc.file.name
    path = settings.MEDIA_ROOT / stored
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.document_delete(user=admin_user, document=doc, reason="重复上传")
        assert path.exists()  # the file goes only once the deletion is committed
    assert len(callbacks) == 1
    assert not path.exists()
    kept = Document.objects.get(pk=doc.pk)
    assert kept.is_deleted and kept.deleted_by == admin_user and kept.delete_reason == "重复上传"
    assert kept.deleted_at is not None and kept.file.name == ""
    assert (kept.title, kept.sha256, kept.size, kept.original_name, kept.uploaded_by_id) == (
        doc.title,
        doc.sha256,
        doc.size,
        doc.original_name,
        doc.uploaded_by_id,
    )
    assert doc.is_deleted  # the caller's object says so too


def test_deleting_twice_is_refused(doc, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.document_delete(user=admin_user, document=doc, reason="重复上传")
    stale = Document.objects.get(pk=doc.pk)
    with pytest.raises(ValidationError) as excinfo:
        services.document_delete(user=admin_user, document=stale, reason="再次删除")
    assert "不能重复删除" in excinfo.value.messages[0]
    assert Document.objects.get(pk=doc.pk).delete_reason == "重复上传"


# ---------------------------------------------------------------- demo


def test_demo_documents_are_filed_once(admin_user, today, settings, django_capture_on_commit_callbacks):
    town = make_org(kind="committee", name="城关镇党委", short_name="城关镇", code="XQ01")
    branch = make_org(town, name="东风村党支部", code="XQ0101", sector="village")
    with django_capture_on_commit_callbacks(execute=True):
        summary = demo_documents.build(today)
    assert summary.startswith("演示档案：") and "新归档 9 份" in summary and "删除 1 份" in summary
    docs = Document.objects.filter(organisation__in=[town, branch])
    assert docs.count() == 9
    assert {d.year for d in docs} == {today.year, today.year - 1}
    assert docs.values("category").distinct().count() >= 6
    assert {d.content_type.rsplit("/", 1)[-1] for d in docs} >= {"pdf", "png", "jpeg"}
    deleted = docs.get(deleted_at__isnull=False)
    assert deleted.deleted_by == admin_user and deleted.delete_reason == demo_documents.DELETE_REASON
    assert len(stored_files(settings.MEDIA_ROOT)) == 8
    again = demo_documents.build(today)
    assert "新归档 0 份" in again and "删除 0 份" in again
    assert docs.count() == 9


def test_demo_without_its_branch_does_nothing(admin_user, today):
    assert "未归档" in demo_documents.build(today)
    assert not Document.objects.exists()
