"""Browser fixtures: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

Playwright's sync API keeps an asyncio event loop running in the main thread for
as long as it is started; Django's ORM refuses to run there unless
DJANGO_ALLOW_ASYNC_UNSAFE says this is deliberate. The test code itself stays
synchronous, so the override is safe here. It is set for exactly the lifetime of
Playwright (one module of browser tests) and then restored: set for the whole
session, it would leak into other tests' subprocesses, and `manage.py check
--deploy` rightly fails when it sees it (tests/config/test_settings.py).
"""

import io
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "tmp" / "screenshots"

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"浏览器测试需要 Debian 的 Chromium：{CHROMIUM} 不存在（apt-get install chromium）")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


# On PostgreSQL the demo is built once a session and copied back (COPY) after each test's flush:
# building it takes about 30 s there, restoring the copy well under a second.
_DEMO_COPY: dict[str, str] = {}


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _copy_out() -> dict[str, str]:
    found = {}
    with connection.cursor() as cursor:
        for table in _tables():
            buffer = io.StringIO()
            cursor.cursor.copy_expert(f'COPY "{table}" TO STDOUT', buffer)
            found[table] = buffer.getvalue()
    return found


def _copy_in(saved: dict[str, str]) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(f'"{t}"' for t in saved) + " RESTART IDENTITY CASCADE")
        for table, data in saved.items():
            if data:
                cursor.cursor.copy_expert(f'COPY "{table}" FROM STDIN', io.StringIO(data))
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models(include_auto_created=True)):
            cursor.execute(sql)


@pytest.fixture
def demo(transactional_db, live_server):
    """The demo tree and accounts (青山县…), built in the database the live server reads."""
    if connection.vendor != "postgresql":
        call_command("demo_data", stdout=io.StringIO())
    elif _DEMO_COPY:
        _copy_in(_DEMO_COPY)
    else:
        call_command("demo_data", stdout=io.StringIO())
        _DEMO_COPY.update(_copy_out())


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh contexts; every context is closed after the test.

    ``new_page(viewport, user=None)`` gives a page whose session is already
    logged in as ``user`` (a session cookie from Django's test client, not the
    login form: the journey test covers the form).
    """
    contexts = []

    def _new_page(viewport, user=None):
        context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url)
        context.set_default_timeout(10_000)
        contexts.append(context)
        if user is not None:
            from django.test import Client

            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME]
            context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
            )
        return context.new_page()

    yield _new_page
    for context in contexts:
        context.close()


def watch(page) -> list[str]:
    """Collect console errors, script errors and failed responses of a page, for an assert at the end."""
    problems = []
    page.on("console", lambda msg: msg.type == "error" and problems.append(f"console: {msg.text}"))
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and problems.append(f"HTTP {response.status}: {response.url}")
        ),
    )
    return problems


def fits(page, width: int) -> None:
    """The page does not scroll sideways at this width."""
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} at {width}px scrolls sideways ({scroll_width}px)"
