"""`make backup`: one archive with the database (pg_dump), every stored file and a manifest to verify by.

The row counts in the manifest and the dump come from one snapshot: the counting transaction exports
its snapshot and pg_dump imports it (``--snapshot``), so even while secretaries keep saving meetings
the manifest describes exactly the rows the dump holds. Files are not transactional: a file uploaded
during the backup may be in the archive without its row (harmless), and a file that the database
references but storage no longer has is listed under ``missing_files`` and reported.

Usage: ``python -m ops.backup [--dir backups]`` (DATABASE_URL and MEDIA_ROOT as for the portal).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg2.extensions
from psycopg2 import sql

from . import archive, cli, postgres
from .errors import OpsError


@dataclass
class Backup:
    path: Path
    manifest: dict
    seconds: float

    @property
    def size(self) -> int:
        return self.path.stat().st_size


def backup(*, database: dict, media_root: Path, out_dir: Path, now: dt.datetime | None = None) -> Backup:
    """Write ``out_dir/zhibutong-YYYYmmdd-HHMMSS.tar``; it appears under that name only once complete."""
    from django.utils import timezone

    started = time.monotonic()
    pg = postgres.Postgres.from_settings(database)
    local = timezone.localtime(now or timezone.now())
    out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    final = out_dir / f"zhibutong-{local:%Y%m%d-%H%M%S}.tar"
    if final.exists():
        raise OpsError(f"{final} 已存在，请稍后再试（备份文件名精确到秒）。")
    partial = final.with_name(final.name + ".partial")
    try:
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".dump-") as work:
            dump = Path(work) / archive.DUMP
            source = _dump_with_counts(pg, dump)
            manifest = _write_archive(partial, dump, media_root, source, local)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    return Backup(final, manifest, time.monotonic() - started)


def _dump_with_counts(pg: postgres.Postgres, dump: Path) -> dict:
    """pg_dump and the manifest's database part (rows, migrations, referenced files) from one snapshot."""
    connection = pg.connect()
    try:
        connection.set_session(
            isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            pg.run("pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}")
            counts = postgres.row_counts(cursor)
            return {
                "database": pg.name,
                "host": pg.host,
                "server_version": postgres.server_version(cursor),
                "pg_dump": postgres.tool_version("pg_dump"),
                "tables": counts,
                "migrations": postgres.applied_migrations(cursor),
                "referenced_files": _referenced_files(cursor, set(counts)),
            }
    finally:
        connection.rollback()
        connection.close()


def _referenced_files(cursor, present: set[str]) -> set[str]:
    """Every stored-file name that a model's FileField column holds, from the tables that exist."""
    from django.apps import apps
    from django.db.models import FileField

    names: set[str] = set()
    for model in apps.get_models():
        table = model._meta.db_table
        if f"public.{table}" not in present:
            continue
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, FileField):
                column = sql.Identifier(model_field.column)
                cursor.execute(
                    sql.SQL("SELECT DISTINCT {} FROM {} WHERE {} <> ''").format(
                        column, sql.Identifier(table), column
                    )
                )
                names.update(name for (name,) in cursor.fetchall())
    return names


def _write_archive(partial: Path, dump: Path, media_root: Path, source: dict, local: dt.datetime) -> dict:
    """The tar: the dump, then each stored file, then the manifest with the checksums taken on the way."""
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # members' personal data
    with (
        os.fdopen(descriptor, "wb") as raw,
        tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        dump_entry = archive.add_file(tar, dump, archive.DUMP)
        files = {}
        for name in archive.stored_files(media_root):
            try:
                files[name] = archive.add_file(tar, media_root / name, archive.MEDIA + name)
            except FileNotFoundError:  # deleted since the listing (a document deleted meanwhile)
                continue
        referenced = source.pop("referenced_files")
        manifest = {
            "format": archive.FORMAT,
            "created_at": local.isoformat(timespec="seconds"),
            "source": {key: source[key] for key in ("database", "host", "server_version", "pg_dump")},
            "dump": {"name": archive.DUMP, **dump_entry},
            "tables": source["tables"],
            "migrations": source["migrations"],
            "media_root": str(media_root),
            "files": files,
            "missing_files": sorted(referenced - set(files)),
        }
        archive.write_manifest(tar, manifest)
    return manifest


def summary(result: Backup) -> list[str]:
    manifest = result.manifest
    files = manifest["files"]
    lines = [
        f"备份完成：{result.path}（{cli.human_size(result.size)}，用时 {result.seconds:.1f} 秒）",
        f"  数据库 {manifest['source']['database']}（{manifest['source']['host']}，PostgreSQL "
        f"{manifest['source']['server_version']}）：{len(manifest['tables'])} 张表，"
        f"{sum(manifest['tables'].values()):,} 行，同一快照导出和计数",
        f"  文件 {len(files):,} 个，{cli.human_size(sum(f['size'] for f in files.values()))}"
        f"（{manifest['media_root']}）",
        f"  迁移 {sum(len(names) for names in manifest['migrations'].values())} 个已应用；"
        f"恢复：make restore FILE={result.path}",
    ]
    missing = manifest["missing_files"]
    if missing:
        lines.append(
            f"  警告：数据库引用的 {len(missing)} 个文件在存储中不存在（备份前已丢失），"
            f"如 {'、'.join(missing[:5])}"
        )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(prog="make backup", description="备份数据库和上传的文件")
    parser.add_argument("--dir", default="backups", help="备份文件存放的文件夹（默认 backups）")
    args = parser.parse_args()
    cli.setup_django()
    result = backup(database=cli.default_database(), media_root=cli.media_root(), out_dir=Path(args.dir))
    print("\n".join(summary(result)))
    return 0


if __name__ == "__main__":
    cli.run(main)
