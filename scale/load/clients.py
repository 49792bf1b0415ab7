"""A simulated user over plain HTTP: its own cookies, a real login, then one kind of work in a loop.

``http.client`` is used rather than ``urllib``: a redirect must be seen, not followed, since the
302 of the meeting POST to the new meeting's page is what proves a save. Each request is timed
from the connection to the last byte of the answer (queueing in gunicorn's backlog included) and
recorded as a ``Sample``; an exception or a timeout is a sample too, never lost.
"""

from __future__ import annotations

import http.client
import time
import urllib.parse
from dataclasses import dataclass
from http.cookies import SimpleCookie

from django.urls import Resolver404, resolve, reverse

from scale.bench import meeting_form

from .users import PASSWORD

TIMEOUT = 60  # seconds: a request slower than this counts as a timeout error
TOPIC = "负载测试：学习贯彻党的创新理论"
DASHBOARD = "考核看板 GET"
FORM = "记录会议表单 GET"
SAVE = "记录会议保存 POST"
LOGIN = "登录 POST"
KINDS = (FORM, SAVE, DASHBOARD)


@dataclass
class Sample:
    kind: str
    started: float  # time.monotonic() at the start
    ms: float
    status: int = 0  # 0: no answer (exception or timeout)
    error: str = ""
    meeting_id: int | None = None  # the meeting a save redirected to

    @property
    def ok(self) -> bool:
        return not self.error


class LoginFailed(RuntimeError):
    pass


class Browser:
    """Cookies of one user and a fresh connection per request (gunicorn's sync workers close it anyway)."""

    def __init__(self, base: str, *, timeout: float = TIMEOUT):
        parsed = urllib.parse.urlsplit(base)
        self.host, self.port = parsed.hostname, parsed.port
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict, str]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            text = response.read().decode(errors="replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, dict(response.headers.items()), text

    def timed(self, kind: str, method: str, path: str, body: dict | None = None) -> tuple[Sample, str, dict]:
        started = time.monotonic()
        try:
            status, headers, text = self.request(method, path, body)
        except TimeoutError:
            return Sample(kind, started, _ms(started), error="超时"), "", {}
        except (OSError, http.client.HTTPException) as error:
            return Sample(kind, started, _ms(started), error=f"异常 {type(error).__name__}"), "", {}
        sample = Sample(kind, started, _ms(started), status=status)
        if not 200 <= status < 400:
            sample.error = f"HTTP {status}"
        return sample, text, headers

    def login(self, username: str, password: str = PASSWORD) -> None:
        page = reverse("login")
        status, _headers, text = self.request("GET", page)
        token = meeting_form.csrf_token(text)
        form = {"username": username, "password": password, "csrfmiddlewaretoken": token}
        status, _headers, _text = self.request("POST", page, form)
        if status != 302 or "sessionid" not in self.cookies:
            raise LoginFailed(f"用户 {username} 登录失败（HTTP {status}）")


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000


class Secretary:
    """Opens the 支部党员大会 form of its branch and saves a meeting, again and again."""

    def __init__(self, browser: Browser, branch_id: int, day):
        self.browser = browser
        self.path = f"{reverse('meetings:record', args=[branch_id])}?kind={meeting_form.KIND}"
        self.day = day

    def step(self) -> list[Sample]:
        form, page, _ = self.browser.timed(FORM, "GET", self.path)
        if not form.ok or form.status != 200:
            form.error = form.error or f"意外的 HTTP {form.status}"
            return [form]
        data = meeting_form.payload(page, day=self.day)
        data["topic"] = TOPIC
        data["csrfmiddlewaretoken"] = meeting_form.csrf_token(page)
        save, _text, headers = self.browser.timed(SAVE, "POST", self.path, data)
        if save.ok:
            save.meeting_id, save.error = _saved(save.status, headers)
        return [form, save]


def _saved(status: int, headers: dict) -> tuple[int | None, str]:
    """The new meeting's id from the redirect; a 200 is the form again (not saved), another 302 is wrong."""
    if status != 302:
        return None, f"未保存（HTTP {status}）"
    location = headers.get("Location", "")
    try:
        match = resolve(urllib.parse.urlsplit(location).path)
    except Resolver404:
        match = None
    if match is None or match.view_name != "meetings:detail":
        return None, f"跳转到 {location}"
    return int(match.kwargs["pk"]), ""


class Reviewer:
    def __init__(self, browser: Browser, node_id: int):
        self.browser = browser
        self.path = reverse("assessment:dashboard", args=[node_id])

    def step(self) -> list[Sample]:
        sample, _page, _ = self.browser.timed(DASHBOARD, "GET", self.path)
        if sample.ok and sample.status != 200:
            sample.error = f"意外的 HTTP {sample.status}"
        return [sample]
