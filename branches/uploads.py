"""What every upload of the portal is checked against, before any of it is stored or opened.

The file's own bytes decide its type (a renamed program is refused whatever its name says).
Word and Excel files are ZIP archives, and a ZIP can be built to expand a few hundred
kilobytes into gigabytes (a "zip bomb"), to hold thousands of parts, or to name a part
``../../etc/passwd``; ``zip_problem`` reads only the archive's central directory — the
sizes every part declares — and never extracts anything, so such a file is refused before
openpyxl or a user's Word ever sees it. The apps keep their own accepted types and messages;
this module is in ``branches`` because every other app may import it.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from pathlib import PurePosixPath

from django.conf import settings

MB = 1024 * 1024
HEAD_BYTES = 16

# Defaults of the settings of the same name (settings.UPLOAD_ZIP_*): far above any real roster
# (50,000 rows ≈ 36 MB of sheet XML at 12:1) and any Word document, far below what hurts a worker.
UPLOAD_ZIP_MAX_UNCOMPRESSED_MB = 100
UPLOAD_ZIP_MAX_RATIO = 100
UPLOAD_ZIP_RATIO_FROM_MB = 5
UPLOAD_ZIP_MAX_MEMBERS = 10_000

PDF, JPG, PNG, ZIP = ".pdf", ".jpg", ".png", ".zip"
# Magic numbers: (first bytes, extension, content type).
SIGNATURES = (
    (b"%PDF-", PDF, "application/pdf"),
    (b"\xff\xd8\xff", JPG, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", PNG, "image/png"),
    (b"PK\x03\x04", ZIP, "application/zip"),
)
# Office documents embed charts and objects as whole documents (ZIPs) in these folders.
EMBEDDED_DOCUMENTS = {".xlsx", ".xlsm", ".docx", ".docm", ".pptx", ".bin"}
ARCHIVE_SUFFIXES = {".zip", ".jar", ".rar", ".7z", ".gz", ".tgz", ".bz2", ".xz", ".cab"}

BROKEN = "压缩包已损坏，无法读取。"


def limit(name: str) -> int:
    """A setting of this module (settings.UPLOAD_ZIP_*), or its default above."""
    return int(getattr(settings, name, globals()[name]))


def sniff(head: bytes) -> tuple[str, str] | None:
    """(extension, content type) by the first bytes: PDF, JPG, PNG or ZIP; None for anything else."""
    for magic, ext, content_type in SIGNATURES:
        if head.startswith(magic):
            return ext, content_type
    return None


def sniff_file(file) -> tuple[str, str] | None:
    """``sniff`` of a seekable file's first bytes; the file is left at its start."""
    file.seek(0)
    try:
        return sniff(file.read(HEAD_BYTES))
    finally:
        file.seek(0)


def sha256_of(file) -> str:
    """The checksum of the whole upload, read in chunks; the file is left at its start."""
    digest = hashlib.sha256()
    file.seek(0)
    chunks = file.chunks() if hasattr(file, "chunks") else iter(lambda: file.read(MB), b"")
    for chunk in chunks:
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def zip_names(file) -> set[str] | None:
    """The part names of a ZIP, or None when it cannot be read; the file is left at its start."""
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, KeyError):
        return None
    finally:
        file.seek(0)


def zip_problem(file) -> str | None:
    """Why this ZIP is refused (a Chinese sentence), or None; reads the central directory only.

    Refused: an unreadable archive, more than UPLOAD_ZIP_MAX_MEMBERS parts, more than
    UPLOAD_ZIP_MAX_UNCOMPRESSED_MB when unpacked, a part over UPLOAD_ZIP_RATIO_FROM_MB that
    expands more than UPLOAD_ZIP_MAX_RATIO times, a part named with ``..`` or an absolute
    path, an encrypted part, and an archive inside the archive (except Office's embedded
    documents, which Word and Excel keep as ZIPs of their own).
    """
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            return _members_problem(archive)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, ValueError, EOFError, KeyError):
        return BROKEN
    except (NotImplementedError, RuntimeError):  # unknown compression method, encrypted part
        return "压缩包使用了不支持的压缩方式或已加密，无法读取。"
    finally:
        file.seek(0)


def _members_problem(archive: zipfile.ZipFile) -> str | None:
    members = archive.infolist()
    if len(members) > limit("UPLOAD_ZIP_MAX_MEMBERS"):
        return f"压缩包内文件过多（{len(members)} 个，上限 {limit('UPLOAD_ZIP_MAX_MEMBERS')} 个），已拒绝。"
    total_limit = limit("UPLOAD_ZIP_MAX_UNCOMPRESSED_MB") * MB
    ratio_limit, ratio_from = limit("UPLOAD_ZIP_MAX_RATIO"), limit("UPLOAD_ZIP_RATIO_FROM_MB") * MB
    total = 0
    for member in members:
        if unsafe_name(member.filename):
            return f"压缩包内含不安全的路径“{member.filename[:80]}”，已拒绝。"
        if member.flag_bits & 0x1:
            return "压缩包内含加密的文件，无法检查，已拒绝。"
        total += member.file_size
        if total > total_limit:
            return f"文件解压后超过 {total_limit // MB} MB（疑似“压缩炸弹”），已拒绝。"
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > ratio_from and ratio > ratio_limit:
            return f"压缩包内“{member.filename[:80]}”的压缩比异常（{ratio:.0f}:1，疑似“压缩炸弹”），已拒绝。"
    for member in members:
        if _nested_archive(archive, member):
            return f"压缩包内含另一个压缩包“{member.filename[:80]}”，已拒绝。"
    return None


def unsafe_name(name: str) -> bool:
    """A part name that would leave the folder it is unpacked into: absolute, a drive, or ``..``."""
    posix = name.replace("\\", "/")
    if posix.startswith("/") or (len(posix) > 1 and posix[1] == ":"):
        return True
    return ".." in PurePosixPath(posix).parts or "\x00" in name


def _nested_archive(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Whether a part is itself an archive (by name or by its first bytes), Office embeddings aside."""
    if member.is_dir():
        return False
    path = PurePosixPath(member.filename)
    suffix = path.suffix.lower()
    if "embeddings" in path.parts[:-1] and suffix in EMBEDDED_DOCUMENTS:
        return False
    if suffix in ARCHIVE_SUFFIXES:
        return True
    if member.file_size < 4:
        return False
    with archive.open(member) as part:
        head = part.read(4)
    return head in (b"PK\x03\x04", b"PK\x05\x06", b"Rar!", b"7z\xbc\xaf") or head[:2] == b"\x1f\x8b"
