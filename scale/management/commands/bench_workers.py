"""Two Celery workers share a subtree's PDF ledger: the time with one worker and with two.

    DEBUG=1 REDIS_URL=redis://127.0.0.1:6379/0 python manage.py bench_workers --branches 8 --rounds 3

A committee of K branches of about 30 party members each, with a year of meetings, is
generated once (``tests/assessment/dashboard_fixture.generate`` and the meetings of
``ledger_bench``) and reused on later runs. Each round starts real ``celery worker``
processes — solo pool, concurrency 1, prefetch 1, only the ``reports`` queue, as a report
machine runs them — one, then two; they first render a one-branch PDF each (fonts loaded,
templates compiled), then the committee's PDF ledger is requested through
``ledger_request`` and timed until the ledger is done, with the CPU time the workers used.
Which worker built which branch's part comes from Celery's own monitoring events (the
workers run with ``-E``): the event's ``hostname`` is the worker that ran the task. The
last line is ``BENCH_WORKERS {json}``; the medians are over the rounds.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from archives.models import LedgerFile, LedgerStatus
from archives.services.ledgers import ledger_request
from branches.models import Organisation
from config.celery import app

ROOT_NAME = "多机台账测试（{n}个党支部）"
BENCH_USER = "bench_workers"
PART_TASK = "archives.tasks.build_ledger_part"
WORKER_START_SECONDS = 90
LEDGER_SECONDS = 900


class TaskEvents:
    """Celery's monitoring events, captured in a thread: the workers online, each task's worker and time.

    Started before the workers, so their ``worker-online`` (or the next heartbeat, every 2 s)
    shows both that they are ready and that the subscription is live.
    """

    def __init__(self, celery_app=app):
        self.app = celery_app
        self.lock = threading.Lock()
        self.online: set[str] = set()
        self.tasks: dict[str, dict] = {}

    def __enter__(self) -> TaskEvents:
        self.connection = self.app.connection_for_read()
        self.receiver = self.app.events.Receiver(self.connection, handlers={"*": self._on_event})
        self.thread = threading.Thread(
            target=self.receiver.capture, kwargs={"wakeup": False}, name="task-events", daemon=True
        )
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.receiver.should_stop = True
        self.thread.join(5)
        self.connection.release()

    def _on_event(self, event: dict) -> None:
        kind, host = event.get("type", ""), event.get("hostname")
        with self.lock:
            if kind in ("worker-online", "worker-heartbeat"):
                self.online.add(host)
            elif kind == "worker-offline":
                self.online.discard(host)
            elif kind == "task-received":
                self.tasks[event["uuid"]] = {"name": event.get("name"), "args": _args(event.get("args"))}
            elif kind == "task-succeeded":
                task = self.tasks.setdefault(event["uuid"], {})
                task.update(hostname=host, runtime=event.get("runtime"))

    def wait_online(self, hostnames: set[str], processes: list[subprocess.Popen], seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self.lock:
                if hostnames <= self.online:
                    return
            if any(p.poll() is not None for p in processes):
                raise CommandError("celery worker 进程启动失败。")
            time.sleep(0.2)
        raise CommandError(f"{seconds} 秒内未收到 worker 上线事件：{sorted(hostnames - self.online)}")

    def parts(self, ledger_id: int) -> dict[int, dict]:
        """The finished parts of a ledger: branch id → {hostname, runtime}."""
        with self.lock:
            return {
                task["args"][1]: {"hostname": task["hostname"], "runtime": task.get("runtime")}
                for task in self.tasks.values()
                if task.get("name") == PART_TASK
                and task.get("hostname")
                and task["args"]
                and task["args"][0] == ledger_id
            }

    def wait_parts(self, ledger_id: int, count: int, seconds: float = 10) -> dict[int, dict]:
        """The parts' events travel apart from the ledger's row: wait until every part's has arrived."""
        deadline = time.monotonic() + seconds
        while len(parts := self.parts(ledger_id)) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return parts


def _args(text) -> tuple:
    """The task's arguments as the worker reports them (their repr): ``(12, 345)``."""
    try:
        return tuple(ast.literal_eval(text)) if isinstance(text, str) else tuple(text or ())
    except (ValueError, SyntaxError):
        return ()


class Workers:
    """``count`` real ``celery worker`` processes on the ``reports`` queue, stopped (warm) on exit."""

    def __init__(self, count: int, events: TaskEvents, *, env: dict[str, str] | None = None, tag: str = "w"):
        host = socket.gethostname()
        self.hostnames = [f"{tag}{n}-{os.getpid()}@{host}" for n in range(1, count + 1)]
        self.events = events
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **(env or {})}
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> Workers:
        self.folder = tempfile.TemporaryDirectory(prefix="bench-workers-")
        for hostname in self.hostnames:
            log = Path(self.folder.name) / f"{hostname.split('@')[0]}.log"
            command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", "reports"]
            command += ["--pool", "solo", "--concurrency", "1", "--prefetch-multiplier", "1", "-E"]
            command += ["--without-gossip", "--without-mingle", "-n", hostname, "-l", "info"]
            command += ["--logfile", str(log)]
            self.processes.append(
                subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
                    command,
                    cwd=settings.BASE_DIR,
                    env=self.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.STDOUT,
                )
            )
        try:
            self.events.wait_online(set(self.hostnames), self.processes, WORKER_START_SECONDS)
        except CommandError as error:
            tail = self.log_tail()
            self._stop()
            raise CommandError(f"{error}\n{tail}") from error
        except BaseException:
            self._stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._stop()

    def _stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)  # warm shutdown: the running task finishes
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.folder.cleanup()

    def cpu_seconds(self) -> float:
        """User and system CPU time of the worker processes so far (solo pool: no children)."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0
        for process in self.processes:
            fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
        return total / ticks

    def log_tail(self, lines: int = 30) -> str:
        tails = []
        for log in sorted(Path(self.folder.name).glob("*.log")):
            tails.append(
                f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
            )
        return "\n".join(tails)


def wait_done(ledger: LedgerFile, seconds: float = LEDGER_SECONDS) -> LedgerFile:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = LedgerFile.objects.filter(pk=ledger.pk).values_list("status", flat=True).get()
        if status in (LedgerStatus.DONE, LedgerStatus.FAILED):
            ledger.refresh_from_db()
            return ledger
        time.sleep(0.1)
    ledger.refresh_from_db()
    raise CommandError(
        f"台账 {ledger.pk} 在 {seconds} 秒后仍为 {ledger.status}（{ledger.percent}%，{ledger.step}）"
    )


def build_timed(user, organisation: Organisation, year: int) -> tuple[LedgerFile, float]:
    """Request the organisation's PDF ledger and time it until it is done."""
    started = time.perf_counter()
    (ledger,) = ledger_request(user=user, organisation=organisation, year=year, formats=["pdf"])
    ledger = wait_done(ledger)
    seconds = time.perf_counter() - started
    if ledger.status != LedgerStatus.DONE:
        raise CommandError(f"台账生成失败：{ledger.error}")
    return ledger, seconds


def warm_up(user, branches: list[Organisation], year: int) -> None:
    """One branch PDF per worker, requested together: with prefetch 1, each worker takes one."""
    ledgers = [
        ledger_request(user=user, organisation=branch, year=year, formats=["pdf"])[0] for branch in branches
    ]
    for ledger in ledgers:
        wait_done(ledger)


def bench_user():
    user, _ = get_user_model().objects.get_or_create(
        username=BENCH_USER, defaults={"is_superuser": True, "is_staff": True}
    )
    return user


class Command(BaseCommand):
    help = "Time a committee's PDF ledger with one real Celery worker and with two, and who built each part."

    def add_arguments(self, parser):
        parser.add_argument("--branches", type=int, default=8)
        parser.add_argument("--members", type=int, default=30, help="party members per branch, about")
        parser.add_argument("--year", type=int)
        parser.add_argument("--rounds", type=int, default=3, help="timed ledgers per worker count")
        parser.add_argument("--root", type=int, help="an existing organisation instead of the generated one")

    def handle(self, *args, branches, members, year, rounds, root, **options):
        if app.conf.task_always_eager or not settings.REDIS_URL:
            raise CommandError("需要 REDIS_URL：多个 worker 通过 Redis 队列分担任务。")
        year = year or timezone.localdate().year
        organisation = self._organisation(root, branches, members, year)
        covered = _covered(organisation, year)
        user = bench_user()
        self.stdout.write(f"{organisation.name} (pk {organisation.pk}): {len(covered)} branches, year {year}")
        runs: dict[int, list[dict]] = {1: [], 2: []}
        load_before = os.getloadavg()
        with TaskEvents() as events:
            # Rounds alternate one worker and two, so a burst of load elsewhere hits both alike.
            for _ in range(rounds):
                for count in (1, 2):
                    runs[count].append(self._run(events, count, user, organisation, year, covered))
        self._report(organisation, covered, runs, load_before)

    def _organisation(self, root: int | None, branches: int, members: int, year: int) -> Organisation:
        if root is not None:
            found = Organisation.objects.filter(pk=root).first()
            if found is None:
                raise CommandError(f"没有编号为 {root} 的组织。")
            return found
        name = ROOT_NAME.format(n=branches)
        existing = Organisation.objects.filter(name=name, parent__isnull=True).first()
        if existing is not None:
            self.stdout.write(f"reusing {name} (pk {existing.pk})")
            return existing
        from archives.management.commands.ledger_bench import _meetings
        from tests.assessment.dashboard_fixture import generate

        started = time.perf_counter()
        # The generator's rosters hold every stage and some who left: 1.3 × party members.
        size = round(members * 1.3)
        made = generate(
            seed=7000 + branches,
            branches=branches,
            years=(year,),
            today=timezone.localdate(),
            name=name,
            members=(size - 4, size + 4),
        )
        _meetings(made.branch_ids, year)
        self.stdout.write(f"generated {name} (pk {made.root.pk}) in {time.perf_counter() - started:.0f} s")
        return made.root

    def _run(self, events, count, user, organisation, year, covered) -> dict:
        """Start ``count`` workers, warm them up, time one ledger of the organisation; who built what."""
        with Workers(count, events, tag="bench") as workers:
            warm_up(user, covered[:count], year)
            cpu_before = workers.cpu_seconds()
            try:
                ledger, seconds = build_timed(user, organisation, year)
            except CommandError:
                self.stderr.write(workers.log_tail())
                raise
            cpu = workers.cpu_seconds() - cpu_before
            parts = events.wait_parts(ledger.pk, ledger.parts_total)
        per_worker = _per_worker(parts, workers)
        self.stdout.write(f"{count} worker(s): {seconds:.1f} s, workers' CPU {cpu:.1f} s, parts {per_worker}")
        return {
            "seconds": round(seconds, 2),
            "worker_cpu_s": round(cpu, 2),
            "parts": {str(branch): part["hostname"] for branch, part in sorted(parts.items())},
            "per_worker": per_worker,
        }

    def _report(self, organisation, covered, runs, load_before) -> None:
        one, two = (statistics.median(r["seconds"] for r in runs[n]) for n in (1, 2))
        self.stdout.write("")
        self.stdout.write(
            f"subtree PDF of {len(covered)} branches, median of {len(runs[1])}: "
            f"1 worker {one:.1f} s, 2 workers {two:.1f} s, speed-up {one / two:.2f}×"
        )
        self.stdout.write(
            f"parts per worker with two (each round): {[_parts_count(r) for r in runs[2]]}; "
            f"load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}"
        )
        figures = {
            "organisation": organisation.pk,
            "branches": len(covered),
            "date": dt.date.today().isoformat(),
            "cpus": os.cpu_count(),
            "loadavg_before": round(load_before[0], 2),
            "loadavg_after": round(os.getloadavg()[0], 2),
            "one_worker_median_s": round(one, 2),
            "two_workers_median_s": round(two, 2),
            "speedup": round(one / two, 2),
            "runs": {str(n): rounds for n, rounds in runs.items()},
        }
        self.stdout.write("BENCH_WORKERS " + json.dumps(figures, ensure_ascii=False))


def _parts_count(run: dict) -> list[int]:
    return sorted((entry["parts"] for entry in run["per_worker"].values()), reverse=True)


def _covered(organisation: Organisation, year: int) -> list[Organisation]:
    from archives import ledger_data

    return list(ledger_data.covered_branches(organisation, year).order_by("path"))


def _per_worker(parts: dict[int, dict], workers: Workers) -> dict[str, dict]:
    """Parts and seconds of PDF work per worker, every worker listed (a worker that got none shows 0)."""
    summary = {hostname: {"parts": 0, "busy_s": 0.0} for hostname in workers.hostnames}
    for part in parts.values():
        entry = summary.setdefault(part["hostname"], {"parts": 0, "busy_s": 0.0})
        entry["parts"] += 1
        entry["busy_s"] = round(entry["busy_s"] + (part["runtime"] or 0), 2)
    return summary
