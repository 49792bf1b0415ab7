"""The machine a table was measured on: the figures mean little without it."""

from __future__ import annotations

import os
import platform
from pathlib import Path

import django
from django.db import connection


def _proc_field(path: str, name: str) -> str:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def cpu_model() -> str:
    return _proc_field("/proc/cpuinfo", "model name") or platform.processor() or platform.machine()


def ram_gb() -> float | None:
    total = _proc_field("/proc/meminfo", "MemTotal")  # "24684092 kB"
    return int(total.split()[0]) / 1024 / 1024 if total else None


def database_version() -> str:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0]}"
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    return connection.vendor


def describe() -> dict[str, str]:
    ram = ram_gb()
    return {
        "cpu": cpu_model(),
        "cores": str(os.cpu_count() or "?"),
        "ram": f"{ram:.1f} GB" if ram else "?",
        "database": database_version(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "os": platform.platform(terse=True),
    }
