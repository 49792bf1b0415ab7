"""`make backup` / `make restore` (issue 9, 什么也不丢) against real PostgreSQL databases and real files.

One backup per module: ``backed_up`` fills the test database through the services (members, a
meeting with attendance and an attachment, an archived document, a document whose file was lost),
commits it (pg_dump only sees committed rows — what a transactional test gives), runs
``python -m ops.backup`` as `make backup` does, records both the database (row count and a digest of
every table, by a query of the test's own) and the files, then flushes the test database as a
transactional test's teardown would. Each test restores into a database of its own made with
CREATE DATABASE (``zhibutong_bk_…``, dropped afterwards) and compares. PostgreSQL only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from psycopg2 import sql

from archives import demo_documents
from archives.defaults import ensure_defaults as ensure_archive_defaults
from archives.models import DocumentCategory
from archives.services.documents import document_upload
from branches.models import Role
from meetings import rules as meeting_rules
from meetings.defaults import ensure_defaults as ensure_meeting_defaults
from meetings.models import MeetingKind, Presence
from meetings.services.attachments import attachment_add
from meetings.services.meetings import Mark, meeting_save
from tests.factories import UserFactory, grant, make_member, make_org, make_term

pytestmark = [
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="备份与恢复只支持 PostgreSQL（设置 DATABASE_URL=postgres://…）",
    ),
    # The tests read the archive and their own databases, not Django's; the mark makes pytest-django
    # set up the test database for ``backed_up`` and run the module among the transactional tests,
    # after the ones that expect the migrations' seeded rows, since the module ends with a flush.
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
NOW = dt.datetime(2026, 3, 20, 12, 0, tzinfo=meeting_rules.LOCAL_TZ)
CHINESE_PATH = "imports/2026/03/党员名单（第一批）.txt"


@dataclass(frozen=True)
class BackedUp:
    archive: Path
    tables: dict[str, tuple[int, str]]  # the source database at backup time
    sequences: dict[str, int]
    files: dict[str, str]  # the source MEDIA_ROOT at backup time: path → sha256
    manifest: dict
    stdout: str
    attachment: tuple[str, str]  # (stored name, sha256 recorded at upload)
    document: tuple[str, str]
    lost: str  # a document's stored name whose file was removed before the backup
    migrations: int


def _params(name: str) -> dict:
    """psycopg2 parameters for database ``name`` on the test database's server."""
    db = connection.settings_dict
    params = {"dbname": name, "user": db["USER"], "password": db["PASSWORD"], "host": db["HOST"]}
    params["port"] = db["PORT"]
    return {key: value for key, value in params.items() if value}


def _url(name: str) -> str:
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"


def _admin_execute(statement) -> None:
    conn = psycopg2.connect(**_params("postgres"))
    conn.autocommit = True  # CREATE / DROP DATABASE run outside a transaction
    try:
        with conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


def _execute(name: str, statement: str) -> None:
    conn = psycopg2.connect(**_params(name))
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(statement)
    finally:
        conn.close()


def _tables(name: str) -> dict[str, tuple[int, str]]:
    """Every table of a database: (row count, md5 of its sorted rows as text), by the test's own query."""
    result = {}
    conn = psycopg2.connect(**_params(name))
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(
                "SELECT table_schema, table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
                " AND table_schema NOT IN ('pg_catalog', 'information_schema')"
            )
            for schema, table in cursor.fetchall():
                cursor.execute(
                    sql.SQL(
                        "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {}.{} t"
                    ).format(sql.Identifier(schema), sql.Identifier(table))
                )
                result[f"{schema}.{table}"] = cursor.fetchone()
    finally:
        conn.close()
    return result


def _sequences(name: str) -> dict[str, int]:
    """Each sequence's last value: a restored database must not hand out an id that is already taken."""
    conn = psycopg2.connect(**_params(name))
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute("SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences")
            return dict(cursor.fetchall())
    finally:
        conn.close()


def _files(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }


def _run(tool: str, *args: str, database: str, media_root: Path) -> subprocess.CompletedProcess:
    """``python -m ops.<tool>`` as `make backup` / `make restore` run it, on the given database and folder."""
    env = os.environ | {
        "DATABASE_URL": _url(database),
        "MEDIA_ROOT": str(media_root),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "0",
    }
    env.pop("DATABASE_REPLICA_URL", None)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", f"ops.{tool}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _fill() -> dict:
    """A branch with members, a submitted meeting with attendance and an attachment, filed documents."""
    ensure_meeting_defaults()
    ensure_archive_defaults()
    town = make_org(kind="committee", name="镇党委", sector="village")
    branch = make_org(town, name="东村党支部", sector="village")
    make_term(branch)
    secretary = UserFactory(username="bk_secretary")
    grant(secretary, branch, Role.SECRETARY)
    members = [make_member(branch, name=f"党员{n}") for n in range(5)]
    meeting = meeting_save(
        organisation=branch,
        kind=MeetingKind.objects.get(code="theme_day"),
        starts_at=dt.datetime(2026, 3, 1, 9, tzinfo=meeting_rules.LOCAL_TZ),
        attendance={members[0].pk: Mark(Presence.LEAVE, "出差"), members[1].pk: Mark(Presence.ABSENT)},
        submit=True,
        now=NOW,
        topic="学习党章",
    )
    attachment = attachment_add(meeting=meeting, file=SimpleUploadedFile("签到表.png", PNG), kind="sign_in")
    documents = [
        document_upload(
            user=secretary,
            organisation=branch,
            year=2026,
            category=DocumentCategory.objects.get(code="meeting-book"),
            title=title,
            file=SimpleUploadedFile("记录.pdf", demo_documents.pdf_bytes(title)),
            today=NOW.date(),
        )
        for title in ("General meeting", "Lost record")
    ]
    default_storage.save(CHINESE_PATH, io.BytesIO("张三\n".encode()))
    default_storage.delete(documents[1].file.name)  # lost behind the portal's back
    return {
        "attachment": (attachment.file.name, attachment.sha256),
        "document": (documents[0].file.name, documents[0].sha256),
        "lost": documents[1].file.name,
    }


@pytest.fixture(scope="module")
def backed_up(django_db_setup, django_db_blocker, tmp_path_factory) -> BackedUp:
    tmp = tmp_path_factory.mktemp("backup")
    media = tmp / "media"
    source = connection.settings_dict["NAME"]
    try:
        with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
            made = _fill()
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM django_migrations")
                migrations = cursor.fetchone()[0]
        done = _run("backup", "--dir", str(tmp / "backups"), database=source, media_root=media)
        assert done.returncode == 0, done.stdout + done.stderr
        (archive,) = (tmp / "backups").glob("zhibutong-*.tar")
        with tarfile.open(archive) as tar:
            manifest = json.loads(tar.extractfile("manifest.json").read())
        yield BackedUp(
            archive,
            _tables(source),
            _sequences(source),
            _files(media),
            manifest,
            done.stdout,
            migrations=migrations,
            **made,
        )
    finally:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def new_database():
    """Makes empty databases named zhibutong_bk_<random>; drops them all afterwards."""
    made = []

    def _make() -> str:
        name = f"zhibutong_bk_{uuid.uuid4().hex[:10]}"
        _admin_execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        made.append(name)
        return name

    yield _make
    for name in made:
        _admin_execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _flip_one_byte(archive: Path, name: str, tampered: Path) -> Path:
    """A copy of the archive where one byte of member ``name`` differs; the manifest is left as it was."""
    with tarfile.open(archive) as source, tarfile.open(tampered, "w", format=tarfile.PAX_FORMAT) as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()
            if member.name == name:
                middle = len(data) // 2
                data = data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :]
            out.addfile(member, io.BytesIO(data))
    return tampered


def test_restore_reproduces_every_row_and_file(backed_up, new_database, tmp_path):
    target, restored_media = new_database(), tmp_path / "restored"

    done = _run("restore", str(backed_up.archive), database=target, media_root=restored_media)

    assert done.returncode == 0, done.stdout + done.stderr
    assert "校验通过" in done.stdout
    assert backed_up.tables["public.members_member"][0] == 5
    assert backed_up.tables["public.meetings_attendance"][0] == 5
    assert _tables(target) == backed_up.tables
    assert _sequences(target) == backed_up.sequences
    assert backed_up.sequences["public.members_member_id_seq"] >= 5
    assert _files(restored_media) == backed_up.files
    assert set(backed_up.files) == {backed_up.attachment[0], backed_up.document[0], CHINESE_PATH}
    # The checksums the services took at upload time match the restored bytes.
    for name, sha256 in (backed_up.attachment, backed_up.document):
        assert backed_up.files[name] == sha256


def test_manifest_records_rows_files_migrations_source_and_lost_files(backed_up):
    manifest = backed_up.manifest

    assert manifest["source"]["database"] == connection.settings_dict["NAME"]
    assert manifest["tables"] == {table: rows for table, (rows, _digest) in backed_up.tables.items()}
    assert {name: entry["sha256"] for name, entry in manifest["files"].items()} == backed_up.files
    assert sum(len(names) for names in manifest["migrations"].values()) == backed_up.migrations
    assert "0001_initial" in manifest["migrations"]["meetings"]
    assert dt.datetime.fromisoformat(manifest["created_at"]).utcoffset() == dt.timedelta(hours=8)
    assert backed_up.archive.stat().st_mode & 0o077 == 0  # members' personal data: the owner's only
    # A document row whose file storage no longer has is named, not silently skipped.
    assert manifest["missing_files"] == [backed_up.lost]
    assert "数据库引用的 1 个文件在存储中不存在" in backed_up.stdout


def test_restore_refuses_a_database_with_tables_unless_forced(backed_up, new_database, tmp_path):
    target, restored_media = new_database(), tmp_path / "restored"
    _execute(target, "CREATE TABLE kept (note text); INSERT INTO kept VALUES ('原有数据')")

    refused = _run("restore", str(backed_up.archive), database=target, media_root=restored_media)

    assert refused.returncode == 2
    assert "不是空的" in refused.stderr and "FORCE=1" in refused.stderr
    assert list(_tables(target)) == ["public.kept"]
    assert _files(restored_media) == {}

    forced = _run("restore", str(backed_up.archive), "--force", database=target, media_root=restored_media)

    restored = _tables(target)
    assert restored.pop("public.kept")[0] == 1
    assert restored == backed_up.tables
    assert _files(restored_media) == backed_up.files
    assert forced.returncode == 1  # the table that was there before is reported, not hidden
    assert "表 public.kept 不在备份中（1 行）" in forced.stdout


def test_restore_refuses_different_files_already_in_media_root(backed_up, new_database, tmp_path):
    target, restored_media = new_database(), tmp_path / "restored"
    clash = restored_media / backed_up.document[0]
    clash.parent.mkdir(parents=True)
    clash.write_bytes(b"%PDF-1.4 another file")

    done = _run("restore", str(backed_up.archive), database=target, media_root=restored_media)

    assert done.returncode == 2
    assert "与备份内容不同的同名文件" in done.stderr
    assert _tables(target) == {}
    assert _files(restored_media) == {
        backed_up.document[0]: hashlib.sha256(b"%PDF-1.4 another file").hexdigest()
    }


def test_a_tampered_file_in_the_archive_fails_verification(backed_up, new_database, tmp_path):
    victim = backed_up.attachment[0]
    tampered = _flip_one_byte(backed_up.archive, f"media/{victim}", tmp_path / "tampered.tar")

    done = _run("restore", str(tampered), database=new_database(), media_root=tmp_path / "restored")

    assert done.returncode == 1
    assert f"文件 {victim} 的 SHA-256 与清单不一致" in done.stdout
    assert "校验失败，1 处不一致" in done.stdout


def test_a_tampered_dump_is_refused_before_anything_is_written(backed_up, new_database, tmp_path):
    tampered = _flip_one_byte(backed_up.archive, "database.dump", tmp_path / "tampered.tar")
    target, restored_media = new_database(), tmp_path / "restored"

    done = _run("restore", str(tampered), database=target, media_root=restored_media)

    assert done.returncode == 2
    assert "数据库转储的 SHA-256 与清单不一致" in done.stderr
    assert _tables(target) == {}
    assert _files(restored_media) == {}


def test_a_failing_pg_restore_leaves_the_database_as_it_was(backed_up, new_database, tmp_path):
    target, restored_media = new_database(), tmp_path / "restored"
    # Not a table, so the target counts as empty; the dump's own sequence of that name then clashes.
    _execute(target, "CREATE SEQUENCE members_member_id_seq")

    done = _run("restore", str(backed_up.archive), database=target, media_root=restored_media)

    assert done.returncode == 2
    assert "pg_restore 失败" in done.stderr and "members_member_id_seq" in done.stderr
    assert _tables(target) == {}  # one transaction: none of the tables created before the error stays
    assert _files(restored_media) == {}
