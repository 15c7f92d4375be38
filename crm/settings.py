"""Django settings. Every knob is an environment variable, documented in docs/configuration.md."""

import ipaddress
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# Runtime data (SQLite database, task-queue store, uploads) lives outside version control.
DATA_DIR = Path(os.environ.get("CRM_DATA_DIR", PROJECT_DIR / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """CRM_SECRET_KEY wins; otherwise a key generated on first run and kept in a file outside the repo."""
    if key := os.environ.get("CRM_SECRET_KEY"):
        return key
    default_file = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "crm" / "secret_key"
    key_file = Path(os.environ.get("CRM_SECRET_KEY_FILE", default_file))
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("CRM_DEBUG")
ALLOWED_HOSTS = env_list("CRM_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CRM_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "crm.core.staticfiles_app.StaticFilesConfig",  # django.contrib.staticfiles, leaving out vendor files no page uses
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "crm.core",
    "crm.accounts",
    "crm.audit",
    "crm.notifications",
    "crm.system",
    "crm.customers",
    "crm.imports",
    "crm.care",
]

MIDDLEWARE = [
    "crm.core.middleware.RequestIdMiddleware",
    "crm.core.middleware.MetricsMiddleware",
    "crm.core.middleware.RejectNulBytesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "crm.accounts.middleware.SlidingSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "crm.accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Last: a view's "database is locked" becomes a 503 with Retry-After before anything else sees it.
    "crm.core.middleware.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.core.context_processors.shell",
            ],
        },
    },
]

# --- Database: SQLite (WAL) by default, PostgreSQL when DATABASE_URL says so ---------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'crm.sqlite3'}"),
        conn_max_age=int(os.environ.get("CRM_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
            "PRAGMA cache_size=-64000; PRAGMA temp_store=MEMORY;"
        ),
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts and security -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
SESSION_COOKIE_AGE = int(os.environ.get("CRM_SESSION_AGE", str(8 * 3600)))
# Sliding expiry: idle sessions end, active ones continue, refreshed at most once a minute (not on every request:
# crm.accounts.middleware.SlidingSessionMiddleware).
CRM_SESSION_REFRESH_SECONDS = int(os.environ.get("CRM_SESSION_REFRESH_SECONDS", "60"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("CRM_SECURE_COOKIES")
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("CRM_BEHIND_PROXY") else None
# Reverse proxies whose X-Forwarded-For is believed (addresses or CIDR networks, comma-separated). The client IP
# in the audit trail is then the right-most address of the chain that is not one of them; from anyone else the
# header is ignored and the connection's own address is the client's (crm.core.request_context.client_ip).
CRM_TRUSTED_PROXIES = env_list("CRM_TRUSTED_PROXIES", "")
for _proxy in CRM_TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError as _error:
        raise ImproperlyConfigured(f"CRM_TRUSTED_PROXIES: {_proxy!r} is not an address or network") from _error

# Content-Security-Policy (django-csp): scripts, styles, fonts, images and requests from this site only — no
# CDN, no inline script or style, no eval. Templates put behaviour in crm/core/static/crm/crm.js (data
# attributes) and sizes in crm.css; Bootstrap's CSS draws its icons from data: URIs, hence img-src data:.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

AXES_FAILURE_LIMIT = int(os.environ.get("CRM_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("CRM_LOCKOUT_MINUTES", "15")) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "crm.accounts.views.lockout_response"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "crm.core.request_context.client_ip"  # the audit trail's client IP, proxies and all

# --- Internationalisation --------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
FORMAT_MODULE_PATH = ["crm.formats"]  # one date format per language (crm/formats/__init__.py)
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("CRM_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files: installed from npm at set-up, served by WhiteNoise ------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = PROJECT_DIR / "staticfiles"
NODE_MODULES = PROJECT_DIR / "node_modules"
STATICFILES_DIRS = [
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/tom-select", NODE_MODULES / "tom-select" / "dist"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": str(DATA_DIR / "media")}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if not DEBUG else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = DATA_DIR / "media"

# --- REST API ----------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "crm.accounts.authentication.TrackedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "crm.core.api.pagination.StandardPagination",
    "DEFAULT_FILTER_BACKENDS": [
        "crm.core.api.filters.FieldRulesFilterBackend",
        "crm.core.api.filters.IndexedSearchFilter",
        "crm.core.api.filters.StableOrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("CRM_API_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("CRM_API_THROTTLE_USER", "6000/minute"),
    },
    "DEFAULT_VERSIONING_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": "REST API of the CRM. Authenticate with `Authorization: Token <token>` "
    "from POST /api/v1/auth/token/.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Cache (throttling, lockout counters); Redis when CRM_REDIS_URL is set -----------------------------
REDIS_URL = os.environ.get("CRM_REDIS_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# --- Task queue: Huey on SQLite by default, Redis in production ------------------------------------------
HUEY = {
    "name": "crm",
    "immediate": env_bool("CRM_HUEY_IMMEDIATE"),
    "utc": True,
    # An idle worker looks for new tasks at least every second (Huey's default backs off to 10 s): an upload
    # waits for its file to be read (CRM_IMPORT_UPLOAD_WAIT_SECONDS).
    "consumer": {"workers": int(os.environ.get("CRM_WORKERS", "2")), "worker_type": "thread", "max_delay": 1.0},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.PriorityRedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "tasks.sqlite3")})

# --- E-mail ------------------------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("CRM_EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("CRM_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("CRM_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CRM_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("CRM_EMAIL_TLS")
EMAIL_USE_SSL = env_bool("CRM_EMAIL_SSL")
EMAIL_TIMEOUT = 15
DEFAULT_FROM_EMAIL = os.environ.get("CRM_EMAIL_FROM", "CRM <crm@localhost>")
# With no mail server named, mail is kept in the app's outbox (System → Outbox) rather than failed and retried.
EMAIL_BACKEND = os.environ.get("CRM_EMAIL_BACKEND") or (
    "django.core.mail.backends.smtp.EmailBackend" if os.environ.get("CRM_EMAIL_HOST")
    else "crm.notifications.mail.OutboxBackend"
)
CRM_OUTBOX_DAYS = int(os.environ.get("CRM_OUTBOX_DAYS", "30"))

# --- Logging: one JSON object per line, each carrying the request id -------------------------------------
LOG_LEVEL = os.environ.get("CRM_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "crm.core.logging.RequestIdFilter"},
                "client_error": {"()": "crm.core.logging.ClientErrorFilter"}},
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        }
    },
    "handlers": {
        # client_error: a request refused as the client's fault (django.security's 400s) logs its line without
        # a traceback. On the handler, as a logger's filters do not apply to its children's records.
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id", "client_error"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.server": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "huey": {"level": "INFO"},
    },
}

# --- The CRM itself ----------------------------------------------------------------------------------------
CRM_DEMO_PASSWORD = os.environ.get("CRM_DEMO_PASSWORD", "demo")
CRM_API_MAX_PAGE_SIZE = int(os.environ.get("CRM_API_MAX_PAGE_SIZE", "200"))
# Lists count at most this many rows ("500+" past it; crm/core/pagination.py).
CRM_LIST_COUNT_CAP = int(os.environ.get("CRM_LIST_COUNT_CAP", "500"))
# Longer lists are exported as CSV only: an XLSX file must be finished before its download starts.
CRM_EXPORT_XLSX_MAX_ROWS = int(os.environ.get("CRM_EXPORT_XLSX_MAX_ROWS", "100000"))
CRM_SITE_URL = os.environ.get("CRM_SITE_URL", "http://127.0.0.1:8000")
# Imports: the largest file (data rows, bytes) one upload may hold; see docs/import.md.
CRM_IMPORT_MAX_ROWS = int(os.environ.get("CRM_IMPORT_MAX_ROWS", "200000"))
CRM_IMPORT_MAX_BYTES = int(os.environ.get("CRM_IMPORT_MAX_MB", "50")) * 1024 * 1024
# Bounds on what reading one upload may cost, whatever the file claims (docs/configuration.md, "Imports").
CRM_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("CRM_IMPORT_MAX_UNPACKED_MB", "200")) * 1024 * 1024
CRM_IMPORT_MAX_COLUMNS = int(os.environ.get("CRM_IMPORT_MAX_COLUMNS", "200"))
CRM_IMPORT_MAX_CELL_CHARS = int(os.environ.get("CRM_IMPORT_MAX_CELL_CHARS", "32767"))
CRM_IMPORT_MAX_BLANK_ROWS = int(os.environ.get("CRM_IMPORT_MAX_BLANK_ROWS", "10000"))
# Uploads are read by the task queue; the upload request waits this long for it before answering "reading".
CRM_IMPORT_UPLOAD_WAIT_SECONDS = float(os.environ.get("CRM_IMPORT_UPLOAD_WAIT_SECONDS", "3"))
# A running import that has not moved for this long is taken as interrupted and undone.
CRM_IMPORT_STALE_MINUTES = int(os.environ.get("CRM_IMPORT_STALE_MINUTES", "30"))
# Larger files are checked (the dry run) on the task queue, not inside the web request.
CRM_IMPORT_INLINE_PREVIEW_ROWS = int(os.environ.get("CRM_IMPORT_INLINE_PREVIEW_ROWS", "10000"))
# Customer-care greetings go out from this hour of the company's day on (the job runs hourly).
CRM_CARE_SEND_HOUR = int(os.environ.get("CRM_CARE_SEND_HOUR", "9"))

ADMIN_SITE_HEADER = _("CRM administration")

# Lockout is per user name, not per IP: intranet users share a NAT address and must not lock each other out.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
