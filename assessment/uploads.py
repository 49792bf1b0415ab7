"""Checked uploads for evidence (佐证材料): type by content, size limited, sha256 kept."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError

from branches import uploads
from meetings.services.attachments import sniff

DEFAULT_MAX_MB = 10


def max_bytes() -> int:
    return getattr(settings, "ASSESSMENT_EVIDENCE_MAX_MB", DEFAULT_MAX_MB) * 1024 * 1024


def checked(file, *, field: str = "file") -> tuple[str, str, str]:
    """(extension, sha256, display name) of an acceptable upload; ValidationError otherwise."""
    if file is None or not getattr(file, "size", 0):
        raise ValidationError({field: "请选择要上传的文件（文件不能是空的）。"})
    limit = max_bytes()
    if file.size > limit:
        raise ValidationError({field: f"文件不能超过 {limit // (1024 * 1024)} MB。"})
    file.seek(0)
    found = sniff(file.read(16))
    if found is None:
        raise ValidationError({field: "只能上传 PDF、JPG 或 PNG 文件（按文件内容判断，不看扩展名）。"})
    digest = uploads.sha256_of(file)
    name = (getattr(file, "name", "") or "佐证材料").rsplit("/", 1)[-1][:150]
    return found[1], digest, name
