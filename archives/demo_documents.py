"""Demo documents in the 三本五盒 of 东风村党支部 (XQ0101) and the town committee above it.

Small files generated here (a one-page PDF, a PNG, a JPG, a Word and an Excel file), filed
through the service as the demo admin, this year and last; one is then deleted by the admin
with a reason, so the greyed record shows in the list. Idempotent: a title already filed
for the organisation is left alone.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
import zlib

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile

from branches.models import Organisation

from .models import Document, DocumentCategory
from .services import documents as services

BRANCH = "XQ0101"
DELETE_REASON = "与已归档的签到表重复，误传"


def pdf_bytes(text: str = "Zhibutong demo document") -> bytes:
    """A one-page A4 PDF with a line of (ASCII) text, its cross-reference table computed."""
    stream = f"BT /F1 14 Tf 72 770 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _png_raw(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    row = b"\x00" + bytes(rgb) * width
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + b"\x08\x02\x00\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (160, 120)) -> bytes:
    """A small picture (a red flag on white) in PNG or JPEG; a plain PNG without Pillow."""
    try:
        from PIL import Image, ImageDraw
    except ImportError:  # pragma: no cover - Pillow is in the venv
        if fmt != "PNG":
            raise
        return _png_raw(*size, (183, 28, 28))
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.rectangle([w // 5, h // 6, w // 5 + 4, h - h // 6], fill=(120, 80, 40))
    draw.rectangle([w // 5 + 4, h // 6, w - w // 5, h // 2], fill=(183, 28, 28))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def docx_bytes(paragraphs: list[str]) -> bytes:
    """A minimal Word document (the parts Word needs to open it), written with zipfile."""
    from xml.sax.saxutils import escape

    body = "".join(f"<w:p><w:r><w:t>{escape(p)}</w:t></w:r></w:p>" for p in paragraphs)
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/document.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body}</w:body></w:document>"
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()


def xlsx_bytes(title: str, header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _plan(today: dt.date, branch: Organisation, town: Organisation | None) -> list[tuple]:
    """(organisation, year, category code, title, tags, file name, bytes)."""
    y, last = today.year, today.year - 1
    plan = [
        (
            branch,
            y,
            "meeting-book",
            f"{y}年第一季度支部党员大会记录",
            "支部党员大会，三会一课",
            f"{y}年一季度党员大会记录.pdf",
            pdf_bytes(f"Branch general meeting {y} Q1"),
        ),
        (
            branch,
            y,
            "own-docs",
            f"东风村党支部{y}年工作计划",
            "工作计划",
            f"{y}年支部工作计划.docx",
            docx_bytes([f"东风村党支部{y}年工作计划", "一、加强政治建设", "二、规范组织生活"]),
        ),
        (
            branch,
            y,
            "meeting-docs",
            "主题党日活动照片（3月）",
            "主题党日，照片",
            "主题党日-3月.png",
            image_bytes("PNG"),
        ),
        (
            branch,
            y,
            "dues-book",
            f"{y}年党费收缴登记表",
            "党费",
            f"{y}年党费收缴登记表.xlsx",
            xlsx_bytes(
                "党费收缴", ["姓名", "1月", "2月", "3月"], [["张三", 20, 20, 20], ["李四", 15, 15, 15]]
            ),
        ),
        (
            branch,
            last,
            "dues-assessment-docs",
            f"{last}年度星级评定自评材料",
            "星级评定，自评",
            f"{last}年星级自评材料.pdf",
            pdf_bytes(f"Star rating self assessment {last}"),
        ),
        (
            branch,
            last,
            "development-docs",
            "入党积极分子培养考察登记表",
            "发展党员，积极分子",
            "积极分子考察登记表.docx",
            docx_bytes(["入党积极分子培养考察登记表", "培养联系人：", "考察意见："]),
        ),
        (
            branch,
            last,
            "meeting-docs",
            "党员大会签到表（重复上传）",
            "签到表",
            "签到表.jpg",
            image_bytes("JPEG"),
        ),
    ]
    if town is not None:
        plan += [
            (
                town,
                y,
                "higher-docs",
                "关于开展党支部标准化规范化建设的通知",
                "标准化规范化，上级文件",
                "标准化规范化建设通知.pdf",
                pdf_bytes("Notice on branch standardisation"),
            ),
            (
                town,
                last,
                "own-docs",
                f"{town.short_name or town.name}{last}年度党建工作要点",
                "工作要点",
                f"{last}年党建工作要点.docx",
                docx_bytes([f"{last}年度党建工作要点"]),
            ),
        ]
    return plan


def build(today: dt.date) -> str:
    branch = Organisation.objects.filter(code=BRANCH).select_related("parent").first()
    admin = get_user_model().objects.filter(username="admin").first()
    if branch is None or admin is None:
        return "演示档案：没有找到东风村党支部或 admin 账号，未归档文件。"
    town = branch.parent
    categories = {c.code: c for c in DocumentCategory.objects.all()}
    made = 0
    for org, year, code, title, tags, name, content in _plan(today, branch, town):
        if Document.objects.filter(organisation=org, title=title).exists():
            continue
        services.document_upload(
            user=admin,
            organisation=org,
            year=year,
            category=categories[code],
            title=title,
            tags=tags,
            file=SimpleUploadedFile(name, content),
            today=today,
        )
        made += 1
    deleted = 0
    duplicate = Document.objects.filter(organisation=branch, title="党员大会签到表（重复上传）").first()
    if duplicate is not None and not duplicate.is_deleted:
        services.document_delete(user=admin, document=duplicate, reason=DELETE_REASON)
        deleted = 1
    total = Document.objects.filter(organisation__in=[o for o in (branch, town) if o is not None]).count()
    return (
        f"演示档案：东风村党支部和{town.name if town else '上级党委'}的三本五盒共 {total} 份文件"
        f"（本次新归档 {made} 份，删除 {deleted} 份重复文件）。"
    )
