"""Hostile uploads (issue 9, "Bad input"): type by content, size limits, zip bombs and odd archives.

The three upload checkers — meeting attachments, rating/rectification evidence and the
三本五盒 documents — share ``branches/uploads.py``; every hostile file is generated here.
A zip bomb is cheap to make: 200 MB of zeros deflate to about 200 KB, written in chunks.
"""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from archives import demo_documents
from archives.defaults import ensure_defaults
from archives.models import Document, DocumentCategory
from archives.services import documents
from assessment import uploads as evidence
from branches import uploads
from meetings.models import Attachment
from meetings.services.attachments import attachment_add
from meetings.services.meetings import meeting_save
from tests.meetings.conftest import NOW, kinds, local  # noqa: F401 - the kinds fixture

MB = 1024 * 1024
PDF = demo_documents.pdf_bytes()
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 400
CONTENT_TYPES = (
    b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
)


@pytest.fixture(autouse=True)
def media(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    ensure_defaults()
    return settings.MEDIA_ROOT


def stored_files(root) -> list:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def docx_with(*parts: tuple[str, bytes], zeros: tuple[str, int] | None = None) -> bytes:
    """A minimal docx ([Content_Types].xml, word/document.xml) plus extra parts and a part of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("word/document.xml", b"<w:document/>")
        for name, data in parts:
            archive.writestr(name, data)
        if zeros:
            name, size = zeros
            chunk = bytes(MB)
            with archive.open(name, "w", force_zip64=True) as part:
                for _ in range(size // MB):
                    part.write(chunk)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """200 MB of zeros in word/media/image1.bin of a docx: about 200 KB on the wire."""
    return docx_with(zeros=("word/media/image1.bin", 200 * MB))


def file_upload(user, org, content: bytes, name: str) -> Document:
    return documents.document_upload(
        user=user,
        organisation=org,
        year=timezone.localdate().year,
        category=DocumentCategory.objects.get(code="meeting-book"),
        title="支部党员大会记录",
        file=SimpleUploadedFile(name, content),
    )


def document_error(user, org, content: bytes, name: str) -> str:
    with pytest.raises(ValidationError) as excinfo:
        file_upload(user, org, content, name)
    return excinfo.value.message_dict["file"][0]


@pytest.fixture
def meeting(tree, kinds):  # noqa: F811 - the imported fixture
    return meeting_save(
        organisation=tree["branch"],
        kind=kinds["theme_day"],
        starts_at=local(2026, 5, 20),
        topic="学习党章",
        now=NOW,
    )


# ---------------------------------------------------------------- type by content


@pytest.mark.parametrize("name", ["通知.pdf", "照片.jpg", "记录.docx", "表.xlsx", "合影.png"])
def test_a_renamed_program_is_refused_by_every_checker(secretary, tree, meeting, media, name):
    with pytest.raises(ValidationError) as excinfo:
        attachment_add(meeting=meeting, file=SimpleUploadedFile(name, EXE), kind="document")
    assert "按文件内容判断" in excinfo.value.message_dict["file"][0]
    with pytest.raises(ValidationError) as excinfo:
        evidence.checked(SimpleUploadedFile(name, EXE))
    assert "按文件内容判断" in excinfo.value.message_dict["file"][0]
    assert "按文件内容判断" in document_error(secretary, tree["branch"], EXE, name)
    assert not Attachment.objects.exists() and not Document.objects.exists()
    assert stored_files(media) == []


def test_a_pdf_named_docx_is_a_pdf_everywhere(secretary, tree, meeting):
    attachment = attachment_add(meeting=meeting, file=SimpleUploadedFile("记录.docx", PDF), kind="document")
    assert attachment.content_type == "application/pdf" and attachment.file.name.endswith(".pdf")
    assert evidence.checked(SimpleUploadedFile("佐证.docx", PDF))[0] == ".pdf"
    document = file_upload(secretary, tree["branch"], PDF, "记录.docx")
    assert document.content_type == "application/pdf" and document.file.name.endswith(".pdf")
    assert documents.download_name(document) == "记录.pdf"


def test_a_docx_is_no_meeting_attachment_or_evidence(meeting):
    content = demo_documents.docx_bytes(["会议记录"])
    with pytest.raises(ValidationError):
        attachment_add(meeting=meeting, file=SimpleUploadedFile("记录.docx", content), kind="document")
    with pytest.raises(ValidationError):
        evidence.checked(SimpleUploadedFile("记录.docx", content))


def test_size_limits_come_from_the_settings(secretary, tree, meeting, settings):
    settings.MEETING_ATTACHMENT_MAX_MB = settings.ASSESSMENT_EVIDENCE_MAX_MB = 1
    settings.ARCHIVE_DOCUMENT_MAX_MB = 1
    big = PDF + b"\x00" * MB
    with pytest.raises(ValidationError) as excinfo:
        attachment_add(meeting=meeting, file=SimpleUploadedFile("大.pdf", big), kind="document")
    assert excinfo.value.message_dict["file"] == ["文件不能超过 1 MB。"]
    with pytest.raises(ValidationError) as excinfo:
        evidence.checked(SimpleUploadedFile("大.pdf", big))
    assert excinfo.value.message_dict["file"] == ["文件不能超过 1 MB。"]
    assert document_error(secretary, tree["branch"], big, "大.pdf").startswith("文件不能超过 1 MB")


# ---------------------------------------------------------------- archives: hostile ZIPs


def test_a_zip_bomb_is_refused_without_being_unpacked(secretary, tree, bomb, media):
    assert len(bomb) < 2 * MB  # 200 MB when unpacked
    message = document_error(secretary, tree["branch"], bomb, "会议记录.docx")
    assert message == "所选文件无法接受：文件解压后超过 100 MB（疑似“压缩炸弹”），已拒绝。"
    assert not Document.objects.exists() and stored_files(media) == []


def test_a_part_that_expands_too_much_is_refused_below_the_total(secretary, tree):
    content = docx_with(zeros=("word/media/image1.bin", 20 * MB))  # ~1000:1, 20 MB in all
    message = document_error(secretary, tree["branch"], content, "会议记录.docx")
    assert "压缩比异常" in message and "word/media/image1.bin" in message


def test_the_limits_are_settings(secretary, tree, settings):
    content = docx_with(zeros=("word/media/image1.bin", 3 * MB))
    assert file_upload(secretary, tree["branch"], content, "会议记录.docx").content_type.endswith("document")
    settings.UPLOAD_ZIP_MAX_UNCOMPRESSED_MB = 2
    assert "解压后超过 2 MB" in document_error(secretary, tree["branch"], content, "会议记录.docx")
    settings.UPLOAD_ZIP_MAX_UNCOMPRESSED_MB, settings.UPLOAD_ZIP_RATIO_FROM_MB = 100, 1
    assert "压缩比异常" in document_error(secretary, tree["branch"], content, "会议记录.docx")


def test_too_many_parts_are_refused(secretary, tree):
    content = docx_with(*((f"word/media/p{n}.xml", b"") for n in range(10_000)))
    message = document_error(secretary, tree["branch"], content, "会议记录.docx")
    assert message == "所选文件无法接受：压缩包内文件过多（10002 个，上限 10000 个），已拒绝。"


@pytest.mark.parametrize(
    "name", ["../../etc/cron.d/x", "/etc/passwd", "word/../../x.xml", "C:\\Windows\\x.dll"]
)
def test_a_part_leaving_its_folder_is_refused(secretary, tree, name):
    message = document_error(secretary, tree["branch"], docx_with((name, b"x")), "会议记录.docx")
    assert "不安全的路径" in message


@pytest.mark.parametrize(
    "part",
    [
        ("word/media/more.zip", b"anything"),  # by name
        ("word/media/image1.png", demo_documents.docx_bytes(["藏在图片里"])),  # by content
        ("word/media/data.gz", b"\x1f\x8b\x08\x00"),
    ],
)
def test_an_archive_inside_the_archive_is_refused(secretary, tree, part):
    assert "另一个压缩包" in document_error(secretary, tree["branch"], docx_with(part), "会议记录.docx")


def test_office_embeddings_are_accepted(secretary, tree):
    """Word keeps a chart's data as a whole workbook in word/embeddings/: that is no nested archive."""
    workbook = demo_documents.xlsx_bytes("表", ["姓名"], [["张三"]])
    content = docx_with(("word/embeddings/Microsoft_Excel_Worksheet.xlsx", workbook))
    assert file_upload(secretary, tree["branch"], content, "带图表.docx").original_name == "带图表.docx"


def test_an_encrypted_part_is_refused(secretary, tree):
    """zipfile cannot write encryption: the flag is set in the central directory, as a tool would."""
    content = bytearray(docx_with(("word/secret.xml", b"<x/>")))
    entry = content.rindex(b"PK\x01\x02")  # the last part's central directory record
    content[entry + 8] |= 0x1
    assert "加密" in document_error(secretary, tree["branch"], bytes(content), "会议记录.docx")


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04" + b"\x00" * 100,
        demo_documents.docx_bytes(["会议记录"])[:-30],  # the end of the central directory cut off
    ],
)
def test_a_broken_zip_is_refused_as_not_a_document(secretary, tree, media, content):
    assert "按文件内容判断" in document_error(secretary, tree["branch"], content, "会议记录.docx")
    assert stored_files(media) == []


def test_real_office_files_pass(secretary, tree):
    for content, name in (
        (demo_documents.docx_bytes(["会议记录"] * 200), "记录.docx"),
        (demo_documents.xlsx_bytes("表", ["姓名"], [[f"党员{n}"] for n in range(5000)]), "表.xlsx"),
    ):
        assert uploads.zip_problem(io.BytesIO(content)) is None
        assert file_upload(secretary, tree["branch"], content, name).size == len(content)
