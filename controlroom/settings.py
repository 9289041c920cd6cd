"""Settings for Control Room CAD, configured from the environment (django-environ).

Embedded defaults (no DATABASE_URL / REDIS_URL): a SQLite file, the in-memory channel layer and
the beat schedule run in-process, so `make run` is a working demo on a fresh machine.
Production: PostgreSQL, Redis (channel layer and Celery broker), ASGI workers, a Celery worker
and one beat. See README.md for the table of variables.
"""

import secrets
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# The management command this process runs ("" for a server, a worker or tests).
_command = sys.argv[1] if len(sys.argv) > 1 and sys.argv[0].endswith("manage.py") else ""

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-" + "x" * 40)
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    # Commands that sign nothing (checking migrations, collecting static files) may run in a
    # checkout with no configuration; anything that serves or signs needs the real key.
    if not SECRET_KEY and _command in {"makemigrations", "showmigrations", "collectstatic"}:
        SECRET_KEY = secrets.token_urlsafe(50)
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "channels",
    "axes",
    "csp",
    "core",
    "premises",
    "cad",
    "riskflags",
    "intelligence",
    "monitoring",
    "staffing",
    "dispatch",
    "reports",
]

MIDDLEWARE = [
    # A view that meets an unavailable database or Redis answers 503 with Retry-After.
    "core.unavailable.ServiceUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.NoStoreMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.ControlCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.LoginRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
    "core.middleware.QuietForbiddenMiddleware",
    # The project's 404 page even with DEBUG on (the demo): never Django's list of every route.
    "core.middleware.NotFoundPageMiddleware",
]

ROOT_URLCONF = "controlroom.urls"
ASGI_APPLICATION = "controlroom.asgi.application"
WSGI_APPLICATION = "controlroom.wsgi.application"

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
                "core.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'controlroom.sqlite3'}")
}
# Two roles on PostgreSQL: the app (web, worker, beat) connects with DATABASE_URL as a role that
# may read and write rows but owns nothing (no TRUNCATE, ALTER, DISABLE TRIGGER: the audit stays
# append-only); migrations, and the grants after them, connect with MIGRATE_DATABASE_URL as the
# tables' owner. See core/dbroles.py and the README.
MIGRATE_DATABASE_URL = env("MIGRATE_DATABASE_URL", default="")
OWNER_COMMANDS = {"migrate", "db_app_role", "createcachetable"}
if MIGRATE_DATABASE_URL and _command in OWNER_COMMANDS:
    DATABASES["default"] = env.db("MIGRATE_DATABASE_URL")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default: the in-process scan writes while requests write, so wait for the
    # lock instead of failing, and take the write lock at BEGIN to avoid upgrade deadlocks.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
else:
    # A unix-socket directory may be given percent-encoded as DATABASE_URL's host (`make stack`
    # reaches PgBouncer that way): django-environ passes it on encoded.
    DATABASES["default"]["HOST"] = unquote(DATABASES["default"].get("HOST") or "")
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Behind PgBouncer's transaction pooling (DATABASE_POOL_MODE=transaction, as `make stack` and
    # docker-compose run it) a session outlives no transaction: no server-side cursors, which
    # `.iterator()` would otherwise hold open between transactions (Django's pgbouncer advice).
    DATABASE_POOL_MODE = env("DATABASE_POOL_MODE", default="")
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = DATABASE_POOL_MODE == "transaction"
# An answer to a request that found the database unavailable (exhausted, restarting): 503 with
# this Retry-After, in seconds (core/unavailable.py).
DATABASE_RETRY_AFTER_SECONDS = env.int("DATABASE_RETRY_AFTER_SECONDS", default=5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, channel layer, Celery -------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
# The test suite runs in pytest-xdist workers (PYTEST_XDIST_WORKER = gw0, gw1, ...): each worker
# gets its own Redis database and channel prefix, as pytest-django gives each its own test
# database, so a test that empties Redis or listens to a group never sees another worker's.
XDIST_WORKER = env("PYTEST_XDIST_WORKER", default="")
if REDIS_URL and XDIST_WORKER:
    _redis = urlsplit(REDIS_URL)
    _db = int(_redis.path.strip("/") or 0) + int(XDIST_WORKER.removeprefix("gw"))
    REDIS_URL = urlunsplit(_redis._replace(path=f"/{_db}"))
# A channel-layer group forgets a member this long after it last joined; every live socket joins
# again every LIVE_GROUP_REJOIN_SECONDS (core/consumers.py). So a web process that dies without
# leaving its groups stops being sent pushes within the expiry (the default was 24 hours).
LIVE_GROUP_EXPIRY_SECONDS = env.int("LIVE_GROUP_EXPIRY_SECONDS", default=90)
LIVE_GROUP_REJOIN_SECONDS = env.float("LIVE_GROUP_REJOIN_SECONDS", default=30)
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout, the same as channels_redis' blocking
                # receive (BZPOPMIN 5 s): under load a consumer's read times out and its socket
                # drops. A longer socket timeout leaves the blocking receive room to return.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                "prefix": env("CHANNEL_PREFIX", default="cad") + XDIST_WORKER,
                # channels_redis drops group messages beyond a socket's backlog (default 100):
                # a scan catching up after a restart can raise more at once than that.
                "capacity": env.int("CHANNEL_CAPACITY", default=1000),
                "group_expiry": LIVE_GROUP_EXPIRY_SECONDS,
            },
        }
    }
    CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"group_expiry": LIVE_GROUP_EXPIRY_SECONDS},
        }
    }
    CELERY_BROKER_URL = "memory://"
    # No broker: a task sent from a service runs at once, in the same process.
    CELERY_TASK_ALWAYS_EAGER = True

# Without Redis there is no Celery beat: the ASGI process runs the same schedule in a thread.
EMBEDDED_SCHEDULER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Beat entries: name -> {"task": dotted task name, "schedule": seconds}. Apps add theirs here;
# the embedded scheduler reads the same table.
CELERY_BEAT_SCHEDULE = {
    # Markers: expiry at expires_at, START-contact alerts, review reminders (idempotent).
    "riskflags-lifecycle": {"task": "riskflags.lifecycle", "schedule": 60.0},
}
# Response-time monitoring: the scan every second; a run that could not start within a few
# seconds is dropped (the next one catches up from its cursor). Staffing gaps every 5 s. The
# entries and task names keep the "dispatch." prefix they had before monitoring and staffing
# were apps of their own, so a running beat and queued messages carry on unchanged.
CELERY_BEAT_SCHEDULE["dispatch.scan_response_times"] = {
    "task": "dispatch.scan_response_times",
    "schedule": 1.0,
    "options": {"expires": 5},
}
CELERY_BEAT_SCHEDULE["dispatch.check_staffing"] = {
    "task": "dispatch.check_staffing",
    "schedule": 5.0,
    "options": {"expires": 10},
}
# Diverts (dispatch): an approved divert with no replacement unit escalates after this long.
DIVERT_ESCALATE_MINUTES = env.int("DIVERT_ESCALATE_MINUTES", default=5)
CELERY_BEAT_SCHEDULE["dispatch.divert_escalation"] = {
    "task": "dispatch.divert_escalation",
    "schedule": 10.0,
    "options": {"expires": 20},
}
# A BREACHED alert unacknowledged this long is ESCALATED to inspectors and supervisors.
CAD_BREACH_ESCALATE_AFTER_MINUTES = env.float("CAD_BREACH_ESCALATE_AFTER_MINUTES", default=2)
# A unit's status may carry the crew's device time (`at`): accepted up to this old (older is for
# the control room to correct), and up to this far ahead of the server's clock.
UNIT_STATUS_DEVICE_TIME_WINDOW_MINUTES = env.int(
    "UNIT_STATUS_DEVICE_TIME_WINDOW_MINUTES", default=60
)
UNIT_STATUS_CLOCK_SKEW_SECONDS = env.int("UNIT_STATUS_CLOCK_SKEW_SECONDS", default=30)

# --- Auth ------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
# Username and address together: a whole control room shares one address, so locking by
# address alone would lock every desk out at once.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The address of a failed login (django-ipware through axes). Served directly (make run, daphne),
# the peer's address only: a header a client writes is never trusted. Behind `make stack`'s and
# docker-compose's nginx (scripts/nginx_conf.py), which replaces X-Forwarded-For with the
# address it sees, that header: otherwise every desk would be the proxy's 127.0.0.1.
TRUST_X_FORWARDED_FOR = env.bool("TRUST_X_FORWARDED_FOR", default=False)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUST_X_FORWARDED_FOR else ("REMOTE_ADDR",)
)

# --- API -------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Bodies are JSON (API.md). Form parsing would read a missing boolean as false and let a
    # request the schema calls invalid through; any other media type is a 415.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Control Room CAD API",
    "DESCRIPTION": "Public API v1: see shared/API.md for the contract.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # One name per choice set, so the schema (and `check --deploy`) stays clean.
    "ENUM_NAME_OVERRIDES": {
        "GradeEnum": "cad.models.Grade",
        "ChannelEnum": "cad.models.Channel",
        "AreaEnum": "cad.models.Area",
        "IncidentStatusEnum": "cad.models.IncidentStatus",
        "GradeRequestStatusEnum": "cad.models.GradeRequest.Status",
        "AlertKindEnum": "monitoring.models.AlertKind",
        "AlertStatusEnum": "monitoring.models.AlertStatus",
        "UnitStatusEnum": "dispatch.models.UnitStatus",
        "UnitTypeEnum": "dispatch.models.UnitType",
        "AssignmentStatusEnum": "dispatch.models.AssignmentStatus",
        "DivertStatusEnum": "dispatch.models.DivertStatus",
        "InspectorTaskStatusEnum": "dispatch.models.InspectorTaskStatus",
        "StaffRoleEnum": "core.roles.Role",
        "MarkerStatusEnum": "riskflags.models.MarkerStatus",
        "CheckRequestStatusEnum": "intelligence.models.CheckRequest.Status",
        "CheckRequestOutcomeEnum": "intelligence.models.CheckRequest.Outcome",
        "VictimContactOutcomeEnum": "riskflags.models.ContactOutcome",
        "FindingOutcomeEnum": "reports.models.FindingOutcome",
    },
}

# --- Time, language, static --------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", default="Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"


def _package_static(package: str, folder: str) -> tuple[str, str]:
    """(prefix, folder) of static files a pinned package ships, found without importing it."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    return folder, str(Path(spec.submodule_search_locations[0]) / "static" / folder)


# Leaflet (the live map) from django-leaflet's static files, served as static/leaflet/...; the
# package is not an installed app (it would need GeoDjango's GDAL for what the map never uses).
STATICFILES_DIRS = [BASE_DIR / "static", _package_static("leaflet", "leaflet")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if env.bool("STATIC_MANIFEST", default=not DEBUG)
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Serve static files straight from the apps in development and tests (no collectstatic needed).
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

# --- Security (production defaults; `make stack` on plain http turns the TLS-only ones off) -----
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_AGE = 12 * 3600  # one control-room shift
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp): scripts, styles and sockets from this site only; no
# inline script or style, no eval, no plugins, no framing, forms post only here. A page that
# needs an inline script moves it to a file under static/js/.
# The live map's tile layer: a force's own tile server or a national mapping API, as a Leaflet
# URL template ("https://tiles.example.police.uk/{z}/{x}/{y}.png") with its attribution. Empty:
# the map draws positions on a plain grid with their coordinates (no tiles fetched).
MAP_TILE_URL = env("MAP_TILE_URL", default="")
MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", default="")
MAP_TILE_MAX_ZOOM = env.int("MAP_TILE_MAX_ZOOM", default=19)


def _tile_origin(url: str) -> list[str]:
    """The tile server's origin, for img-src: the map may load tiles from it and nowhere else."""
    from urllib.parse import urlsplit

    parts = urlsplit(url.replace("{s}", "a"))
    if not (parts.scheme and parts.netloc):
        return []
    host = parts.netloc.replace("a.", "*.", 1) if "{s}." in url else parts.netloc
    return [f"{parts.scheme}://{host}"]


CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *_tile_origin(MAP_TILE_URL)],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The one-second scan would otherwise log two lines a second forever.
        "celery.app.trace": {"level": env("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
    },
}

# --- Product settings -------------------------------------------------------------------------
LIVE_TICKET_SECONDS = 30
# A force's own grading lexicon (TOML, same shape as cad/grading/lexicon.toml); unset: the default.
GRADING_LEXICON_PATH = env("GRADING_LEXICON_PATH", default=None)
# Train the grading text models as a server process starts (controlroom/startup.py, from the
# ASGI and WSGI entry points), in a background thread (about 4 s on 2 cores); off: they train
# when the first call is assessed.
GRADING_TRAIN_AT_START = env.bool("GRADING_TRAIN_AT_START", default=True)
PHONE_DEFAULT_REGION = "GB"
