"""The document boxes (三本五盒, DOMAIN §6): filing a document and an admin's deletion of one.

A document's type is decided by its bytes (``rules.sniff_document``), never by its name: a
renamed program or a text file called ``.pdf`` is refused. The file goes to the default
storage under a random name; the name the user gave is kept for the download. Deleting
removes the stored file but keeps the record — who filed it, its checksum, who deleted it
and why — because an archive must be able to show that a file existed.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from branches import access, uploads

from .. import rules
from ..models import Document, DocumentCategory

log = logging.getLogger(__name__)

TITLE_MAX = 200
TAGS_MAX = 200
NAME_MAX = 200
REASON_MIN = 2
REASON_MAX = 200
HEAD_BYTES = 16
ACCEPTED = "PDF、Word（docx）、Excel（xlsx）、JPG 或 PNG"
# Extensions a user may give a file of each sniffed type without the download name being corrected.
SAME_TYPE = {".jpg": {".jpg", ".jpeg"}}


def max_bytes() -> int:
    mb = getattr(settings, "ARCHIVE_DOCUMENT_MAX_MB", rules.DEFAULT_DOCUMENT_MAX_MB)
    return int(mb * 1024 * 1024)


def size_text(n: int) -> str:
    """1 MB, 1.5 MB, 800 KB, 120 字节: the limit and sizes in messages."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= factor:
            return f"{n / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} 字节"


def _original_name(raw: str, ext: str) -> str:
    """The file's own name without any folder (browsers on Windows may send ``C:\\…\\a.pdf``), ≤ 200."""
    name = re.split(r"[\\/]", raw or "")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip()
    if not name or name in (".", ".."):
        name = f"文件{ext}"
    if len(name) > NAME_MAX:
        stem, dot, suffix = name.rpartition(".")
        if dot and 0 < len(suffix) <= 10:
            name = stem[: NAME_MAX - len(suffix) - 1] + "." + suffix
        else:
            name = name[:NAME_MAX]
    return name


def _checked_file(file) -> tuple[str, str, int]:
    """(extension, sha256, size) of an acceptable upload; the message for the ``file`` field otherwise."""
    size = getattr(file, "size", None) if file is not None else None
    if not size:
        raise ValidationError("请选择要上传的文件（文件不能是空的）。")
    limit = max_bytes()
    if size > limit:
        given = size_text(size)
        if given == size_text(limit):  # just over the limit: rounded, both would read the same
            given = f"{size:,} 字节，上限为 {limit:,} 字节"
        raise ValidationError(f"文件不能超过 {size_text(limit)}（所选文件 {given}）。")
    file.seek(0)
    head = file.read(HEAD_BYTES)
    # A Word or Excel file is a ZIP: its declared sizes and names are checked before it is opened.
    if uploads.sniff(head) == (uploads.ZIP, "application/zip"):
        problem = uploads.zip_problem(file)
        # An unreadable ZIP is simply not a Word or Excel file: the message below says so.
        if problem and problem != uploads.BROKEN:
            raise ValidationError(f"所选文件无法接受：{problem}")
    ext = rules.sniff_document(head, file)
    if ext is None:
        raise ValidationError(f"所选文件不是 {ACCEPTED} 文件（按文件内容判断，改扩展名无效）。")
    return ext, uploads.sha256_of(file), size


def _year(year, today: dt.date) -> int:
    try:
        year = int(year)
    except (TypeError, ValueError):
        raise ValidationError("请选择文件所属年度。") from None
    if rules.year_error(year, today=today) is None:
        return year
    if year > today.year:
        raise ValidationError(f"{year}年尚未到来，文件年度不能晚于{today.year}年。")
    raise ValidationError(f"文件年度只能是{rules.FIRST_YEAR}年至{today.year}年。")


def normalise_tags(tags: str) -> str:
    """Tags separated by Chinese or Latin commas (or 、), stripped, each once, joined with "，"."""
    seen: list[str] = []
    for part in re.split(r"[,，、;；]", tags or ""):
        part = part.strip()
        if part and part not in seen:
            seen.append(part)
    return "，".join(seen)


def document_upload(
    *,
    user,
    organisation,
    year,
    category: DocumentCategory | None,
    title: str,
    tags: str = "",
    file,
    today: dt.date | None = None,
) -> Document:
    """File a document in one of the organisation's books or boxes; nothing is saved on an error."""
    if not access.can_keep_archives(user, organisation):
        raise PermissionDenied
    today = today or timezone.localdate()
    errors: dict[str, str] = {}
    try:
        year = _year(year, today)
    except ValidationError as error:
        errors["year"] = error.messages[0]
    if category is None:
        errors["category"] = "请选择档案类别。"
    elif not DocumentCategory.objects.filter(pk=category.pk, active=True).exists():
        errors["category"] = f"档案类别“{category.name}”已停用，请选择其他类别。"
    title = (title or "").strip()
    if not title:
        errors["title"] = "请填写标题。"
    elif len(title) > TITLE_MAX:
        errors["title"] = f"标题不能超过 {TITLE_MAX} 个字（现有 {len(title)} 个）。"
    tags = normalise_tags(tags)
    if len(tags) > TAGS_MAX:
        errors["tags"] = f"标签合计不能超过 {TAGS_MAX} 个字（现有 {len(tags)} 个）。"
    try:
        ext, sha256, size = _checked_file(file)
    except ValidationError as error:
        errors["file"] = error.messages[0]
    if errors:
        raise ValidationError(errors)

    content_type = rules.DOCUMENT_TYPES[ext][0]
    document = Document(
        organisation=organisation,
        year=year,
        category=category,
        title=title,
        tags=tags,
        original_name=_original_name(getattr(file, "name", ""), ext),
        content_type=content_type,
        size=size,
        sha256=sha256,
        uploaded_by=user,
    )
    # A random stored name: the user's name may hold anything, and two uploads may share it.
    document.file.save(f"{uuid.uuid4().hex}{ext}", file, save=False)
    try:
        with transaction.atomic():
            document.save()
    except BaseException:
        default_storage.delete(document.file.name)
        raise
    return document


def download_name(document: Document) -> str:
    """The original name, with the extension of the content when the name said something else."""
    ext = next((e for e, (ct, _label) in rules.DOCUMENT_TYPES.items() if ct == document.content_type), "")
    name = document.original_name or f"文件{ext}"
    stem, dot, suffix = name.rpartition(".")
    given = f".{suffix.lower()}" if dot else ""
    if not ext or given in SAME_TYPE.get(ext, {ext}):
        return name
    return f"{stem if dot else name}{ext}"


def document_delete(*, user, document: Document, reason: str, now: dt.datetime | None = None) -> Document:
    """An admin deletes a document with a reason: the stored file goes, the record stays."""
    if not access.is_admin(user):
        raise PermissionDenied
    reason = (reason or "").strip()
    if len(reason) < REASON_MIN:
        raise ValidationError({"reason": f"请填写删除原因（至少 {REASON_MIN} 个字）。"})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": f"删除原因不能超过 {REASON_MAX} 个字（现有 {len(reason)} 个）。"})
    with transaction.atomic():
        locked = Document.objects.select_for_update().get(pk=document.pk)
        if locked.is_deleted:
            raise ValidationError(
                f"该文件已于{timezone.localtime(locked.deleted_at):%Y-%m-%d %H:%M}被删除，不能重复删除。"
            )
        stored = locked.file.name
        locked.deleted_at = now or timezone.now()
        locked.deleted_by = user
        locked.delete_reason = reason
        locked.file = ""
        locked.save(update_fields=["deleted_at", "deleted_by", "delete_reason", "file"])
        # Only once the deletion is committed: a rollback must not leave a record without its file.
        if stored:
            transaction.on_commit(lambda: _remove(stored))
    document.deleted_at, document.deleted_by, document.delete_reason = locked.deleted_at, user, reason
    document.file = ""
    return locked


def _remove(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:
        log.exception("档案文件 %s 已标记删除，但存储中的文件未能删除", name)
