"""Production-like settings for the bench's own processes: DEBUG off, plain HTTP on loopback.

The in-process pages and gunicorn run with DEBUG=0 (cached templates, hashed static files),
as a deployment does; only the HTTPS parts are switched off, since the load runs over plain
HTTP on 127.0.0.1. A missing SECRET_KEY gets a throwaway one: the bench signs only its own
sessions.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys

from django.conf import settings

PLAIN_HTTP = {
    "DEBUG": "0",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "0",
    "SECURE_HSTS_PRELOAD": "0",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SETTINGS_MODULE": "config.settings",
    "LOG_LEVEL": "WARNING",
}


def environment(**extra: str) -> dict[str, str]:
    env = {**os.environ, **PLAIN_HTTP, **extra}
    env.setdefault("SECRET_KEY", "")
    if not env["SECRET_KEY"]:
        env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def uses_manifest() -> bool:
    """Hashed static file names (DEBUG off): pages cannot render before collectstatic wrote the manifest."""
    return "Manifest" in settings.STORAGES["staticfiles"]["BACKEND"]


def collect_static() -> None:
    """collectstatic with the production storage (the manifest that ``{% static %}`` reads under DEBUG=0)."""
    command = [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"]
    subprocess.run(command, env=environment(), cwd=settings.BASE_DIR, check=True)  # noqa: S603
