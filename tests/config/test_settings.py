"""Settings from the environment: secure by default with DEBUG off, each switch off for a plain-HTTP intranet."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROD = {
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-Zq8v!Lp2@xR7#mN4$wT9%yB3^cF6&hJ1*eG5",
    "ALLOWED_HOSTS": "dangjian.example.gov.cn",
}


def run(args, **env):
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", *PROD}}
    clean.update(env)
    clean["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def setting(name, **env):
    result = run(["shell", "-c", f"from django.conf import settings; print(settings.{name})"], **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_check_deploy_is_clean_with_production_values():
    result = run(["check", "--deploy", "--fail-level", "WARNING"], **PROD)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secure_defaults_on_when_debug_off():
    assert setting("SECURE_SSL_REDIRECT", **PROD) == "True"
    assert setting("SESSION_COOKIE_SECURE", **PROD) == "True"
    assert setting("CSRF_COOKIE_SECURE", **PROD) == "True"
    assert int(setting("SECURE_HSTS_SECONDS", **PROD)) >= 31536000


def test_each_switch_turns_off_for_plain_http():
    assert setting("SECURE_SSL_REDIRECT", **PROD, SECURE_SSL_REDIRECT="0") == "False"
    assert setting("SESSION_COOKIE_SECURE", **PROD, SESSION_COOKIE_SECURE="0") == "False"
    assert setting("CSRF_COOKIE_SECURE", **PROD, CSRF_COOKIE_SECURE="0") == "False"
    assert setting("SECURE_HSTS_SECONDS", **PROD, SECURE_HSTS_SECONDS="0") == "0"


def test_no_secret_key_refused_in_production():
    result = run(["check", "--deploy"], DEBUG="0", ALLOWED_HOSTS="x")
    assert result.returncode != 0
    assert "SECRET_KEY 未设置" in result.stderr


def test_web_application_refuses_to_start_without_secret_key():
    clean = {k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", *PROD}}
    clean.update(DEBUG="0", ALLOWED_HOSTS="x", DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(  # noqa: S603 - our own module
        [sys.executable, "-c", "import config.wsgi"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_migrations_run_without_secret_key():
    result = run(["makemigrations", "--check", "--dry-run"], DEBUG="0")
    assert result.returncode == 0, result.stderr


def test_development_defaults():
    assert setting("CELERY_TASK_ALWAYS_EAGER", DEBUG="1", REDIS_URL="") == "True"
    assert setting("CELERY_TASK_ALWAYS_EAGER", DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/0") == "False"
    assert setting("LANGUAGE_CODE", DEBUG="1") == "zh-hans"
    assert setting("TIME_ZONE", DEBUG="1") == "Asia/Shanghai"
