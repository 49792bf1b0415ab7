"""Secure headers and the Content-Security-Policy on every kind of response, and templates that keep to it."""

import base64
import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'", "'unsafe-inline'"},
    "style-src-elem": {"'self'", settings.HTMX_INDICATOR_STYLE_HASH},
    "style-src-attr": {"'unsafe-inline'"},
    "img-src": {"'self'", "data:"},
    "font-src": {"'self'"},
    "connect-src": {"'self'"},
    "object-src": {"'none'"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
    "base-uri": {"'self'"},
}


def parse_policy(header: str) -> dict[str, set[str]]:
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = set(sources)
    return directives


def assert_secure(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert parse_policy(response["Content-Security-Policy"]) == POLICY


@pytest.fixture
def secretary_client(client, secretary):
    client.force_login(secretary)
    return client


def test_the_login_page(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert_secure(response)
    assert response["X-Frame-Options"] == "DENY"


def test_a_page_behind_the_login(secretary_client, tree):
    response = secretary_client.get(tree["branch"].get_absolute_url())
    assert response.status_code == 200
    assert_secure(response)
    assert response["X-Frame-Options"] == "DENY"


def test_a_page_that_is_not_found(secretary_client):
    response = secretary_client.get("/no-such-page/")
    assert response.status_code == 404
    assert_secure(response)


def test_the_lockout_page(client, secretary):
    for _ in range(5):
        response = client.post(reverse("login"), {"username": "secretary", "password": "wrong-password"})
    assert response.status_code == 429
    assert_secure(response)


def test_a_static_file(client, db):
    response = client.get(settings.STATIC_URL + "js/portal.js")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"


def test_scripts_never_run_inline_or_through_eval():
    scripts = POLICY["script-src"] | POLICY["default-src"]
    assert not scripts & {"'unsafe-inline'", "'unsafe-eval'", "data:", "*"}


def test_the_htmx_style_hash_matches_the_vendored_htmx():
    """htmx adds one fixed <style> rule at load; the policy allows it by hash. A new htmx changes it."""
    source = (ROOT / "static/vendor/htmx/htmx.min.js").read_text()
    defaults = dict(re.findall(r'(indicatorClass|requestClass):"([^"]+)"', source))
    assert set(defaults) == {"indicatorClass", "requestClass"}
    insert = re.search(r"insertAdjacentHTML\(\"beforeend\",`<style\$\{e\}>`\+(.*?)\+\"</style>\"\)", source)
    assert insert, "htmx no longer adds its indicator <style> the way 2.0.11 did: check the policy"
    rule = "".join(re.findall(r"`([^`]*)`", insert.group(1)))
    rule = rule.replace("${t}", defaults["indicatorClass"]).replace("${n}", defaults["requestClass"])
    digest = base64.b64encode(hashlib.sha256(rule.encode()).digest()).decode()
    assert f"'sha256-{digest}'" == settings.HTMX_INDICATOR_STYLE_HASH


# The templates a browser shows must keep to `script-src 'self'`: no inline <script> (a JSON data
# block is not run), no on…= handler attributes, no javascript: URLs. PDF templates are laid out by
# WeasyPrint, never shown by a browser, and are not checked.
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"javascript:", re.I)


def browser_templates():
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if "pdf" not in path.name and "/pdf/" not in path.as_posix():
            yield path


def test_templates_have_no_inline_scripts():
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()[:80]}"
        for path in browser_templates()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if INLINE_SCRIPT.search(line) or HANDLER.search(line) or JS_URL.search(line)
    ]
    assert found == []


@pytest.mark.parametrize(
    "line",
    [
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        '<a href="javascript:void(0)">',
        '<script type="module">',
    ],
)
def test_the_template_scan_finds_what_it_looks_for(line):
    assert INLINE_SCRIPT.search(line) or HANDLER.search(line) or JS_URL.search(line)


@pytest.mark.parametrize(
    "line",
    [
        '<script src="/static/js/portal.js"></script>',
        '<script id="dashboard-data" type="application/json">{}</script>',
        '<div data-confirm="确定？" class="conform">',
    ],
)
def test_the_template_scan_passes_what_is_allowed(line):
    assert not (INLINE_SCRIPT.search(line) or HANDLER.search(line) or JS_URL.search(line))
