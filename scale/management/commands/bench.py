"""The benchmark suite of issue 8: one table, printed and written to docs/benchmarks.md.

    python manage.py bench                        # 10,000 branches: seeds them first when missing
    python manage.py bench --skip-seed --only dashboard,pages --runs 30
    python manage.py bench --with-100k            # also the root dashboard over 100,000 branches

``make bench`` runs it against PostgreSQL (BENCH_DATABASE_URL) with production-like settings.
The database is created and migrated when needed; the tree ``SCALE-<N>`` is seeded by
``seed_scale`` when it is missing. The 100,000-branch dashboard is measured by this command
again in a child process whose DATABASE_URL names the other database (seeded with
``seed_scale --direct``); it hands its rows back as JSON. Targets are marked ✓/✗; a miss
never fails the command.
"""

from __future__ import annotations

import json
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

from scale.bench import database, http, ledger, machine, pages, production, report, subjects
from scale.bench.rows import Row

GROUPS = ("dashboard", "pages", "save", "ledger", "http")
BIG = 100_000
BIG_DATABASE = "zhibutong_bench100k"


class Command(BaseCommand):
    help = "Benchmark the dashboard, branch pages, meeting save, ledger and HTTP throughput (issue 8)."

    def add_arguments(self, parser):
        parser.add_argument("--branches", type=int, default=10_000)
        parser.add_argument("--members-per-branch", type=int, default=20, help="when seeding")
        parser.add_argument("--years", type=int, default=1, help="when seeding")
        parser.add_argument("--direct", action="store_true", help="seed with seed_scale --direct")
        parser.add_argument("--skip-seed", action="store_true", help="stop if the tree is missing")
        parser.add_argument("--only", default=",".join(GROUPS), help=f"comma-separated: {','.join(GROUPS)}")
        parser.add_argument("--runs", type=int, default=20)
        parser.add_argument("--out", default="docs/benchmarks.md")
        parser.add_argument("--with-100k", action="store_true", help=f"the dashboard at {BIG:,} branches too")
        parser.add_argument(
            "--database-100k",
            default=os.environ.get("BENCH_100K_DATABASE_URL", ""),
            help=f"database of the {BIG:,}-branch tree (default: {BIG_DATABASE} on the same server)",
        )
        parser.add_argument("--http-seconds", type=int, default=20)
        parser.add_argument("--http-connections", type=int, default=8)
        parser.add_argument("--json", help="write the rows as JSON here instead of the table (child runs)")

    def handle(self, *args, **options):
        only = self._groups(options["only"])
        if options["runs"] < 1:
            raise CommandError("--runs 至少为 1。")
        started = time.perf_counter()
        self._prepare()
        found, seeded = self._subjects(options)
        rows = self._measure(found, only, options)
        size = subjects.data_size(found.root, found.year)
        if options["json"]:
            payload = {"rows": [r.as_json() for r in rows], "size": size, "seeded": seeded}
            Path(options["json"]).write_text(json.dumps(payload, ensure_ascii=False))
            return
        extra = []
        if options["with_100k"]:
            try:
                big_rows, line = self._big(options)
            except CommandError as error:  # the 10,000-branch table is still worth writing
                big_rows, line = [], f"{BIG:,} 个支部：{error}"
                self.stderr.write(line)
            rows += big_rows
            extra.append(line)
        context = report.Context(
            when=timezone.localtime(),
            machine=machine.describe(),
            root_name=found.root.name,
            size=size,
            runs=options["runs"],
            debug=settings.DEBUG,
            seeded=seeded,
            extra=extra,
        )
        out = Path(options["out"])
        if not out.is_absolute():
            out = Path(settings.BASE_DIR) / out
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(report.document(rows, context))
        self.stdout.write(report.table(rows))
        self.stdout.write(f"\n已写入 {out}（用时 {time.perf_counter() - started:.0f} 秒）")

    # --- preparation ----------------------------------------------------------------------------

    def _groups(self, text: str) -> set[str]:
        chosen = {g.strip() for g in text.split(",") if g.strip()}
        unknown = chosen - set(GROUPS)
        if unknown or not chosen:
            raise CommandError(f"--only 只能是 {','.join(GROUPS)} 中的若干项（收到 {text}）。")
        return chosen

    def _prepare(self) -> None:
        """The database exists and is migrated; the static manifest exists when DEBUG is off."""
        if database.ensure(settings.DATABASES["default"]):
            self.stdout.write(f"已创建数据库 {settings.DATABASES['default']['NAME']}")
        call_command("migrate", interactive=False, verbosity=0)
        if production.uses_manifest():
            production.collect_static()

    def _subjects(self, options) -> tuple[subjects.Subjects, str]:
        branches = options["branches"]
        found = subjects.seeded(branches)
        if found is not None:
            return found, ""
        code = subjects.ROOT_CODE.format(n=branches)
        if subjects.root_of(branches) is not None:
            raise CommandError(
                f"已有 {code} 造数树，但缺少测试用户（scale_root、scale_county、scale_secretary）或其授权。"
            )
        if options["skip_seed"]:
            raise CommandError(f"数据库中没有 {code} 造数树（或缺少测试用户），请去掉 --skip-seed 以先造数。")
        self.stdout.write(f"没有找到 {code}：先运行 seed_scale 造数……")
        command = [sys.executable, "manage.py", "seed_scale", "--branches", str(branches)]
        command += ["--members-per-branch", str(options["members_per_branch"])]
        command += ["--years", str(options["years"])]
        if options["direct"]:
            command.append("--direct")
        started = time.perf_counter()
        done = subprocess.run(command, cwd=settings.BASE_DIR, env=os.environ.copy(), check=False)  # noqa: S603
        seconds = time.perf_counter() - started
        if done.returncode:
            raise CommandError(f"seed_scale 失败（退出码 {done.returncode}）。")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        found = subjects.seeded(branches)
        if found is None:
            raise CommandError(f"seed_scale 运行后仍没有找到 {code} 及其测试用户。")
        seeded = f"seed_scale {' '.join(command[3:])} 用时 {seconds / 60:.1f} 分钟（{seconds:.0f} 秒）"
        self.stdout.write(seeded)
        return found, seeded

    # --- measuring --------------------------------------------------------------------------------

    def _measure(self, found: subjects.Subjects, only: set[str], options) -> list[Row]:
        runs = options["runs"]
        rows: list[Row] = []
        if "dashboard" in only:
            self._step("考核看板")
            rows += pages.dashboards(found, runs=runs)
        if "pages" in only:
            self._step("支部页面")
            rows += pages.branch_pages(found, runs=runs)
        try:
            if "save" in only:
                self._step("保存会议")
                rows += pages.meeting_save(found, runs=runs)
            if "ledger" in only:
                self._step("年度台账")
                rows += ledger.rows(found.root, found.year)
            if "http" in only:
                rows += self._http(found, options)
        finally:
            if {"save", "http"} & only:
                removed = pages.remove_bench_meetings(found)
                self.stdout.write(f"已删除基准测试保存的 {removed} 次会议并重新计算该支部合规记录")
        return rows

    def _http(self, found: subjects.Subjects, options) -> list[Row]:
        if not http.available():
            self.stderr.write("没有安装 wrk（./.ci/apt-ensure wrk），跳过 HTTP 吞吐测量。")
            return []
        self._step("HTTP 吞吐（gunicorn + wrk）")
        load = http.Load(duration=options["http_seconds"], connections=options["http_connections"])
        with tempfile.TemporaryDirectory() as folder:
            return http.rows(found, load=load, log=Path(folder) / "gunicorn.log")

    def _big(self, options) -> tuple[list[Row], str]:
        """The dashboard over 100,000 branches: this command again, on the other database."""
        url = options["database_100k"]
        if not url:
            current = os.environ.get("DATABASE_URL", "")
            if not current.startswith("postgres"):
                raise CommandError("--with-100k 需要 PostgreSQL：请设置 DATABASE_URL 或 --database-100k。")
            url = database.with_name(current, BIG_DATABASE)
        self._step(f"{BIG:,} 个支部的考核看板（{url.rpartition('/')[2]}）")
        with tempfile.TemporaryDirectory() as folder:
            out = Path(folder) / "rows.json"
            command = [sys.executable, "manage.py", "bench", "--branches", str(BIG), "--direct"]
            command += ["--only", "dashboard", "--runs", str(options["runs"]), "--json", str(out)]
            command += ["--members-per-branch", str(options["members_per_branch"])]
            env = {**os.environ, "DATABASE_URL": url}
            done = subprocess.run(command, cwd=settings.BASE_DIR, env=env, check=False)  # noqa: S603
            if done.returncode:
                raise CommandError(f"{BIG:,} 个支部的测量失败（退出码 {done.returncode}）。")
            payload = json.loads(out.read_text())
        size = payload["size"]
        name = url.rpartition("/")[2]
        line = f"{BIG:,} 个支部的数据（{name}，seed_scale --direct）：" + "，".join(
            f"{report.DATA_LABELS[key]} {size[key]:,}"
            for key in ("organisations", "branches", "party_members", "compliance", "ratings")
        )
        if payload["seeded"]:
            line += f"；{payload['seeded']}"
        return [Row.from_json(r) for r in payload["rows"]], line

    def _step(self, what: str) -> None:
        self.stdout.write(f"— {what} …")
        self.stdout.flush()
