"""Rapport settings: one file, driven by environment variables with safe local defaults.

Every variable is listed in `.env.example`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("RAPPORT_VAR_DIR", BASE_DIR / "var"))
if not VAR_DIR.exists():
    # The database, uploads and the generated secrets live here: readable by the owner only.
    VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict[str, object]:
    """Turn `sqlite:///path` or `postgres://user:pass@host:port/name` into a DATABASES entry."""
    parsed = urlparse(url)
    options = dict(parse_qsl(parsed.query))
    if parsed.scheme == "sqlite":
        name = unquote(parsed.path[1:] if parsed.path.startswith("//") else parsed.path)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name or str(VAR_DIR / "rapport.sqlite3"),
            "OPTIONS": {
                # IMMEDIATE makes every atomic block take the write lock up front, so
                # check-then-act code (number series, segment logging) serializes on SQLite.
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file, not shared-cache memory, so concurrency tests see real SQLite locking.
            # One file per process so parallel runs never share one.
            "TEST": {
                "NAME": options.get("test_name")
                or str(Path(tempfile.gettempdir()) / f"rapport-test-{os.getpid()}.sqlite3")
            },
        }
    if parsed.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            # Persistent connections: a new PostgreSQL connection (a server process and a
            # SCRAM password exchange) per request costs more than most requests. Each web
            # process or thread keeps one for this long; the health check replaces a
            # connection the server closed (restart, failover) before a request uses it.
            "CONN_MAX_AGE": int(options.get("conn_max_age", "60")),
            "CONN_HEALTH_CHECKS": True,
        }
    raise ValueError(f"Unsupported DATABASE_URL scheme: {parsed.scheme!r}")


def secret_key() -> str:
    """RAPPORT_SECRET_KEY, else the key bin/run generated in var/secret-key, else a local one."""
    value = os.environ.get("RAPPORT_SECRET_KEY", "").strip()
    if value:
        return value
    kept = VAR_DIR / "secret-key"
    if kept.is_file():
        value = kept.read_text().strip()
        if value:
            return value
    return "insecure-local-development-key-change-me"


DEBUG = env_bool("RAPPORT_DEBUG", False)
SECRET_KEY = secret_key()
ALLOWED_HOSTS = env_list("RAPPORT_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("RAPPORT_CSRF_TRUSTED_ORIGINS", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "csp",
    "ninja",
    # Before django_tasks_db: its `db_worker` command is rapport.core's (it recovers jobs).
    "rapport.core",
    "django_tasks",
    "django_tasks_db",
    "rapport.accounts",
    "rapport.contacts",
    "rapport.campaigns",
    "rapport.interactions",
    "rapport.segments",
    "rapport.mailbox",
    "rapport.webhooks",
    "rapport.documents",
    "rapport.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "rapport.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "rapport.core.middleware.RequestSizeLimitMiddleware",
    "rapport.core.middleware.UploadNameMiddleware",
    "rapport.core.middleware.AuditSourceMiddleware",
    "rapport.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "rapport.core.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "rapport.urls"
WSGI_APPLICATION = "rapport.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "rapport" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "rapport.core.context_processors.navigation",
            ],
            "builtins": [
                "django.templatetags.i18n",
                "django.templatetags.static",
                "template_partials.templatetags.partials",
                "rapport.core.templatetags.rapport",
            ],
        },
    }
]

DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'rapport.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["rapport.accounts.backends.RateLimitedModelBackend"]
# Sign-in lock: after this many failures for one user name (or from one address) within the
# window, sign-in is refused until the window ends.
RAPPORT_LOGIN_MAX_FAILURES = int(os.environ.get("RAPPORT_LOGIN_MAX_FAILURES", "10"))
RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS = int(
    os.environ.get("RAPPORT_LOGIN_MAX_FAILURES_PER_ADDRESS", "50")
)
RAPPORT_LOGIN_LOCK_SECONDS = int(os.environ.get("RAPPORT_LOGIN_LOCK_SECONDS", "900"))
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("fi", _("Finnish")), ("nb", _("Norwegian Bokmål"))]
LOCALE_PATHS = [BASE_DIR / "rapport" / "locale"]
TIME_ZONE = os.environ.get("RAPPORT_TIME_ZONE", "Europe/Helsinki")
USE_I18N = True
FORMAT_MODULE_PATH = ["rapport.formats"]
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "rapport" / "static"]
STATIC_ROOT = Path(os.environ.get("RAPPORT_STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("RAPPORT_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

# Uploads: imports and attachments are refused above this size (bytes).
RAPPORT_MAX_UPLOAD_BYTES = int(os.environ.get("RAPPORT_MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = RAPPORT_MAX_UPLOAD_BYTES + 1024 * 1024
# Bodies longer than this (Content-Length) are refused with 413 before they are read: for a
# signed-in user or an API token, and for anyone else (the login page needs very little).
RAPPORT_MAX_REQUEST_BYTES = int(
    os.environ.get("RAPPORT_MAX_REQUEST_BYTES", str(RAPPORT_MAX_UPLOAD_BYTES + 1024 * 1024))
)
RAPPORT_MAX_ANONYMOUS_REQUEST_BYTES = int(
    os.environ.get("RAPPORT_MAX_ANONYMOUS_REQUEST_BYTES", str(64 * 1024))
)
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Imports larger than this many rows run as a background job with progress.
RAPPORT_IMPORT_JOB_THRESHOLD = int(os.environ.get("RAPPORT_IMPORT_JOB_THRESHOLD", "500"))
RAPPORT_BATCH_SIZE = int(os.environ.get("RAPPORT_BATCH_SIZE", "1000"))
# Rows per INSERT ... SELECT when logging a segment (larger: fewer statements, same memory).
RAPPORT_LOG_BATCH_SIZE = int(os.environ.get("RAPPORT_LOG_BATCH_SIZE", "20000"))
# Reading an import file stops (with an error) beyond this many cells or seconds; a workbook
# that unpacks to more than this many bytes is refused unread. Workbooks are read by the task
# worker, never by the web process.
RAPPORT_IMPORT_MAX_CELLS = int(os.environ.get("RAPPORT_IMPORT_MAX_CELLS", "1000000"))
RAPPORT_IMPORT_MAX_SECONDS = int(os.environ.get("RAPPORT_IMPORT_MAX_SECONDS", "120"))
RAPPORT_IMPORT_MAX_UNPACKED_BYTES = int(
    os.environ.get("RAPPORT_IMPORT_MAX_UNPACKED_BYTES", str(100 * 1024 * 1024))
)

# A running job whose worker (on another host) reported no progress for this long is failed;
# on the worker's own host a dead worker is noticed at once. The worker checks this often.
RAPPORT_JOB_LEASE_SECONDS = int(os.environ.get("RAPPORT_JOB_LEASE_SECONDS", "900"))
RAPPORT_JOB_RECOVERY_SECONDS = int(os.environ.get("RAPPORT_JOB_RECOVERY_SECONDS", "60"))
# The worker's scheduler tick: periodic mailbox logging and webhook retries are started from it.
RAPPORT_SCHEDULER_SECONDS = int(os.environ.get("RAPPORT_SCHEDULER_SECONDS", "15"))
# Webhooks: seconds to wait for a subscriber, attempts before giving up, first retry delay
# (doubled after every failed attempt).
RAPPORT_WEBHOOK_TIMEOUT_SECONDS = int(os.environ.get("RAPPORT_WEBHOOK_TIMEOUT_SECONDS", "10"))
RAPPORT_WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("RAPPORT_WEBHOOK_MAX_ATTEMPTS", "8"))
RAPPORT_WEBHOOK_RETRY_SECONDS = int(os.environ.get("RAPPORT_WEBHOOK_RETRY_SECONDS", "30"))
# Mailbox logging: seconds to wait for the IMAP server.
RAPPORT_IMAP_TIMEOUT_SECONDS = int(os.environ.get("RAPPORT_IMAP_TIMEOUT_SECONDS", "30"))

TASKS = {
    "default": {
        "BACKEND": os.environ.get("RAPPORT_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

CACHES = {
    "default": {
        "BACKEND": os.environ.get(
            "RAPPORT_CACHE_BACKEND", "django.core.cache.backends.filebased.FileBasedCache"
        ),
        "LOCATION": os.environ.get("RAPPORT_CACHE_LOCATION", str(VAR_DIR / "cache")),
    }
}

EMAIL_HOST = os.environ.get("RAPPORT_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("RAPPORT_EMAIL_PORT", "1025"))
EMAIL_HOST_USER = os.environ.get("RAPPORT_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("RAPPORT_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("RAPPORT_EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("RAPPORT_EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("RAPPORT_EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("RAPPORT_FROM_EMAIL", "rapport@localhost")
# Delivery of interaction documents: entries claimed and recorded per batch (a job that dies
# leaves at most one batch Unknown), and at most this many messages a minute (0: no limit).
RAPPORT_DELIVERY_BATCH_SIZE = int(os.environ.get("RAPPORT_DELIVERY_BATCH_SIZE", "100"))
RAPPORT_DELIVERY_RATE_PER_MINUTE = int(os.environ.get("RAPPORT_DELIVERY_RATE_PER_MINUTE", "0"))
# SMTP connections a delivery job keeps open at once (sends overlap the server's replies).
RAPPORT_DELIVERY_CONNECTIONS = int(os.environ.get("RAPPORT_DELIVERY_CONNECTIONS", "4"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("RAPPORT_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Pages put the CSRF token in their forms (and htmx sends it from the body tag's hx-headers);
# no script reads the cookie, so scripts may not.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
# HTTPS behind a proxy: redirect plain HTTP, HSTS, and the header the proxy sets for HTTPS
# ("HTTP_X_FORWARDED_PROTO,https"); only set the header when the proxy always overwrites it.
SECURE_SSL_REDIRECT = env_bool("RAPPORT_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = int(os.environ.get("RAPPORT_HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("RAPPORT_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("RAPPORT_HSTS_PRELOAD", False)
_proxy_header = env_list("RAPPORT_PROXY_SSL_HEADER", "")
SECURE_PROXY_SSL_HEADER = (_proxy_header[0], _proxy_header[1]) if len(_proxy_header) == 2 else None
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page of Rapport uses (rapport.core.middleware.SecurityHeadersMiddleware).
RAPPORT_PERMISSIONS_POLICY = os.environ.get(
    "RAPPORT_PERMISSIONS_POLICY",
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "midi=(), magnetometer=(), gyroscope=(), accelerometer=(), display-capture=()",
)

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RAPPORT_LOG_LEVEL", "WARNING")},
}
