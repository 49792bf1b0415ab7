"""Attachments of a meeting (签到表, 照片, PDF): type by content, size limited, stored with their sha256."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from branches import uploads

from ..models import Attachment, AttachmentKind, Meeting, MeetingStatus

DEFAULT_MAX_MB = 10
MAX_PER_MEETING = 30

# The file's first bytes decide its type, not its name (branches/uploads.py); a ZIP is not an attachment.
ACCEPTED = (uploads.PDF, uploads.JPG, uploads.PNG)


def max_bytes() -> int:
    return getattr(settings, "MEETING_ATTACHMENT_MAX_MB", DEFAULT_MAX_MB) * 1024 * 1024


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF, JPEG or PNG; None for anything else."""
    found = uploads.sniff(head)
    if found is None or found[0] not in ACCEPTED:
        return None
    return found[1], found[0]


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
    sha256 = uploads.sha256_of(file)
    name = (getattr(file, "name", "") or "附件").rsplit("/", 1)[-1][:150]
    attachment = Attachment(
        meeting=meeting,
        kind=kind,
        name=name,
        size=file.size,
        sha256=sha256,
        content_type=content_type,
        uploaded_by=by,
    )
    attachment.file.save(f"upload{ext}", file, save=False)
    attachment.save()
    return attachment
