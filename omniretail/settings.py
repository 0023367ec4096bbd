"""Django settings, read from the environment so one build runs everywhere.

Every knob a deployment needs is an ``OMNIRETAIL_*`` variable (see README's configuration table).
Defaults give a zero-setup SQLite install under ``./var``; production-only behaviour (secure
cookies, HSTS) turns on only when the deployment says it is served over HTTPS.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# pytest (>= 8.2) exports PYTEST_VERSION before Django settings are read.
TESTING = env_bool("OMNIRETAIL_TESTING", False) or "PYTEST_VERSION" in os.environ
DATA_DIR = Path(
    os.environ.get("OMNIRETAIL_DATA_DIR", Path.cwd() / ("var/test" if TESTING else "var"))
).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("OMNIRETAIL_DEBUG", False)
HTTPS = env_bool("OMNIRETAIL_HTTPS", False)


def _secret_key() -> str:
    """Use the configured key, or create one once per data dir so sessions survive restarts."""
    configured = os.environ.get("OMNIRETAIL_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("OMNIRETAIL_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("OMNIRETAIL_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "axes",
    "huey.contrib.djhuey",
    "omniretail.core",
    "omniretail.accounts",
    "omniretail.catalog",
    "omniretail.inventory",
    "omniretail.members",
    "omniretail.promotions",
    "omniretail.orders",
    "omniretail.payments",
    "omniretail.pos",
    "omniretail.analytics",
    "omniretail.storefront",
    "omniretail.reliability",
    "omniretail.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "omniretail.core.idempotency.IdempotencyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "omniretail.core.middleware.RequestContextMiddleware",
    "omniretail.core.middleware.SecurityHeadersMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "omniretail.urls"
WSGI_APPLICATION = "omniretail.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "omniretail.web.context.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
SQLITE_OPTIONS = {
    # IMMEDIATE: every write transaction takes the write lock at BEGIN, so concurrent writers
    # queue on busy_timeout instead of failing with "database is locked" on lock upgrade.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000; "
        "PRAGMA foreign_keys=ON;"
    ),
}

_database_url = os.environ.get(
    "OMNIRETAIL_DATABASE_URL", f"sqlite:///{DATA_DIR / 'omniretail.sqlite3'}"
)
_db = dj_database_url.parse(_database_url, conn_max_age=0)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = dict(SQLITE_OPTIONS)
    if os.environ.get("OMNIRETAIL_TEST_DB_FILE"):
        # Multi-process tests need a file the child processes can open.
        _db["TEST"] = {"NAME": os.environ["OMNIRETAIL_TEST_DB_FILE"]}
else:
    _db["CONN_MAX_AGE"] = int(os.environ.get("OMNIRETAIL_DB_CONN_MAX_AGE", "60"))
    _db["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, jobs ----------------------------------------------------------------------------
REDIS_URL = os.environ.get("OMNIRETAIL_REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "omniretail",
        "url": REDIS_URL,
        "immediate": TESTING and not env_bool("OMNIRETAIL_HUEY_REAL"),
        "consumer": {"workers": 2, "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "omniretail",
        # Its own SQLite file: the job queue never competes with business writes for a lock.
        "filename": str(DATA_DIR / "jobs.sqlite3"),
        "immediate": TESTING and not env_bool("OMNIRETAIL_HUEY_REAL"),
        "consumer": {"workers": 2, "worker_type": "thread"},
    }

# --- Auth -----------------------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Tests create many users; argon2 is what production uses and is tested on its own.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("OMNIRETAIL_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = not env_bool("OMNIRETAIL_DISABLE_LOGIN_THROTTLE")
AXES_VERBOSE = False

# --- Security -------------------------------------------------------------------------------
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 12 * 3600
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = 31536000
    SECURE_SSL_REDIRECT = env_bool("OMNIRETAIL_SSL_REDIRECT", False)

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = os.environ.get("OMNIRETAIL_LANGUAGE", "zh-hans")
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
TIME_ZONE = os.environ.get("OMNIRETAIL_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [PACKAGE_DIR / "locale"]

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("OMNIRETAIL_MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# --- Product settings -----------------------------------------------------------------------
OMNIRETAIL = {
    "CURRENCY": "CNY",
    "WEBHOOK_TIMEOUT_S": float(os.environ.get("OMNIRETAIL_WEBHOOK_TIMEOUT_S", "5")),
    "OUTBOX_MAX_ATTEMPTS": int(os.environ.get("OMNIRETAIL_OUTBOX_MAX_ATTEMPTS", "12")),
    "IDEMPOTENCY_TTL_HOURS": 48,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("OMNIRETAIL_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "huey": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
