"""What ``python -m ops.backup`` and ``python -m ops.restore`` share: Django's settings and the exit codes.

Exit codes: 0 done (a restore also verified); 1 restored, but the verification found a difference;
2 stopped with the database unchanged: refused (not PostgreSQL, a target with tables, differing files,
a damaged archive) or pg_dump / pg_restore failed (pg_restore runs in one transaction).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

from .errors import OpsError

REFUSED = 2


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def default_database() -> dict:
    from django.conf import settings

    return settings.DATABASES["default"]


def media_root() -> Path:
    """The folder of the default storage (settings.STORAGES["default"], MEDIA_ROOT)."""
    from django.core.files.storage import FileSystemStorage, storages

    storage = storages["default"]
    if not isinstance(storage, FileSystemStorage):
        raise OpsError(
            f"默认文件存储是 {type(storage).__name__}，不是本地文件夹：数据库照常可以用 pg_dump 备份，"
            "文件请用该存储（对象存储）自身的备份或版本功能保存。"
        )
    return Path(storage.location)


def human_size(n: int) -> str:
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if n >= factor:
            return f"{n / factor:.1f} {unit}"
    return f"{n} 字节"


def run(main: Callable[[], int]) -> None:
    """Run a tool's ``main`` and exit with its code; a refusal prints its Chinese message."""
    try:
        code = main()
    except OpsError as error:
        print(f"已停止：{error}", file=sys.stderr)
        code = REFUSED
    sys.exit(code)
