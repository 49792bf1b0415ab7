"""Settings for 支部通, read from the environment.

Every value a deployment changes comes from an environment variable with a
safe development default; see README.md for the table.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

# A development key only with DEBUG on. Without one and with DEBUG off, commands that need no key
# (migrate, makemigrations) still run, while the web application refuses to start (config/wsgi.py)
# and `check --deploy` reports it (config/checks.py).
SECRET_KEY = os.environ.get("SECRET_KEY", "") or (
    "dev-only-insecure-key-do-not-use-in-production" if DEBUG else ""  # noqa: S105
)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "csp",
    "simple_history",
    "branches",
    "members",
    "meetings",
    "assessment",
    "archives",
    "audit",
    "scale",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # The audit trail's rows name the request's user (branches/audit.py).
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as axes asks: it turns a login refused for a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "branches.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
# A PostgreSQL read replica (streaming replication) for the dashboards and the ledger builds; off
# unless set. config/db_router.py sends reads there only inside config.replica.reads_from_replica().
# In tests the alias is a mirror of default: the same test database under a second connection.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60"))
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.postgresql":
        # PostgreSQL's JIT compiles the dashboard's wide aggregate expressions on every run: about
        # 0.9 s of 2 s at 5,000 branches, for queries that take 0.16 s without it. The portal's
        # queries are short; JIT only pays off for long analytical scans.
        _database.setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "config.passwords.ChineseMinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Login protection (django-axes): 5 wrong passwords lock that account from that address for 15 minutes.
# Keyed on the pair (username, address), not on either alone: branch offices and village committees
# reach the portal through one NAT address, so a lock on the address would shut out a whole office
# for one person's typos, and a lock on the username alone would let anyone lock any secretary out.
# A refused attempt during the lock does not restart it, so the page's "15 minutes" stays true.
AUTHENTICATION_BACKENDS = [
    "config.axes.LoginAttemptsBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "config.axes.lockout_response"
AXES_CLIENT_IP_CALLABLE = "config.axes.client_ip"
# No start-up banner in every manage.py command and gunicorn worker; lockouts are still logged.
AXES_VERBOSE = False
# Reverse proxies / load balancers in front of gunicorn that append to X-Forwarded-For (0: none).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# --- Sessions: one working day at most, and gone when the browser closes (shared office computers).
# No idle timeout: it would cost a session write on every request, and a secretary typing up a long
# meeting record would lose it to the timeout.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 60 * 60)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email -----------------------------------------------------------------
# In development mail is written to files under tmp/mail/ instead of being sent.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = BASE_DIR / "tmp" / "mail"
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "支部通 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security: on by default when DEBUG is off, each switchable for plain-HTTP intranets
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# --- Content-Security-Policy (django-csp): only our own files run; no inline scripts, no eval.
# Styles: a few templates size boxes with style="" attributes and ECharts' tooltips carry them too,
# so style attributes are allowed (style-src-attr); <style> elements only as files of ours or as
# htmx's indicator rule, allowed by its hash (htmx 2.0.11 adds it to <head> on load;
# tests/config/test_headers.py recomputes the hash from static/vendor/htmx). style-src is the
# fallback for browsers that know neither -elem nor -attr.
HTMX_INDICATOR_STYLE_HASH = "'sha256-faU7yAF8NxuMTNEwVmBz+VcYeIoBQ2EMHW3WaVxCvnk='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "style-src-elem": [SELF, HTMX_INDICATOR_STYLE_HASH],
        "style-src-attr": [UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
    }
}

# --- Celery -----------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
# Without a broker the portal runs every task in-process, so `make run` needs nothing else.
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A task is acknowledged only after it ran (acks late), so when its worker is killed, Redis hands the
# message out again once it has gone unacknowledged for the visibility timeout. The timeout must exceed
# the longest task (the subtree workbook of 10,000 members: about 70 s): a task still running when it
# expires is delivered a second time (a ledger's claim then finds its job alive and skips it). kombu
# looks for such messages every 10 s here (every 100 s by default, slow for a short timeout).
_visibility_timeout = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    "unacked_restore_interval": max(1, min(10, _visibility_timeout // 10)),
    "unacked_restore_throttle": 1,
}
# A running ledger without a sign of life (progress) for this long has lost its worker: a task that
# comes back may take it over, and the sweeper (beat, every 5 minutes) queues it again once or fails it
# with the reason (archives/services/sweeper.py). Longer than any single step of a ledger build.
LEDGER_STALE_MINUTES = float(os.environ.get("LEDGER_STALE_MINUTES", "10"))
# Three queues, so each kind of work can get its own machines (README, 多机部署): the ledgers
# (minutes of PDF and Excel work) on `reports`, the daily reminders on `reminders`, everything else
# (compliance and rollup refreshes, imports) on the default `celery`. `make worker` consumes all three.
CELERY_TASK_ROUTES = {
    # The sweeper of stale ledgers runs where report machines are not needed: it must run when they die.
    "archives.tasks.sweep_stale_ledgers": {"queue": "celery"},
    "archives.tasks.*": {"queue": "reports"},
    "branches.tasks.send_term_reminders": {"queue": "reminders"},
    "members.tasks.pipeline.send_pipeline_reminders": {"queue": "reminders"},
    "meetings.tasks.send_compliance_reminders": {"queue": "reminders"},
    "assessment.tasks.notify_overdue_rectification": {"queue": "reminders"},
}
CELERY_BEAT_SCHEDULE = {
    "send-term-reminders": {
        "task": "branches.tasks.send_term_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    "send-pipeline-reminders": {
        "task": "members.tasks.pipeline.send_pipeline_reminders",
        "schedule": crontab(hour=8, minute=10),
    },
    "refresh-compliance": {
        "task": "meetings.tasks.refresh_all_compliance",
        "schedule": crontab(hour=2, minute=30),
    },
    "notify-overdue-rectification": {
        "task": "assessment.tasks.notify_overdue_rectification",
        "schedule": crontab(hour=8, minute=30),
    },
    "send-compliance-reminders": {
        "task": "meetings.tasks.send_compliance_reminders",
        "schedule": crontab(hour=8, minute=20),
    },
    "sweep-stale-ledgers": {
        "task": "archives.tasks.sweep_stale_ledgers",
        "schedule": crontab(minute="*/5"),
    },
}

# Organisational life (DOMAIN §3): a meeting entered more than this many days after it was held is 补录.
MEETING_LATE_ENTRY_DAYS = int(os.environ.get("MEETING_LATE_ENTRY_DAYS", "30"))
MEETING_ATTACHMENT_MAX_MB = int(os.environ.get("MEETING_ATTACHMENT_MAX_MB", "10"))
ARCHIVE_DOCUMENT_MAX_MB = int(os.environ.get("ARCHIVE_DOCUMENT_MAX_MB", "20"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint logs a line per page it lays out, fontTools one per font it subsets.
    "loggers": {name: {"level": "WARNING"} for name in ("weasyprint", "fontTools")},
}
