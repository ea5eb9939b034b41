"""All configuration, from SHEQUN_* environment variables only.

Nothing else in shequn reads ``os.environ``. Defaults give a working embedded
install: SQLite in ``./var``, a secret key generated on first start and kept
beside the database with owner-only permissions.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("SHEQUN_DATA_DIR", "./var")).resolve()


def _secret_key(data_dir: Path) -> str:
    """The key from SHEQUN_SECRET_KEY, else from the data dir, created once with mode 0600."""
    given = os.environ.get("SHEQUN_SECRET_KEY")
    if given:
        return given
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / "secret_key"
    if not path.exists():
        # O_EXCL: two processes starting at once must not write two different keys.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_text().strip()
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


#: New SQLite stores' page size unless SHEQUN_SQLITE_PAGE_SIZE says otherwise; ``shequn run``
#: warns about a store with larger pages.
DEFAULT_SQLITE_PAGE_SIZE = 4096


def check_page_size(raw: str, name: str = "SHEQUN_SQLITE_PAGE_SIZE") -> int:
    """``raw`` as a page size SQLite accepts; ValueError naming ``name`` otherwise."""
    size = int(raw) if raw.strip().isdigit() else 0
    if not 512 <= size <= 65536 or size & (size - 1):
        raise ValueError(f"{name}: {raw!r}; expected a power of two from 512 to 65536")
    return size


def _sqlite_page_size() -> int:
    """``SHEQUN_SQLITE_PAGE_SIZE``: the page size of a new SQLite store (4 KiB by default).

    The live engine commits every few events, and each commit writes every index page it
    touched whole into the write-ahead log: on 16 KiB pages that log volume, and the
    checkpoints copying it back, put its p99 latency at 5,000 events/s at 60-190 ms, against
    5-13 ms on 4 KiB. Bulk imports measured 0-20% faster on 16 KiB pages depending on the
    machine (bench/README.md, issues 3 and 6); an archive that is only ever imported into
    may choose 16384.
    """
    return check_page_size(os.environ.get("SHEQUN_SQLITE_PAGE_SIZE", str(DEFAULT_SQLITE_PAGE_SIZE)))


def database_from_url(url: str, data_dir: Path) -> dict[str, Any]:
    """Django DATABASES entry for ``sqlite:///path`` or ``postgresql://user:pw@host:port/name``."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        # sqlite:///relative/file or sqlite:////absolute/file, as SQLAlchemy spells them.
        name = unquote(parts.path[1:])
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": name or str(data_dir / "shequn.sqlite3"),
            "OPTIONS": {
                # WAL lets the dashboard read while an import writes.
                # page_size only takes on a new database, and must come before WAL.
                "init_command": f"PRAGMA page_size={_sqlite_page_size()};"
                " PRAGMA journal_mode=WAL;"
                # Under WAL, NORMAL syncs the log at checkpoints, not at each commit: a
                # crash of the process loses nothing (committed pages are in the OS's
                # cache); power loss may undo the last commits whole, never half of one.
                " PRAGMA synchronous=NORMAL;"
                " PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;"
                # Index pages of the message table stay in memory during large imports.
                " PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
                "transaction_mode": "IMMEDIATE",
            },
            # A file, not memory: analytics reads the store from a second connection.
            "TEST": {"NAME": str(data_dir / "test_shequn.sqlite3")},
        }
    if parts.scheme in {"postgres", "postgresql"}:
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(parts.port or ""),
        }
    raise ValueError(f"SHEQUN_DATABASE_URL: unsupported scheme {parts.scheme!r}")


SECRET_KEY = _secret_key(DATA_DIR)
DEBUG = _env_bool("SHEQUN_DEBUG")
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("SHEQUN_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")
]
DATABASE_URL = os.environ.get("SHEQUN_DATABASE_URL", f"sqlite:///{DATA_DIR / 'shequn.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL, DATA_DIR)}
#: The page size new SQLite stores get, and the one ``shequn repage`` rebuilds a store with.
SQLITE_PAGE_SIZE = _sqlite_page_size()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Processes a long replay shares its rules among (shequn.playbook.replay_workers); 1: one.
REPLAY_WORKERS = int(os.environ.get("SHEQUN_REPLAY_WORKERS") or min(4, os.cpu_count() or 1))
# Per-process memory cache; the home page keeps each group's report summary here.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    # Login rate limiting: failed sign-ins are counted in the database (see AXES_* below).
    "axes",
    # Only so that /api/docs serves Swagger UI from ninja's own static files, not a CDN.
    "ninja",
    "shequn.community",
    "shequn.chat",
    "shequn.playbook",
    "shequn.web",
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
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as axes asks: turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "shequn.urls"
ASGI_APPLICATION = "shequn.asgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ]
        },
    }
]

# Chinese first: zh-hans unless the browser or the user asks for English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = os.environ.get("SHEQUN_TIME_ZONE", "Asia/Shanghai")

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# The report's stylesheet and chart script live with the report (shequn report inlines them).
STATICFILES_DIRS = [BASE_DIR / "analytics" / "report" / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    # plotly.min.js straight from the installed plotly package (no copy in our tree).
    "shequn.web.plotly_static.PlotlyFinder",
]
# Serve straight from the apps' folders: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG


def _immutable_static(path: str, url: str) -> bool:
    """plotly's file carries its version in its name, so browsers may keep it for good."""
    return url.startswith(STATIC_URL + "plotly/plotly-")


WHITENOISE_IMMUTABLE_FILE_TEST = _immutable_static

# Invited staff choose their own password: hold it to Django's usual rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Served over HTTPS (SHEQUN_HTTPS=1; SHEQUN_SECURE_COOKIES is its older name): cookies go
# over HTTPS only and browsers are told to keep to HTTPS (HSTS) for SHEQUN_HSTS_SECONDS.
HTTPS = _env_bool("SHEQUN_HTTPS") or _env_bool("SHEQUN_SECURE_COOKIES")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SHEQUN_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = False
if HTTPS and _env_bool("SHEQUN_BEHIND_PROXY"):
    # A TLS-terminating proxy in front says so with X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp 4): no inline script, no eval, nothing from other
# origins. Chart data travels in <script type="application/json"> blocks that a static
# file reads. Styles allow 'unsafe-inline' because plotly.js writes its own style rules
# and style attributes at run time; style cannot run code.
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Sign-in rate limiting (django-axes): SHEQUN_LOGIN_FAILURE_LIMIT failed attempts for one
# username from one address lock that pair out for SHEQUN_LOGIN_COOLOFF_MINUTES.
AUTHENTICATION_BACKENDS = [
    "shequn.web.auth.LoginRateLimitBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("SHEQUN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("SHEQUN_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "shequn.web.auth.locked_out"
AXES_VERBOSE = False
# Behind N reverse proxies the client's address is the Nth from the right of X-Forwarded-For.
AXES_IPWARE_PROXY_COUNT = (
    int(os.environ["SHEQUN_PROXY_COUNT"]) if "SHEQUN_PROXY_COUNT" in os.environ else None
)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)


def _shop_secret(community_id: int) -> bytes | None:
    """The shop webhook's HMAC secret of one community, read when a delivery arrives.

    ``SHEQUN_SHOP_SECRET_<COMMUNITY ID>`` holds it, or ``SHEQUN_SHOP_SECRET_<ID>_FILE``
    names a file holding it (surrounding whitespace ignored). None: the community takes
    no deliveries. Never stored in the database, shown on a page or logged.
    """
    value = os.environ.get(f"SHEQUN_SHOP_SECRET_{community_id}", "").strip()
    path = os.environ.get(f"SHEQUN_SHOP_SECRET_{community_id}_FILE", "").strip()
    if not value and path:
        try:
            value = Path(path).read_text().strip()
        except OSError:
            return None
    return value.encode() if value else None


SHOP_SECRET = _shop_secret  # read per delivery, so that a rotated secret needs no restart

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHEQUN_LOG_LEVEL", "WARNING")},
}
