import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from tracker import __version__
from tracker.cache import caches_on

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name, default=False):
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_required(name):
    value = os.environ.get(name)
    if not value:
        raise ImproperlyConfigured(f"Set the {name} environment variable.")
    return value


DEBUG = env_bool("DEBUG", False)
# What is deployed, in every cache key and validator of the reader pages: a new release renders
# them afresh. Set it to something that changes with each deployment (a commit id); every
# worker and app server of one deployment must have the same.
RELEASE_ID = os.environ.get("RELEASE_ID") or __version__
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "simple_history",
    "axes",
    "django_tasks_db",
    "negotiations",
    "following",
]

MIDDLEWARE = [
    # First: which database the request reads (a replica for anonymous reads).
    "tracker.db_router.ReplicaMiddleware",
    "tracker.security.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tracker.security.RefuseNulInQueryMiddleware",
    "tracker.security.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # After the middlewares that dress every response (security headers, CSP, CORS, frames),
    # before those an anonymous repeat read has no use for (sessions, CSRF, users, messages,
    # history): it answers stored copies and 304s without them.
    "negotiations.caching.reader_http.AnonymousCacheMiddleware",
    # Reads the cache tokens a request needs (permissions, previews) in one round trip.
    "negotiations.caching.tokens.TokensMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {
    # An empty DATABASE_URL means the default, as an unset one does.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Read replicas (tracker.db_router, README "Scaling out"): readers' reads go to one of these
# PostgreSQL streaming replicas, skipped while down or more than DATABASE_REPLICA_MAX_LAG
# seconds behind the primary.
DATABASE_REPLICA_MAX_LAG = float(os.environ.get("DATABASE_REPLICA_MAX_LAG") or 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has no row locks (select_for_update does nothing): a transaction that read
    # first and writes later cannot wait for another writer, it fails at once with
    # "database is locked". Each transaction takes the write lock when it begins, so
    # concurrent writes queue (up to "timeout" seconds) and the version check sees the
    # winner's write: one save wins, the others get 412. The cost: API reads, which run
    # in the request's transaction too (ATOMIC_REQUESTS), queue behind a write as well;
    # the reader pages run outside one and are not held up.
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"] |= {"transaction_mode": "IMMEDIATE", "timeout": 20}
for number, url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    replica = dj_database_url.parse(url, conn_health_checks=True)
    DATABASES[f"replica{number}"] = {
        **replica,
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        # The primary's session options (above), and the replica's own (connect_timeout).
        "OPTIONS": {**DATABASES["default"].get("OPTIONS", {}), **replica.get("OPTIONS", {})},
        "ATOMIC_REQUESTS": False,  # reads only: no BEGIN and COMMIT around them
        "TEST": {"MIRROR": "default"},
    }
DATABASE_ROUTERS = ["tracker.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT") or BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]

# A request body over 1 MB is refused (the API answers 413).
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Anyone reads (published records only); writes need the role's model permission.
    "DEFAULT_PERMISSION_CLASSES": ["negotiations.api.permissions.ModelPermissionsOrReadOnly"],
    "DEFAULT_PARSER_CLASSES": ["negotiations.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "negotiations.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "negotiations.api.pagination.KeysetPagination",
    "EXCEPTION_HANDLER": "negotiations.api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "negotiations.api.throttling.AnonRateThrottle",
        "negotiations.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_THROTTLE_ANON", "300/min"),
        "user": os.environ.get("API_THROTTLE_USER", "1000/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# Article extraction (POST /api/v1/extractions/, the admin's "From an article"): per user.
API_THROTTLE_EXTRACTION = os.environ.get("API_THROTTLE_EXTRACTION", "20/min")

SPECTACULAR_SETTINGS = {
    "TITLE": "Parley API",
    "DESCRIPTION": (
        "The negotiation record: actors, negotiations, sources and timeline entries. "
        "Anyone may read what is published; journalists write with "
        "`Authorization: Token <key>`, editors also publish and delete. Dates are EDTF "
        'strings of their own precision ("2025", "2025-02", "2025-02-23"). Every list is '
        "cursor-paginated: follow `next`. GETs carry an ETag: send it back as "
        "If-None-Match for a 304. PUT, PATCH and DELETE of an existing record need If-Match "
        "with that ETag, or the record's `version` in the body (428 without; 412 when stale). "
        "A journalist's change of a live entry is held for an editor (202). Entries' `state`, "
        "`publish_at` and `pending_revision` are shown to staff only."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "negotiations.api.serializers.staff_only_fields_not_required",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ActorKind": "negotiations.models.Actor.Kind",
        "NegotiationStatus": "negotiations.models.Negotiation.Status",
        "ProposalStatus": "negotiations.models.ProposalStatus",
        "StatementKind": "negotiations.models.Statement.Kind",
        "Stance": "negotiations.models.Stance",
        "EventKind": "negotiations.models.Event.Kind",
        "ExpectationOutcome": "negotiations.models.Expectation.Outcome",
        "ExpectationProgress": "negotiations.models.ExpectationProgress",
        "DatePrecision": "negotiations.dates.DatePrecision",
        "EntryType": "negotiations.models.EntryType",
        "PublicationState": "negotiations.models.PublicationState",
        # What the article extraction may save accepted suggestions as.
        "UnpublishedState": ["draft", "review"],
    },
}

# Reads from any origin (embeds, data desks); writes stay same-origin.
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Retry-After", "Last-Modified"]
CORS_URLS_REGEX = r"^/(api|embed)/.*$"

# "default": rendered pages and what a negotiation's pages share, under versioned keys;
# "throttle": the API's rate counters, one small number per client and minute, kept apart so
# that a crowd of clients never pushes the pages out; "reader_versions": each negotiation's
# reader version, so that a repeat read asks no database (only when shared: without Redis it
# is the dummy cache, and each read asks the database). With REDIS_URL, all three live in that
# Redis (shared by every worker and app server; give it a maxmemory and an LRU eviction policy), and
# if it stops answering, pages are served uncached and rate limits let requests through
# (tracker.cache). Every key of "default" names the version of its value (the value under a
# key never changes): each process keeps what it read from it for 5 s. Without Redis, each
# worker keeps its own in memory (the embedded default).
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = caches_on(REDIS_URL)
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "parley",
            "OPTIONS": {"MAX_ENTRIES": 1_000},
        },
        "throttle": {
            "BACKEND": "tracker.cache.CountingLocMemCache",
            "LOCATION": "parley-throttle",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
        "reader_versions": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }

# The HTTP cache in front (Varnish, or a CDN): README "Scaling out", negotiations.caching.edge.
# EDGE_PURGE_URLS: where each reader event's soft purge goes (comma-separated; empty: no
# edge to purge). With it, the edge keeps reader responses for EDGE_CACHE_SECONDS (until
# midnight at most) and the purges keep them fresh; without it, for 10 s.
# EDGE_KEY_HEADERS: the headers naming each response's keys: xkey (Varnish),
# Surrogate-Key (Fastly), Cache-Tag (Cloudflare).
EDGE_PURGE_URLS = env_list("EDGE_PURGE_URLS")
EDGE_KEY_HEADERS = env_list("EDGE_KEY_HEADERS", "xkey")
EDGE_CACHE_SECONDS = int(os.environ.get("EDGE_CACHE_SECONDS") or (86400 if EDGE_PURGE_URLS else 10))
# Each purge is sent again this much later, for a copy fetched just before the commit (or
# from a replica behind it): the replicas' lag bound and a second.
EDGE_PURGE_REPEAT_SECONDS = float(
    os.environ.get("EDGE_PURGE_REPEAT_SECONDS") or DATABASE_REPLICA_MAX_LAG + 1
)

# Background tasks (Django's tasks framework): kept in the database, run by
# ``manage.py run_worker`` (README: The task worker). Lifting embargoes is one; the
# fan-out of alerts and webhooks (``following.tasks``) has its own queue, "follow".
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "follow"]}}

# Links in mails and webhooks (the worker has no request to read a host from):
# https in production (production.py refuses anything else).
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Mail (following's alerts, digests and confirmations): Django's mailers, SMTP from the
# environment (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
# EMAIL_USE_TLS); EMAIL_BACKEND may name another backend: the console in development
# (``make run``), or django-anymail's for a provider's API (configured by its own
# ANYMAIL setting).
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


def mailer_from_environment(default_backend=SMTP_BACKEND):
    backend = os.environ.get("EMAIL_BACKEND") or default_backend
    options = {}
    if backend == SMTP_BACKEND:
        options = {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", "25")),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "timeout": int(os.environ.get("EMAIL_TIMEOUT", "30")),
        }
    return {"BACKEND": backend, "OPTIONS": options}


MAILERS = {"default": mailer_from_environment()}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Parley <alerts@localhost>")

# Sign-ups to follow (per hour): from one client address, and for one email address.
FOLLOW_THROTTLE_CLIENT = int(os.environ.get("FOLLOW_THROTTLE_CLIENT", "20"))
FOLLOW_THROTTLE_ADDRESS = int(os.environ.get("FOLLOW_THROTTLE_ADDRESS", "5"))

# Webhooks go to https URLs on public addresses only; true lifts both (tests and drills
# with a plain-http receiver on 127.0.0.1). Never in production.
WEBHOOK_ALLOW_PRIVATE = env_bool("WEBHOOK_ALLOW_PRIVATE", False)

LOGIN_URL = "admin:login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Django's own "django" logger has a console handler under DEBUG; without this its
    # lines would print twice (once there, once again at the root).
    "loggers": {"django": {"handlers": ["console"], "propagate": False}},
}

# --------------------------------------------------------------------------- #
# Security (production.py adds HTTPS, HSTS and secure cookies)
# --------------------------------------------------------------------------- #

# Proxies in front of gunicorn that append to X-Forwarded-For (0: clients connect
# directly). The client's address for sign-in lockouts and API throttling is the entry
# this many places from the right; see tracker.security.client_ip.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT

# Content Security Policy, enforced everywhere (so development and tests see what
# production refuses): our own scripts, styles, fonts and images only, never inline
# script. No framing, except the embed pages (tracker.security: views marked
# @xframe_options_exempt drop frame-ancestors).
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Under /api/: DRF's browsable API, Swagger UI and Redoc are third-party templates
# with inline styles (and style attributes); their scripts are still our own files.
# Redoc builds its search index in a worker made from a blob: URL.
SECURE_CSP_API = {
    **SECURE_CSP,
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "worker-src": [CSP.SELF, "blob:"],
}
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Admin sign-in against password guessing (django-axes): after AXES_FAILURE_LIMIT
# failed attempts from one client address, sign-in from it is paused until
# AXES_COOLOFF_MINUTES have passed since the last failure (then the count restarts).
# By address, not by username, so that nobody can lock an editor out from elsewhere;
# the address is the real client's behind proxies (TRUSTED_PROXY_COUNT).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "negotiations.caching.permissions.CachedPermissionsBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "tracker.security.client_ip"
AXES_LOCKOUT_CALLABLE = "tracker.security.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False  # no banner on every manage.py command; lockouts are still logged
