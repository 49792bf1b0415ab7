"""`make restore FILE=…`: put a backup into an empty database and MEDIA_ROOT, then prove it is all there.

Refusals come first and change nothing: a target database that already has tables, stored files that
differ from the backup's at the same path (FORCE=1 overrides both), a dump whose checksum differs
from the manifest. pg_restore then runs in a single transaction, so a failure leaves the database as
it was (with FORCE=1 too: ``--clean`` drops and recreates inside that transaction). Last, the
verification counts every table's rows and hashes every restored file against the manifest; any
difference is listed and the exit code is 1.

Usage: ``python -m ops.restore FILE [--force]`` (DATABASE_URL and MEDIA_ROOT name the target).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import tarfile
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import archive, cli, postgres
from .errors import OpsError

SHOWN = 20
# Ownership and grants are the target server's business: the portal's user owns what it restores.
RESTORE_OPTIONS = ("--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error")


@dataclass
class Restore:
    archive: Path
    target: str
    manifest: dict
    written: int = 0
    unchanged: int = 0
    replaced_tables: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def restore(*, archive_path: Path, database: dict, media_root: Path, force: bool = False) -> Restore:
    """Refuse, or restore the database and then the files; the result lists every difference found."""
    started = time.monotonic()
    pg = postgres.Postgres.from_settings(database)
    with archive.open_archive(archive_path) as tar:
        manifest = archive.read_manifest(tar, archive_path)
        existing = _existing_tables(pg)
        if existing and not force:
            raise OpsError(_not_empty_message(pg, existing))
        unchanged = _check_files(manifest, media_root, force)
        # The dump goes to $TMPDIR first: its checksum is checked before pg_restore sees it.
        with tempfile.TemporaryDirectory(prefix="zhibutong-restore-") as work:
            dump = _extract_dump(tar, manifest, Path(work))
            clean = ["--clean", "--if-exists"] if existing else []
            pg.run("pg_restore", *RESTORE_OPTIONS, *clean, str(dump))
        written = _restore_files(tar, manifest, media_root, unchanged)
    result = Restore(archive_path, pg.label, manifest, written, len(unchanged), len(existing))
    result.problems = verify(pg=pg, manifest=manifest, media_root=media_root)
    result.seconds = time.monotonic() - started
    return result


def _existing_tables(pg: postgres.Postgres) -> list[str]:
    connection = pg.connect()
    try:
        with connection.cursor() as cursor:
            return [postgres.qualified(*name) for name in postgres.tables(cursor)]
    finally:
        connection.close()


def _not_empty_message(pg: postgres.Postgres, existing: list[str]) -> str:
    return (
        f"目标数据库 {pg.label}不是空的：已有 {len(existing)} 张表（如 {'、'.join(existing[:3])}）。"
        "恢复只写入空数据库，未做任何改动。请新建一个空数据库（createdb 新库名），把 DATABASE_URL 指向它后"
        "重新运行；确要用备份覆盖这个数据库的全部内容，加 FORCE=1（make restore FILE=… FORCE=1）。"
    )


def _check_files(manifest: dict, media_root: Path, force: bool) -> set[str]:
    """The manifest's files already present and identical; a refusal if others differ (unless forced)."""
    unchanged, different = set(), []
    for name, expected in manifest["files"].items():
        target = archive.safe_path(media_root, name)
        if not target.exists():
            continue
        if target.is_file() and archive.sha256_file(target) == expected["sha256"]:
            unchanged.add(name)
        else:
            different.append(name)
    if different and not force:
        raise OpsError(
            f"文件夹 {media_root} 中已有 {len(different)} 个与备份内容不同的同名文件（如 "
            f"{'、'.join(different[:3])}），未做任何改动。请让 MEDIA_ROOT 指向一个空文件夹，"
            "或加 FORCE=1 用备份中的文件覆盖它们。"
        )
    return unchanged


def _extract_dump(tar: tarfile.TarFile, manifest: dict, work: Path) -> Path:
    """The dump, copied out of the archive and checked against the manifest before anything is written."""
    dump = work / archive.DUMP
    digest = hashlib.sha256()
    try:
        source = tar.extractfile(archive.DUMP)
    except KeyError:
        source = None
    if source is None:
        raise OpsError(f"备份中没有数据库转储 {archive.DUMP}，未做任何改动。")
    with source, open(dump, "wb") as out:
        while chunk := source.read(archive.CHUNK):
            digest.update(chunk)
            out.write(chunk)
    if digest.hexdigest() != manifest["dump"]["sha256"]:
        raise OpsError("备份已损坏：数据库转储的 SHA-256 与清单不一致，未做任何改动。")
    return dump


def _restore_files(tar: tarfile.TarFile, manifest: dict, media_root: Path, unchanged: set[str]) -> int:
    """Write each stored file (through a temporary name, so no half-written file keeps the real one)."""
    written = 0
    for name in manifest["files"]:
        if name in unchanged:
            continue
        target = archive.safe_path(media_root, name)
        try:
            source = tar.extractfile(archive.MEDIA + name)
        except KeyError:
            continue  # reported by verify(): the file is not there afterwards
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".restoring")
        with source, open(partial, "wb") as out:
            shutil.copyfileobj(source, out, archive.CHUNK)
        os.replace(partial, target)
        written += 1
    return written


def verify(*, pg: postgres.Postgres, manifest: dict, media_root: Path) -> list[str]:
    """Every difference between the target and the manifest: rows per table, tables, files' sha256."""
    connection = pg.connect()
    try:
        with connection.cursor() as cursor:
            counts = postgres.row_counts(cursor)
    finally:
        connection.close()
    problems = []
    for table, expected in manifest["tables"].items():
        if table not in counts:
            problems.append(f"表 {table} 没有恢复（清单中 {expected:,} 行）")
        elif counts[table] != expected:
            problems.append(f"表 {table}：清单 {expected:,} 行，恢复后 {counts[table]:,} 行")
    problems += [
        f"表 {table} 不在备份中（{counts[table]:,} 行）" for table in counts.keys() - manifest["tables"]
    ]
    for name, expected in manifest["files"].items():
        path = archive.safe_path(media_root, name)
        if not path.is_file():
            problems.append(f"文件 {name} 没有恢复")
        elif archive.sha256_file(path) != expected["sha256"]:
            problems.append(f"文件 {name} 的 SHA-256 与清单不一致（备份中的副本已损坏或被改动）")
    return problems


def migration_note(manifest: dict) -> str:
    """How the backup's migration state compares with this code's migrations (a hint, not a check)."""
    from django.db.migrations.loader import MigrationLoader

    on_disk = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    in_backup = {(app, name) for app, names in manifest["migrations"].items() for name in names}
    newer_code = sorted(on_disk - in_backup)
    newer_backup = sorted(in_backup - on_disk)
    if newer_backup:
        shown = "、".join(f"{app}.{name}" for app, name in newer_backup[:3])
        return (
            f"备份中有 {len(newer_backup)} 个迁移不在当前代码中（如 {shown}）："
            "请用与备份同版本或更新的代码运行"
        )
    if newer_code:
        shown = "、".join(f"{app}.{name}" for app, name in newer_code[:3])
        return f"当前代码比备份多 {len(newer_code)} 个迁移（如 {shown}）：请运行 python manage.py migrate"
    return "与当前代码一致"


def summary(result: Restore) -> list[str]:
    manifest = result.manifest
    source = manifest["source"]
    rows = sum(manifest["tables"].values())
    files = manifest["files"]
    lines = [
        f"恢复{'完成' if result.ok else '结束，但校验发现不一致'}：{result.archive} → 数据库 {result.target}"
        f"，用时 {result.seconds:.1f} 秒",
        f"  备份时间 {manifest['created_at']}，来源数据库 {source['database']}（{source['host']}）",
        f"  数据表 {len(manifest['tables'])} 张，{rows:,} 行；文件 {len(files):,} 个，"
        f"{cli.human_size(sum(f['size'] for f in files.values()))}（写入 {result.written:,} 个，"
        f"已存在且相同 {result.unchanged:,} 个）",
        f"  迁移状态：{migration_note(manifest)}",
    ]
    if result.replaced_tables:
        lines.append(f"  FORCE=1：目标数据库原有 {result.replaced_tables} 张表，备份中的表已覆盖")
    if manifest["missing_files"]:
        lines.append(
            f"  注意：备份时已有 {len(manifest['missing_files'])} 个被引用的文件不在存储中"
            "（见清单 missing_files）"
        )
    if result.ok:
        lines.append("  校验通过：每张表的行数和每个文件的 SHA-256 都与清单一致")
    else:
        lines.append(f"  校验失败，{len(result.problems)} 处不一致：")
        lines += [f"    {problem}" for problem in result.problems[:SHOWN]]
        if len(result.problems) > SHOWN:
            lines.append(f"    ……另有 {len(result.problems) - SHOWN} 处")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="make restore", description="把备份恢复到空数据库并校验")
    parser.add_argument("file", type=Path, help="备份文件，如 backups/zhibutong-20260101-020000.tar")
    parser.add_argument("--force", action="store_true", help="覆盖非空数据库和不同的同名文件")
    args = parser.parse_args()
    cli.setup_django()
    result = restore(
        archive_path=args.file, database=cli.default_database(), media_root=cli.media_root(), force=args.force
    )
    print("\n".join(summary(result)))
    return 0 if result.ok else 1


if __name__ == "__main__":
    cli.run(main)
