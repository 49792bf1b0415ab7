"""Attachments of a meeting (签到表, 照片, PDF): type by content, size limited, stored with their sha256."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from ..models import Attachment, AttachmentKind, Meeting, MeetingStatus

DEFAULT_MAX_MB = 10
MAX_PER_MEETING = 30

# Magic numbers: the file's first bytes decide its type, not its name.
SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
)


def max_bytes() -> int:
    return getattr(settings, "MEETING_ATTACHMENT_MAX_MB", DEFAULT_MAX_MB) * 1024 * 1024


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, JPEG or PNG; None for anything else."""
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


@transaction.atomic
def attachment_add(*, meeting: Meeting, file, kind: str, by=None) -> Attachment:
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError("该会议记录已作废，不能上传附件。")
    if kind not in AttachmentKind.values:
        raise ValidationError({"kind": "请选择附件类别。"})
    if file is None or not getattr(file, "size", 0):
        raise ValidationError({"file": "请选择要上传的文件（文件不能是空的）。"})
    limit = max_bytes()
    if file.size > limit:
        raise ValidationError({"file": f"文件不能超过 {limit // (1024 * 1024)} MB。"})
    if meeting.attachments.count() >= MAX_PER_MEETING:
        raise ValidationError({"file": f"每次会议最多上传{MAX_PER_MEETING}个附件。"})
    file.seek(0)
    found = sniff(file.read(16))
    if found is None:
        raise ValidationError({"file": "只能上传 PDF、JPG 或 PNG 文件（按文件内容判断，不看扩展名）。"})
    content_type, ext = found
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    name = (getattr(file, "name", "") or "附件").rsplit("/", 1)[-1][:150]
    attachment = Attachment(
        meeting=meeting,
        kind=kind,
        name=name,
        size=file.size,
        sha256=digest.hexdigest(),
        content_type=content_type,
        uploaded_by=by,
    )
    attachment.file.save(f"upload{ext}", file, save=False)
    attachment.save()
    return attachment
