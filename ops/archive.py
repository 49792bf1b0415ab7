"""The backup archive: one uncompressed tar with the database dump, the stored files and a manifest.

    database.dump    pg_dump --format=custom of the whole database (compressed by pg_dump itself)
    media/<path>     every file under the default storage's folder (MEDIA_ROOT), at its stored path
    manifest.json    last: what a restore must reproduce (rows per table, sha256 per file, migrations)

A plain ``.tar`` rather than ``.tar.gz``: pg_dump compresses the table data itself and the stored
files are mostly PDFs, JPEGs and xlsx (zip) files. gzip would shrink little more than the dump's table
of contents (the schema, about 260 KB: the demo's archive goes from 1.5 to 1.06 MB, a province's by a
fraction of a percent), and in an uncompressed tar the restore finds the manifest (the last member) by
skipping from header to header instead of decompressing the whole archive first.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import time
from pathlib import Path, PurePosixPath

from .errors import OpsError

FORMAT = "zhibutong-backup/1"
DUMP = "database.dump"
MEDIA = "media/"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024


class HashingReader:
    """A file wrapper that hashes what tarfile reads from it, so each stored file is read once."""

    def __init__(self, raw):
        self.raw = raw
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def stored_files(root: Path) -> list[str]:
    """Relative POSIX paths of the regular files under ``root`` (symbolic links are not followed)."""
    if not root.is_dir():
        return []
    return sorted(
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and not path.is_symlink()
    )


def add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict:
    """Add ``path`` as member ``name``; its size and the sha256 of exactly the bytes that went in."""
    info = tar.gettarinfo(str(path), arcname=name)
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    with open(path, "rb") as handle:
        reader = HashingReader(handle)
        tar.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": info.size}


def safe_path(root: Path, name: str) -> Path:
    """Where a manifest's file goes under ``root``; a name that would leave ``root`` is refused."""
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or not relative.parts or "\\" in name:
        raise OpsError(f"备份清单中的文件名“{name}”不安全（绝对路径或含“..”），未做任何改动。")
    return root.joinpath(*relative.parts)


def write_manifest(tar: tarfile.TarFile, manifest: dict) -> None:
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    info = tarfile.TarInfo(MANIFEST)
    info.size = len(data)
    info.mtime = int(time.time())
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def read_manifest(tar: tarfile.TarFile, archive: Path) -> dict:
    try:
        member = tar.getmember(MANIFEST)
    except KeyError:
        raise OpsError(f"{archive} 不是完整的支部通备份（缺少 {MANIFEST}），未做任何改动。") from None
    manifest = json.loads(tar.extractfile(member).read())
    if manifest.get("format") != FORMAT:
        raise OpsError(f"{archive} 的格式是“{manifest.get('format')}”，本程序只认 {FORMAT}，未做任何改动。")
    return manifest


def open_archive(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise OpsError(f"找不到备份文件 {archive}。")
    try:
        return tarfile.open(archive, "r:*")
    except tarfile.TarError as error:
        raise OpsError(f"{archive} 不是可读的备份文件（{error}），未做任何改动。") from None
