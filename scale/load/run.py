"""The load itself: one thread per simulated user, all logged in first, then a fixed time of work.

Logins (PBKDF2, slow on purpose) happen before the clock starts and are not in the figures; the
users then start together and loop without pause (a closed loop: each user waits for its answer
before the next request, so the server always has as many requests in hand as there are users).
A request started before the end is finished and kept, so every save answered is counted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from .clients import Browser, Reviewer, Sample, Secretary
from .users import Cast


@dataclass
class Result:
    samples: list[Sample] = field(default_factory=list)
    seconds: float = 0.0
    secretaries: int = 0
    reviewers: int = 0
    failures: list[str] = field(default_factory=list)  # a user that could not start (login)

    @property
    def saved_ids(self) -> set[int]:
        return {s.meeting_id for s in self.samples if s.meeting_id is not None}

    @property
    def errors(self) -> list[Sample]:
        return [s for s in self.samples if not s.ok]


def run(base: str, cast: Cast, *, seconds: float, say: Callable[[str], None] = lambda _line: None) -> Result:
    day = timezone.localdate()
    users = [Secretary(Browser(base), a.organisation_id, day) for a in cast.secretaries]
    users += [Reviewer(Browser(base), a.organisation_id) for a in cast.reviewers]
    names = [a.username for a in cast.secretaries + cast.reviewers]
    result = Result(secretaries=len(cast.secretaries), reviewers=len(cast.reviewers))
    _login_all(users, names, result, say)
    if result.failures:
        return result
    lock = threading.Lock()
    start = threading.Barrier(len(users) + 1)
    stop = threading.Event()

    def work(user) -> None:
        mine: list[Sample] = []
        start.wait()
        while not stop.is_set():
            mine += user.step()
        with lock:
            result.samples += mine

    threads = [threading.Thread(target=work, args=(u,), daemon=True) for u in users]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    say(f"{len(users)} 个模拟用户开始工作，持续 {seconds:.0f} 秒……")
    time.sleep(seconds)
    stop.set()
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - began
    return result


def _login_all(users, names, result: Result, say) -> None:
    """Everyone logs in through the login form, eight at a time (the password hash is the slow part)."""
    say(f"{len(users)} 个用户登录……")
    lock = threading.Lock()
    pending = list(zip(users, names, strict=True))

    def worker() -> None:
        while True:
            with lock:
                if not pending:
                    return
                user, name = pending.pop()
            try:
                user.browser.login(name)
            except Exception as error:  # noqa: BLE001 - reported, the run stops before the load
                with lock:
                    result.failures.append(f"{name}：{error}")

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
