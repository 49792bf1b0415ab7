"""HTTP throughput under a bounded load: gunicorn (2 workers) on loopback, driven by ``wrk``.

gunicorn runs ``config.wsgi`` in a child process with production-like settings
(``production.environment``) on a free port. The bench logs in once with a real POST of the
login form, then ``wrk`` sends GETs of the dashboard and of the meeting form, and POSTs of the
meeting form carrying the session and CSRF cookies and the page's token, for a fixed time over a
fixed number of connections. A Lua ``done`` hook prints wrk's own summary as one JSON line:
requests, latency percentiles, and the errors wrk counts (non-2xx/3xx answers, and connect,
read, write and timeout errors on the sockets). Saved meetings are counted in the database, so a
form error answered with 200 cannot pass for a save.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.urls import reverse

from . import meeting_form, production
from .pages import bench_meetings
from .rows import Row
from .subjects import Subjects

# A Redis database of the bench's own: the web workers queue their follow-up tasks there as in
# production, nobody consumes them (the refresh is timed on its own), and the queues are emptied after.
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PASSWORD = "bench-pass-123"  # noqa: S105 - the password seed_scale gives its bench users
WORKERS = 2
READY_SECONDS = 60

LUA = """
{setup}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {{"requests": %d, "duration_us": %d, "bytes": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


class LoadError(RuntimeError):
    pass


@dataclass
class Load:
    duration: int = 20
    connections: int = 8
    threads: int = 2


def available() -> bool:
    return shutil.which("wrk") is not None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def broker() -> str:
    """BENCH_REDIS_URL when Redis answers there, else "" (tasks then run eagerly in the request)."""
    import redis

    try:
        redis.Redis.from_url(BENCH_REDIS_URL, socket_timeout=2).ping()
    except (redis.RedisError, ValueError):
        return ""
    return BENCH_REDIS_URL


def drain(url: str) -> int:
    """Empty the queues (Redis lists) of the bench's Redis database; the number of tasks dropped."""
    import redis

    client = redis.Redis.from_url(url)
    dropped = 0
    for key in client.scan_iter():
        if client.type(key) == b"list":
            dropped += client.llen(key)
            client.delete(key)
    return dropped


@contextlib.contextmanager
def gunicorn(log: Path, *, redis_url: str):
    """A gunicorn master with WORKERS sync workers on a free loopback port; stopped on leaving.

    With ``redis_url`` the follow-up tasks of a save are queued there, as with a broker and workers
    on other machines; without it they run eagerly in the request (a conservative figure).
    """
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "--workers", str(WORKERS)]
    command += ["--bind", f"127.0.0.1:{port}", "--timeout", "120"]
    env = production.environment(REDIS_URL=redis_url)
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our own server, our arguments
            command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(server, base, log)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_ready(server: subprocess.Popen, base: str, log: Path) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise LoadError(f"gunicorn 启动失败：{log.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}{reverse('login')}", timeout=5) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise LoadError(f"gunicorn 在 {READY_SECONDS} 秒内没有就绪")


class Session:
    """A browser's cookies: logged in once through the real login form."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> str:
        with self.opener.open(f"{self.base}{path}", timeout=60) as response:
            return response.read().decode()

    def login(self, username: str, password: str = PASSWORD) -> None:
        token = meeting_form.csrf_token(self.get(reverse("login")))
        body = urllib.parse.urlencode(
            {"username": username, "password": password, "csrfmiddlewaretoken": token}
        ).encode()
        with self.opener.open(f"{self.base}{reverse('login')}", data=body, timeout=60):
            pass
        if "sessionid" not in self.cookies():
            raise LoadError(f"用户 {username} 登录失败（密码应为 seed_scale 设置的 {PASSWORD}）")

    def cookies(self) -> dict[str, str]:
        return {c.name: c.value for c in self.jar}

    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.cookies().items())


def _lua_string(value: str) -> str:
    return f"[==[{value}]==]"


def run_wrk(url: str, *, load: Load, cookie: str, method: str = "GET", body: str = "") -> dict:
    setup = [f"wrk.method = {_lua_string(method)}", f'wrk.headers["Cookie"] = {_lua_string(cookie)}']
    if body:
        setup.append(f"wrk.body = {_lua_string(body)}")
        setup.append('wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"')
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA.format(setup="\n".join(setup)))
    command = ["wrk", f"-t{load.threads}", f"-c{load.connections}", f"-d{load.duration}s"]
    command += ["--timeout", "10s", "-s", script.name, url]
    try:
        done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    finally:
        Path(script.name).unlink()
    for line in done.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            return json.loads(line.removeprefix("WRK_JSON "))
    raise LoadError(f"wrk 没有输出结果：{done.stdout[-1000:]}{done.stderr[-1000:]}")


def _row(name: str, figures: dict, load: Load, note: str = "") -> Row:
    socket_errors = figures["connect"] + figures["read"] + figures["write"] + figures["timeout"]
    rate = figures["requests"] / (figures["duration_us"] / 1e6)
    text = (
        f"{rate:.1f} 请求/秒；非 2xx/3xx 响应 {figures['status']}；套接字错误 {socket_errors}"
        f"（超时 {figures['timeout']}）；{load.connections} 个连接 × {load.duration} s"
    )
    return Row(
        name=name,
        runs=figures["requests"],
        median_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        note=f"{text}；{note}" if note else text,
        figures={"rps": rate, "non_2xx_3xx": figures["status"], "socket_errors": socket_errors},
    )


def rows(subjects: Subjects, *, load: Load, log: Path) -> list[Row]:
    dashboard = reverse("assessment:dashboard", args=[subjects.root.pk])
    record = f"{reverse('meetings:record', args=[subjects.branch.pk])}?kind={meeting_form.KIND}"
    redis_url = broker()
    if redis_url:
        drain(redis_url)
    before = bench_meetings(subjects.branch).count()
    with gunicorn(log, redis_url=redis_url) as base:
        reviewer = Session(base)
        reviewer.login(subjects.root_user.username)
        reviewer.get(dashboard)  # each worker's first request imports and connects: not in the load
        board = run_wrk(f"{base}{dashboard}", load=load, cookie=reviewer.cookie_header())

        secretary = Session(base)
        secretary.login(subjects.secretary.username)
        page = secretary.get(record)
        form = run_wrk(f"{base}{record}", load=load, cookie=secretary.cookie_header())

        data = {
            **meeting_form.payload(page, day=subjects.today),
            "csrfmiddlewaretoken": meeting_form.csrf_token(page),
        }
        body = urllib.parse.urlencode(data)
        save = run_wrk(
            f"{base}{record}", load=load, cookie=secretary.cookie_header(), method="POST", body=body
        )
    # Counted once gunicorn has stopped: a request still in progress when wrk ended has finished by then.
    saved = bench_meetings(subjects.branch).count() - before
    return [
        _row("HTTP · 考核看板（省）GET", board, load),
        _row("HTTP · 记录会议表单 GET", form, load),
        _row("HTTP · 记录会议保存 POST（50 人出席）", save, load, _save_note(saved, redis_url)),
    ]


def _save_note(saved: int, redis_url: str) -> str:
    note = f"数据库中新增会议 {saved} 次（含 wrk 结束时仍在处理的请求）；"
    if redis_url:
        return note + f"合规刷新任务进入 Redis 队列（{drain(redis_url)} 个，无 worker 消费，测后清除）"
    return note + "没有 Redis：合规刷新在请求内同步执行"
