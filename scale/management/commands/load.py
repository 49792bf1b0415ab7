"""The bounded load test of issue 9: 50 secretaries saving meetings and 10 reviewers on dashboards.

    python manage.py load                      # 60 s on the SCALE-1000 tree, seeded first when missing
    python manage.py load --seconds 20 --secretaries 10 --reviewers 2

``make load`` runs it against its own PostgreSQL database (LOAD_DATABASE_URL) with production-like
settings. gunicorn serves ``config.wsgi`` on loopback; the follow-up tasks of a save go to a Redis
database of the load's own (LOAD_REDIS_URL, default db 11), emptied afterwards. The table is
printed and written to docs/load.md; the command fails when a request failed or the meetings
answered as saved differ from the meetings in the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from scale.bench import database, http, machine, production, subjects
from scale.load import meetings, report, run, users

LOAD_REDIS_URL = os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/11")


class Command(BaseCommand):
    help = "有界负载测试：支部书记保存会议、审核人查看考核看板（issue 9）。"

    def add_arguments(self, parser):
        parser.add_argument("--branches", type=int, default=1000, help="造数树的支部数（SCALE-<N>）")
        parser.add_argument("--members-per-branch", type=int, default=20, help="造数时")
        parser.add_argument("--seconds", type=float, default=60)
        parser.add_argument("--secretaries", type=int, default=50)
        parser.add_argument("--reviewers", type=int, default=10)
        parser.add_argument("--out", default="docs/load.md")
        parser.add_argument("--keep", action="store_true", help="保留负载保存的会议（默认核对后删除）")

    def handle(self, *args, **options):
        self._prepare()
        root, seeded = self._root(options)
        try:
            cast = users.prepare(root, secretaries=options["secretaries"], reviewers=options["reviewers"])
        except users.NotEnoughData as error:
            raise CommandError(str(error)) from None
        year = timezone.localdate().year
        meetings.remove(cast, year)  # a run stopped half-way left its meetings: start from the seeded data
        redis_url = self._broker()
        since = timezone.now()
        with tempfile.TemporaryDirectory() as folder:
            log = Path(folder) / "gunicorn.log"
            try:
                with http.gunicorn(log, redis_url=redis_url) as base:
                    result = run.run(base, cast, seconds=options["seconds"], say=self._say)
            finally:
                dropped = self._flush(redis_url)
            server_log = log.read_text(errors="replace")
        check = meetings.check(result, cast, since)
        if not options["keep"]:
            removed = meetings.remove(cast, year)
            self._say(f"已删除负载测试保存的 {removed} 次会议并重新计算这些支部的合规记录")
        context = report.Context(
            when=timezone.localtime(),
            machine=machine.describe(),
            size=subjects.data_size(root, year),
            root_name=root.code,
            workers=http.WORKERS,
            broker=self._broker_text(redis_url, dropped),
            seeded=seeded,
        )
        self._write(result, check, context, options["out"])
        self._verdict(result, check, server_log)

    def _prepare(self) -> None:
        if database.ensure(settings.DATABASES["default"]):
            self._say(f"已创建数据库 {settings.DATABASES['default']['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        if production.uses_manifest():
            production.collect_static()

    def _root(self, options):
        branches = options["branches"]
        root = subjects.root_of(branches)
        if root is not None:
            return root, ""
        self._say(f"没有找到 {subjects.ROOT_CODE.format(n=branches)}：先运行 seed_scale 造数……")
        command = [sys.executable, "manage.py", "seed_scale", "--branches", str(branches)]
        command += ["--members-per-branch", str(options["members_per_branch"]), "--years", "1"]
        started = time.perf_counter()
        done = subprocess.run(command, cwd=settings.BASE_DIR, env=os.environ.copy(), check=False)  # noqa: S603
        if done.returncode:
            raise CommandError(f"seed_scale 失败（退出码 {done.returncode}）。")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        root = subjects.root_of(branches)
        if root is None:
            raise CommandError("seed_scale 运行后仍没有找到造数树。")
        return root, f"seed_scale {' '.join(command[3:])}，用时 {time.perf_counter() - started:.0f} 秒"

    def _broker(self) -> str:
        import redis

        try:
            redis.Redis.from_url(LOAD_REDIS_URL, socket_timeout=2).ping()
        except (redis.RedisError, ValueError):
            self.stderr.write(f"Redis（{LOAD_REDIS_URL}）不可用：合规刷新将在请求内同步执行。")
            return ""
        http.drain(LOAD_REDIS_URL)
        return LOAD_REDIS_URL

    @staticmethod
    def _flush(redis_url: str) -> int:
        """The tasks queued during the run (counted), then the whole database of the load emptied."""
        if not redis_url:
            return 0
        import redis

        dropped = http.drain(redis_url)
        redis.Redis.from_url(redis_url).flushdb()
        return dropped

    @staticmethod
    def _broker_text(redis_url: str, dropped: int) -> str:
        if not redis_url:
            return "在请求内同步执行（没有 Redis）"
        where = redis_url.rsplit("/", 1)[-1]
        return f"进入负载专用的 Redis 库 db {where}（共 {dropped} 个，无 worker 消费，测后清除）"

    def _write(self, result, check, context, out: str) -> None:
        path = Path(out)
        if not path.is_absolute():
            path = Path(settings.BASE_DIR) / path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(report.document(result, check, context))
        self.stdout.write(report.table(result))
        self._say(f"错误：{report.errors_text(result)}")
        self._say(f"会议核对：{report.check_text(check)}")
        self._say(f"已写入 {path}")

    def _verdict(self, result, check, server_log: str) -> None:
        if result.failures or result.errors or not check.equal:
            tail = server_log[-3000:].strip()
            if tail:
                self.stderr.write(f"gunicorn 日志（末尾）：\n{tail}")
            raise CommandError("负载测试未通过：有错误，或保存的会议与数据库不一致。")

    def _say(self, line: str) -> None:
        self.stdout.write(line)
        self.stdout.flush()
