"""Settings shared by every environment.

With no environment variables set the app runs on embedded defaults: a SQLite file database,
Celery tasks executed eagerly in-process and a local-memory cache. ``DATABASE_URL`` and
``REDIS_URL`` switch it to PostgreSQL and Redis, with Celery tasks sent to a real worker.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

from config.settings.google_sign_in import google_sign_in

BASE_DIR = Path(__file__).resolve().parent.parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    # API tokens: stored as a hash, with an expiry (REST_KNOX below).
    "knox",
    # Sign-in lockout after repeated failures (AXES_* below).
    "axes",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    # Bootstrap 5's CSS and JS as static files (django-bootstrap-static), and its form rendering.
    "bootstrap",
    "django_bootstrap5",
    "django.contrib.humanize",
    # Field-level history of every business model (PostgreSQL triggers; skipped on SQLite).
    "pgtrigger",
    "pghistory",
    # Ours, lowest layer first: each imports only the ones above it in this list.
    "core",
    "accounts",
    "fleet",
    "repairs",
    "staff",
    "students",
    "forecasting",
    "portal",
    "demo",
    "notifications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy on every response (CONTENT_SECURITY_POLICY below).
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: every change in the request records its user, path and address.
    "core.middleware.HistoryContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # After the messages and htmx middleware: an htmx answer carries its messages (HX-Trigger).
    "core.middleware.HtmxMessagesMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    # After the session middleware: slides a signed-in session's idle expiry forward.
    "core.middleware.SessionIdleRefreshMiddleware",
    # Last: turns axes' lockout flag into the lockout page (AXES_LOCKOUT_CALLABLE).
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy, enforced: scripts, styles and everything else come from this site's own
# static files only. No inline <script>, style="" or on*="" handler, no eval (htmx runs with
# allowEval off and without its injected indicator <style>: see base.html and static/js/app.js).
# data: images are the icons in the Swagger UI and admin stylesheets.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "portal.context_processors.navigation",
            ],
            # The interface's formatting filters (money, duration, count, day) on every page.
            # ``{% path %}``, a list's links at a fraction of ``{% url %}``'s cost.
            "builtins": ["core.templatetags.ui", "core.templatetags.links"],
        },
    },
]

# Selects (a filter's 211 locations) are rendered in Python: core.forms.
FORM_RENDERER = "core.forms.FormRenderer"

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
else:
    # SQLite keeps connections per thread; a long-lived one buys nothing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Axes first: it refuses a locked-out username or address before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_TIMEOUT_HOURS", "24")) * 60 * 60

# Sign-in lockout (django-axes): after AXES_FAILURE_LIMIT failures within the cool-off, the
# username is locked, and so separately is the address (one address guessing many usernames),
# until the cool-off has passed or an administrator unlocks it (the Sign-in lockouts page).
# Failures are rows in the database, so the lockout holds with Redis down.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "accounts.views.sessions.lockout"
# Behind reverse proxies the client's address is the one the outermost proxy wrote into
# X-Forwarded-For: set LOGIN_TRUSTED_PROXY_COUNT to their number (docker-compose.yml: 1), or
# every failed sign-in would count against the proxy's own address and lock everyone out.
LOGIN_TRUSTED_PROXY_COUNT = int(os.environ.get("LOGIN_TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "accounts.views.sessions.client_address"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True
# One date format on every page (ISO, as date inputs and the API use), hours in 24 h.
FORMAT_MODULE_PATH = ["config.formats"]
# Money on screen: the district's currency (amounts are kept as decimals without one).
CURRENCY_SYMBOL = "$"

# Bootstrap's alert classes for the message levels; error becomes "danger".
from django.contrib.messages import constants as _message_levels  # noqa: E402

MESSAGE_TAGS = {_message_levels.ERROR: "danger", _message_levels.DEBUG: "secondary"}

# Forms rendered by django-bootstrap5: every field with its label, help text and error.
BOOTSTRAP5 = {
    "css_url": None,
    "javascript_url": None,
    "set_placeholder": False,
    "server_side_validation": True,
    # A filled-in filter is not "valid": no green ticks, only the red of a real error.
    "success_css_class": "",
}

# A filter left open reads "Any", not Django's "---------".
FILTERS_EMPTY_CHOICE_LABEL = "Any"

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Sessions live in the database: with Redis down, cache-backed sessions would turn every
# logged-in page into a 500.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# A session ends after this long without a request (core.middleware.SessionIdleRefreshMiddleware
# slides it forward at most every SESSION_REFRESH_SECONDS), and at browser close when the person
# ticks "This is a shared computer" on the sign-in form.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_IDLE_HOURS", "12")) * 60 * 60
SESSION_REFRESH_SECONDS = 5 * 60

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# API throttle counts (core.api.throttles), kept apart so tests can reset them alone. With Redis
# down the ignoring cache counts nothing and the API stays open rather than failing.
CACHES["throttle"] = {**CACHES["default"], "KEY_PREFIX": "throttle", "LOCATION": REDIS_URL or "throttle"}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "fleetdesk@localhost")
# SMTP in production: EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend and these.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "") == "1"
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "10"))
# Where links in emails point: https://FLEETDESK_HOST unless SITE_URL says otherwise.
SITE_URL = os.environ.get("SITE_URL") or (
    f"https://{os.environ['FLEETDESK_HOST']}" if os.environ.get("FLEETDESK_HOST") else "http://localhost:8000"
)

# Reminders (notifications): a loaner is overdue this many days after its device was repaired;
# an email left pending or sending this long is queued again; a failing one is tried this often.
LOAN_RETURN_GRACE_DAYS = int(os.environ.get("LOAN_RETURN_GRACE_DAYS", "3"))
NOTIFICATION_STALE_MINUTES = int(os.environ.get("NOTIFICATION_STALE_MINUTES", "15"))
NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATION_MAX_ATTEMPTS", "5"))

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Knox tokens, sent as "Authorization: Token <key>" or "Bearer <key>".
        "accounts.api.authentication.TokenAuthentication",
    ],
    # Per caller: by user id when signed in, by address otherwise (429 with Retry-After).
    "DEFAULT_THROTTLE_CLASSES": [
        "core.api.throttles.AnonRateThrottle",
        "core.api.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "60/minute"),
        "user": os.environ.get("API_THROTTLE_USER", "600/minute"),
    },
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.HasAnyRole",
    ],
    # JSON only: DRF's browsable pages need inline style, which the Content-Security-Policy refuses;
    # people explore the API at /api/docs/.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Page numbers with a count that stops at 10,000 (count_is_capped says so): an exact COUNT(*)
    # over a million tickets cost 100 ms on every page.
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CappedPageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.exception_handler",
}

# API tokens (django-rest-knox): only a SHA-512 digest is stored; a token stops working after
# API_TOKEN_TTL_DAYS, when revoked on the token page, or when its user is deactivated.
REST_KNOX = {
    "TOKEN_TTL": timedelta(days=int(os.environ.get("API_TOKEN_TTL_DAYS", "90"))),
    "TOKEN_LIMIT_PER_USER": int(os.environ.get("API_TOKEN_LIMIT_PER_USER", "10")),
    "AUTO_REFRESH": False,
}

# Google sign-in (django-allauth) for existing district accounts, only when
# GOOGLE_OAUTH_CLIENT_ID and GOOGLE_OAUTH_CLIENT_SECRET are set (config/settings/google_sign_in.py).
_google = google_sign_in(os.environ)
GOOGLE_SIGN_IN_ENABLED = _google.enabled
GOOGLE_SIGN_IN_HOSTED_DOMAIN = _google.hosted_domain
INSTALLED_APPS += _google.installed_apps
MIDDLEWARE[-1:-1] = _google.middleware  # before AxesMiddleware, which stays last
globals().update(_google.settings)
if _google.enabled:
    # "Sign in with Google" posts a form that is redirected to Google, and browsers hold the
    # redirect of a form post to form-action.
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append("https://accounts.google.com")

SPECTACULAR_SETTINGS = {
    "TITLE": "FleetDesk API",
    "DESCRIPTION": "Devices, repairs, parts stock, forecasts and staff rules for school district IT.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated", "accounts.permissions.HasAnyRole"],
    "COMPONENT_SPLIT_REQUEST": True,
    # One schema name per choice set used by several fields (status, from_status, to_status).
    "ENUM_NAME_OVERRIDES": {
        "DeviceStatusEnum": "fleet.choices.DeviceStatus",
        "CustodyEventKindEnum": "fleet.choices.CustodyEventKind",
        "LocationKindEnum": "fleet.choices.LocationKind",
        "ImportMappingKindEnum": "fleet.choices.ImportMappingKind",
        "ImportJobStatusEnum": "fleet.choices.ImportJobStatus",
        "OvertimeRequestStatusEnum": "staff.choices.OvertimeRequestStatus",
        "TimeEntryKindEnum": "staff.choices.TimeEntryKind",
        "TimesheetStatusEnum": "staff.choices.TimesheetStatus",
        "TicketStatusEnum": "repairs.choices.TicketStatus",
        "PurchaseOrderStatusEnum": "repairs.choices.PurchaseOrderStatus",
        "ForecastRunStatusEnum": "forecasting.choices.ForecastRunStatus",
        "ChargeStatusEnum": "students.choices.ChargeStatus",
    },
    # Served from the package, not a CDN: the app works with no internet.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Celery: with REDIS_URL set, tasks go to a real worker through Redis; without it they run
# eagerly in-process so the app needs nothing installed.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
# Sending a task must fail within a second or two when Redis is down or hangs, so the request
# answers 503 "try again" instead of hanging: short connect and socket timeouts on the broker and
# the result backend, no publish retries (core.tasks.enqueue) and one quick reconnect attempt by
# the result backend (its default, 20 attempts a second apart, held a request for 20 s).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 2 * 60 * 60,
    "socket_connect_timeout": 1,
    "socket_timeout": 2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_REDIS_SOCKET_TIMEOUT = 2
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2},
}
CELERY_RESULT_EXPIRES = 24 * 60 * 60
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    # Every night at 01:00, 01:10 and 01:20 district time: rebuild the summary tables the reports
    # read (devices per school, status and AUE; parts usage per month; retirements per model and
    # school year), one after another so they do not compete for the two cores.
    "device-tally-refresh": {
        "task": "fleet.tasks.device_tally_refresh_task",
        "schedule": crontab(hour=1, minute=0),
    },
    "part-usage-tally-refresh": {
        "task": "repairs.tasks.part_usage_tally_refresh_task",
        "schedule": crontab(hour=1, minute=10),
    },
    "model-year-tally-refresh": {
        "task": "forecasting.tasks.model_year_tally_refresh_task",
        "schedule": crontab(hour=1, minute=20),
    },
    # Every night at 03:30 district time: drop expired login sessions from the database.
    "sessions-clear-expired": {
        "task": "core.tasks.session_clear_expired_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # Every night at 02:00 district time: forecast parts demand and refresh reorder suggestions.
    "forecast-nightly": {
        "task": "forecasting.tasks.forecast_nightly_task",
        "schedule": crontab(hour=2, minute=0),
    },
    # Every minute: fail forecast runs whose worker stopped sending heartbeats, so a lost worker
    # is noticed within FORECAST_STALE_AFTER_MINUTES.
    "forecast-runs-sweep-stale": {
        "task": "forecasting.tasks.forecast_runs_sweep_task",
        "schedule": crontab(minute="*"),
    },
    # Every night at 01:00 district time: read the Chromebooks from Google Admin into the
    # inventory (skipped, with a log line, while the sync is not configured).
    "google-sync-nightly": {
        "task": "fleet.tasks.google_sync_task",
        "schedule": crontab(hour=1, minute=0),
    },
    # Every 2 minutes: start tonight's nightly forecast once more if its first attempt failed.
    "forecast-nightly-retry": {
        "task": "forecasting.tasks.forecast_nightly_retry_task",
        "schedule": crontab(minute="*/2"),
    },
    # Every hour, on the quarter: delete device-import files kept by previews nobody confirmed.
    "device-import-uploads-sweep": {
        "task": "fleet.tasks.import_uploads_sweep_task",
        "schedule": crontab(minute=15),
    },
    # Every hour, at twenty-five past: email the reminders people get as they happen (overdue
    # loaners, devices not back after a collection, overtime to decide, low stock) and requeue
    # emails stuck pending. Each event is emailed once however often this runs.
    "notifications-dispatch": {
        "task": "notifications.tasks.notifications_dispatch_task",
        "schedule": crontab(minute=25),
    },
    # Every Monday at 06:30 district time: one digest per person of everything still waiting in the
    # kinds they chose weekly.
    "notifications-weekly-digest": {
        "task": "notifications.tasks.weekly_digest_send_task",
        "schedule": crontab(hour=6, minute=30, day_of_week="mon"),
    },
    # Every hour, on the quarter: delete roster exports kept by previews nobody confirmed.
    "roster-import-uploads-sweep": {
        "task": "students.tasks.roster_uploads_sweep_task",
        "schedule": crontab(minute=15),
    },
}

# Device imports: the largest file (bytes) and the most rows one import takes. Larger ones are
# refused before anything is kept, naming the file.
DEVICE_IMPORT_MAX_BYTES = int(os.environ.get("DEVICE_IMPORT_MAX_BYTES", str(300 * 1024 * 1024)))
DEVICE_IMPORT_MAX_ROWS = int(os.environ.get("DEVICE_IMPORT_MAX_ROWS", "1000000"))

# History (pghistory): each change is stamped with the moment it was made, not the start of its
# transaction, so changes within one request keep their order.
PGHISTORY_CREATED_AT_FUNCTION = "clock_timestamp()"

# Parts forecast: parts per Celery chunk, and how long a run may go without a heartbeat before
# the sweep marks it failed (a worker killed mid-run). A working chunk beats every 30 seconds.
FORECAST_CHUNK_SIZE = int(os.environ.get("FORECAST_CHUNK_SIZE", "100"))
FORECAST_STALE_AFTER_MINUTES = int(os.environ.get("FORECAST_STALE_AFTER_MINUTES", "4"))

# Live sync from Google Admin (fleet.services.google_sync): a service account key file with
# domain-wide delegation for the read-only ChromeOS device scope, the admin it acts as, and the
# Google Workspace customer ("my_customer" is the admin's own). Unset, the sync page says how.
GOOGLE_SERVICE_ACCOUNT_FILE = os.environ.get("GOOGLE_SERVICE_ACCOUNT_FILE", "")
GOOGLE_ADMIN_SUBJECT = os.environ.get("GOOGLE_ADMIN_SUBJECT", "")
GOOGLE_CUSTOMER_ID = os.environ.get("GOOGLE_CUSTOMER_ID", "") or "my_customer"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
