"""What tests that start real ``celery worker`` processes share: when they can run, and where the workers look."""

import os
import time
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

# Worker processes need a broker and the test database on a server the subprocess can open.
MARKS = [
    pytest.mark.worker,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL"), reason="REDIS_URL not set: no broker to test against"
    ),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="worker processes need the test database on a server (PostgreSQL)",
    ),
]


def worker_database_url() -> str:
    """DATABASE_URL with the test database's name: what the worker processes must open."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def wait_finished(ledger, seconds: float = 180):
    """Poll a LedgerFile until a worker has finished it (done or failed); fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ledger.refresh_from_db()
        if ledger.finished:
            return ledger
        time.sleep(0.3)
    raise AssertionError(
        f"ledger still {ledger.status} at {ledger.percent}% ({ledger.step}) after {seconds} s"
    )
