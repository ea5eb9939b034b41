"""All configuration, from SHEQUN_* environment variables only.

Nothing else in shequn reads ``os.environ``. Defaults give a working embedded
install: SQLite in ``./var``, a secret key generated on first start and kept
beside the database with owner-only permissions.
"""

from __future__ import annotations

import os
import secrets
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
                "init_command": "PRAGMA page_size=16384; PRAGMA journal_mode=WAL;"
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
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
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
    "shequn.community",
    "shequn.chat",
    "shequn.playbook",
    "shequn.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
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
# Serve straight from the apps' folders: no collectstatic step to forget.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = _env_bool("SHEQUN_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("SHEQUN_LOG_LEVEL", "WARNING")},
}
