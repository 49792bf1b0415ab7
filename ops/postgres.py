"""The PostgreSQL side of backup and restore: connections, pg_dump / pg_restore, the tables and their rows.

Connections are built from Django's own settings (``settings.DATABASES["default"]``, i.e. DATABASE_URL),
so a backup reads exactly the database the portal writes to. The password goes to the tools through
``PGPASSWORD``, never on a command line that ``ps`` would show.
"""

from __future__ import annotations

import os
import shutil
import subprocess  # noqa: S404 - runs PostgreSQL's own client tools with arguments we build
from dataclasses import dataclass

import psycopg2
from psycopg2 import sql
from psycopg2.extensions import make_dsn

from .errors import OpsError

POSTGRESQL_ENGINE = "django.db.backends.postgresql"
# Connection options libpq understands; Django-only ones (isolation_level, pool…) must not reach it.
LIBPQ_OPTIONS = {
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "sslcrl",
    "sslpassword",
    "options",
    "connect_timeout",
    "application_name",
    "target_session_attrs",
    "gssencmode",
    "channel_binding",
    "service",
    "passfile",
}
SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")
TABLES_SQL = """
    SELECT n.nspname, c.relname
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN %s AND n.nspname NOT LIKE 'pg\\_%%'
    ORDER BY 1, 2
"""


@dataclass(frozen=True)
class Postgres:
    """One database to dump from or restore into."""

    name: str
    host: str
    dsn: str
    password: str

    @classmethod
    def from_settings(cls, database: dict) -> Postgres:
        if database.get("ENGINE") != POSTGRESQL_ENGINE:
            raise OpsError(
                "备份和恢复只支持 PostgreSQL，当前数据库是 "
                f"{database.get('ENGINE', '未知')}（{database.get('NAME', '')}）。"
                "请把 DATABASE_URL 设为 postgres://用户@主机:5432/数据库名 后重试；"
                "开发用的 SQLite 库（db.sqlite3）停止服务后直接复制该文件和 media/ 文件夹即可。"
            )
        params = {
            "dbname": database["NAME"],
            "user": database.get("USER") or None,
            "host": database.get("HOST") or None,
            "port": str(database["PORT"]) if database.get("PORT") else None,
        }
        options = database.get("OPTIONS") or {}
        params.update({key: value for key, value in options.items() if key in LIBPQ_OPTIONS})
        return cls(
            name=database["NAME"],
            host=database.get("HOST") or "本机套接字",
            dsn=make_dsn(**params),
            password=database.get("PASSWORD") or "",
        )

    @property
    def label(self) -> str:
        return f"{self.name}（{self.host}）"

    def connect(self):
        try:
            return psycopg2.connect(self.dsn, password=self.password or None)
        except psycopg2.OperationalError as error:
            raise OpsError(
                f"无法连接数据库 {self.label}：{str(error).strip()}。请检查 DATABASE_URL；"
                "恢复的目标库须先建好（createdb 库名）。"
            ) from None

    def run(self, tool: str, *args: str) -> None:
        """Run pg_dump / pg_restore on this database; its own error text in the message if it fails."""
        command = [require_tool(tool), *args, f"--dbname={self.dsn}"]
        env = os.environ | ({"PGPASSWORD": self.password} if self.password else {})
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
        if done.returncode != 0:
            raise OpsError(f"{tool} 失败（退出码 {done.returncode}）：{done.stderr.strip()}")


def require_tool(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise OpsError(
            f"找不到 {tool}：请安装 PostgreSQL 客户端（Debian：apt-get install postgresql-client；"
            "make backup / make restore 以 root 运行时会自动安装）。"
        )
    return path


def tool_version(tool: str) -> str:
    done = subprocess.run([require_tool(tool), "--version"], capture_output=True, text=True, check=True)  # noqa: S603
    return done.stdout.strip()


def tables(cursor) -> list[tuple[str, str]]:
    """(schema, table) of every ordinary and partitioned table outside PostgreSQL's own schemas."""
    cursor.execute(TABLES_SQL, (SYSTEM_SCHEMAS,))
    return [(schema, table) for schema, table in cursor.fetchall()]


def qualified(schema: str, table: str) -> str:
    return f"{schema}.{table}"


def row_counts(cursor) -> dict[str, int]:
    """Exact row counts (``count(*)``, not the planner's estimates) of every table, by schema.table."""
    counts = {}
    for schema, table in tables(cursor):
        cursor.execute(
            sql.SQL("SELECT count(*) FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        )
        counts[qualified(schema, table)] = cursor.fetchone()[0]
    return counts


def applied_migrations(cursor) -> dict[str, list[str]]:
    """Django's migration state as the database records it: app → applied migration names, in order."""
    cursor.execute("SELECT to_regclass('django_migrations') IS NOT NULL")
    if not cursor.fetchone()[0]:
        return {}
    cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, id")
    applied: dict[str, list[str]] = {}
    for app, name in cursor.fetchall():
        applied.setdefault(app, []).append(name)
    return applied


def server_version(cursor) -> str:
    cursor.execute("SHOW server_version")
    return cursor.fetchone()[0]
