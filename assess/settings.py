"""Django settings, read from environment variables only.

Development defaults are safe to run on a laptop (SQLite, filesystem broker, DEBUG on).
Production is DJANGO_DEBUG=0, which refuses to start without DJANGO_SECRET_KEY.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

from grader.engine.envparse import ConfigError, env_bool, env_float, env_int, env_list, env_str

from . import logredact as _logredact
from .envconfig import email_settings
from .sso import APPS as SSO_APPS

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("NORMASSESS_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError(
            "DJANGO_SECRET_KEY is not set and DJANGO_DEBUG=0: refusing to start in "
            "production without a secret key"
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list(
    "DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else []
)
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigError("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0")
# Origins a browser's form post may come from, e.g. "https://assess.example.com" (behind a
# TLS proxy Django sees the proxy's scheme through SECURE_PROXY_SSL_HEADER).
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
for _origin in CSRF_TRUSTED_ORIGINS:
    if not _origin.startswith(("https://", "http://")):
        raise ConfigError(
            f"DJANGO_CSRF_TRUSTED_ORIGINS entry {_origin!r} must start with https:// or http://"
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    "django_prometheus",
    "assess",
    "assess.api",
    "assess.privacy",
    "assess.audit",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "assess.accounts",
    "assess.integrations",
    "assess.library",
    "assess.evidence",
    "assess.scim",
    *SSO_APPS,
    "quizzes",
    "grader.apps.GraderConfig",
]

MIDDLEWARE = [
    # First and last: request counts and latencies per view (docs/operations.md, Metrics).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # django-allauth's sign-in flow (stages such as the second factor) needs it.
    "allauth.account.middleware.AccountMiddleware",
    # The organization's timeouts, required second factor, members' sessions (assess/accounts).
    "assess.accounts.middleware.SecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last of the auth middleware: answers a locked-out login with its own page.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses any login for a username + address that failed too often.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "assess.urls"
WSGI_APPLICATION = "assess.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "assess" / "templates"],
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
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        # A kept connection is checked before reuse: after a database restart the next
        # request reconnects instead of failing on the dead connection.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the Celery worker share the file: wait for locks instead of
    # failing, and take the write lock when a transaction starts (no upgrade deadlocks).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # Tests: a file database (one per test run), so a real worker subprocess can open it.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-db-{os.getpid()}.sqlite3")}
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
STATIC_ROOT = BASE_DIR / "staticfiles"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# TLS. Production runs behind the compose file's TLS proxy, which sets X-Forwarded-Proto;
# only trust that header when a proxy that always sets it stands in front (else a client
# could claim https).
if env_bool("DJANGO_TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# The proxy's health probe and Prometheus may speak plain HTTP inside the private network.
SECURE_REDIRECT_EXEMPT = [r"^metrics$", r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Content-Security-Policy (django-csp): scripts only from this site, or inline ones that
# carry the request's nonce (`<script nonce="{{ request.csp_nonce }}">`). Styles may be
# inline: the code editor (Ace) and htmx insert style elements at run time.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        # Ace runs its syntax checker in a web worker built from a blob.
        "worker-src": [SELF, "blob:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Sign-in throttling (django-axes, with the handler in assess/signin_throttling.py) for the
# hiring team's and the admin's sign-in pages. Three counters of failed sign-ins, each locked
# at its own limit until AXES_COOLOFF_MINUTES after its latest failures, even for the right
# password: one username from one address (AXES_FAILURE_LIMIT), one address over all
# usernames (AXES_ADDRESS_FAILURE_LIMIT: a spray), one username over all addresses
# (AXES_USERNAME_FAILURE_LIMIT: a distributed guess). Past half its limit a counter also asks
# for a pause after each failure, AXES_DELAY_SECONDS doubled per failure up to
# AXES_DELAY_MAX_SECONDS; an attempt inside the pause is refused unchecked and uncounted (a
# sleep instead would hold one of gunicorn's few sync workers per attacker's request).
# Counters live in the database.
AXES_HANDLER = "assess.signin_throttling.SigninThrottleHandler"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address", "username"]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
# Read by the handler, not by axes itself:
AXES_ADDRESS_FAILURE_LIMIT = env_int("AXES_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
AXES_USERNAME_FAILURE_LIMIT = env_int("AXES_USERNAME_FAILURE_LIMIT", 10, minimum=1)
AXES_DELAY_SECONDS = env_int("AXES_DELAY_SECONDS", 2, minimum=0)
AXES_DELAY_MAX_SECONDS = env_int("AXES_DELAY_MAX_SECONDS", 60, minimum=0)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
# The handler compares each counter with its own limit; axes's own check (the largest counter
# against AXES_FAILURE_LIMIT) would lock an address at the pair's limit.
AXES_LOCK_OUT_AT_FAILURE = False
# Refused attempts are not counted: else one request per cool-off would keep an account
# locked for ever, and its owner would push the end back with every try.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success forgives that username's failures from that address (not the address's others).
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "assess.signin_throttling.lockout_response"
# The typed username, bounded to axes's column: the sign-in form passes on any length.
AXES_USERNAME_CALLABLE = "assess.signin_throttling.signin_username"
# The client's address: REMOTE_ADDR, or behind DJANGO_TRUSTED_PROXY_COUNT proxies (the
# compose file's TLS proxy: 1) the X-Forwarded-For entry the outermost one added. Never
# trust the header without a proxy: a client could pick a fresh address for every guess.
# An IPv6 address counts as its /64, which one client usually owns whole.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "assess.clientip.signin_address"
# Locked-out usernames are logged, but never a password.
AXES_SENSITIVE_PARAMETERS = ["password"]
# No "AXES: BEGIN version ..." banner on every manage.py command (it lands in scripts' output).
AXES_VERBOSE = False

# Celery: Redis when CELERY_BROKER_URL is set, otherwise the filesystem transport under
# var/celery so the embedded default needs no server.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
if not CELERY_BROKER_URL:
    _broker_dir = VAR_DIR / "celery"
    for _sub in ("out", "processed", "control", "workers"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    # Without Redis, workers announce themselves with files here (grader.capability).
    GRADER_WORKERS_FOLDER = str(_broker_dir / "workers")
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "out"),
        "data_folder_out": str(_broker_dir / "out"),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu otherwise writes its control exchange to ./control in the working directory.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
    _results_dir = VAR_DIR / "celery" / "results"
    _results_dir.mkdir(parents=True, exist_ok=True)
    _default_result_backend = f"file://{_results_dir}"
else:
    GRADER_WORKERS_FOLDER = ""  # workers announce themselves in Redis
    # Longer than the longest grade, so Redis never redelivers a task still running.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600, minimum=60)
    }
    _default_result_backend = CELERY_BROKER_URL
# The cache holds the API's throttle counters: shared through Redis whenever Redis is the
# broker (or CACHE_URL names one), so limits hold across gunicorn workers and hosts.
_cache_url = env_str("CACHE_URL") or (
    CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else ""
)
if _cache_url.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _cache_url,
            # A Redis outage must cost a request a second at most, not a hung worker.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
elif _cache_url:
    raise ConfigError(f"CACHE_URL={_cache_url!r} must be a redis:// or rediss:// URL")
CELERY_RESULT_BACKEND = env_str("CELERY_RESULT_BACKEND", _default_result_backend)
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "cpu"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
# The default queue of each task; a grading task's queue is chosen per submission when it is
# sent (grader.routing.submission_queue).
# The periodic tasks have a queue of their own, so a grading backlog never delays the
# deadline submission or the sweep that recovers from a dead worker (compose runs one
# small worker with the embedded beat on it: `celery worker -B -Q periodic`).
CELERY_PERIODIC_QUEUE = env_str("CELERY_PERIODIC_QUEUE", "periodic")
PERIODIC_TASKS = {
    # Attempts whose candidate closed the tab are submitted at their deadline.
    "submit-expired-attempts": ("assess.submit_expired_attempts", 30.0),
    # Grades whose worker died, whose message was lost, or that were stored while the
    # broker was down, are sent again (grader.sweep).
    "requeue-stuck-submissions": (
        "grader.requeue_stuck_submissions",
        float(env_int("GRADER_SWEEP_SECONDS", 15, minimum=1)),
    ),
    "webhooks-requeue-stuck": ("assess.api.requeue_stuck_deliveries", 300.0),
    # Invitation emails whose task was lost while the broker was down.
    "requeue-stuck-emails": ("assess.requeue_stuck_emails", 300.0),
    # Results owed to an applicant-tracking system whose task was lost.
    "integrations-requeue-stuck": ("assess.integrations.requeue_stuck_pushes", 300.0),
}
CELERY_TASK_ROUTES = {
    **{task: {"queue": CELERY_PERIODIC_QUEUE} for task, _ in PERIODIC_TASKS.values()},
    "grader.*": {"queue": "cpu"},
    "assess.*": {"queue": "cpu"},
}
CELERY_BEAT_SCHEDULE = {
    name: {
        "task": task,
        "schedule": every,
        # A run that waited longer than its period is dropped: the next one does its work.
        "options": {"queue": CELERY_PERIODIC_QUEUE, "expires": every},
    }
    for name, (task, every) in PERIODIC_TASKS.items()
}
# The bank's item statistics and exposure counts (docs/bank.md; `manage.py itemstats`
# recomputes them on demand): heavy and not urgent, so on the CPU workers, not `periodic`.
CELERY_BEAT_SCHEDULE["refresh-item-statistics"] = {
    "task": "assess.refresh_item_statistics",
    "schedule": float(env_int("QUIZZES_STATISTICS_EVERY_SECONDS", 3600, minimum=60)),
}

# Candidates' data (docs/privacy.md): erasures are appended to this log, kept outside the
# database and its backups, so a restore can re-apply them (`manage.py
# privacy_replay_erasures`); retention is applied once a day.
PRIVACY_ERASURE_LOG = env_str("PRIVACY_ERASURE_LOG", str(VAR_DIR / "privacy" / "erasure-log.jsonl"))
CELERY_BEAT_SCHEDULE["apply-retention"] = {
    "task": "assess.privacy.apply_retention",
    "schedule": 24 * 3600.0,
    "options": {"queue": CELERY_PERIODIC_QUEUE},
}

# The question bank (docs/bank.md): a question shown to more candidates than this is drawn
# with weight limit/seen_by; 0 turns the rotation off.
QUIZZES_EXPOSURE_LIMIT = env_int("QUIZZES_EXPOSURE_LIMIT", 200, minimum=0)

# The assessment flow (assess.attempts.services, assess.scoring) and the grader's task policy.
ASSESS_INVITATION_DAYS = env_int("ASSESS_INVITATION_DAYS", 14, minimum=1)
ASSESS_SAMPLE_RUNS_PER_MINUTE = env_int("ASSESS_SAMPLE_RUNS_PER_MINUTE", 5, minimum=1)
# Practice code runs: per visitor, and over all visitors together (so anonymous practice
# cannot starve hiring tests' grading); PRACTICE_CODE_QUEUE can give practice its own worker.
PRACTICE_CODE_RUNS_PER_MINUTE = env_int("PRACTICE_CODE_RUNS_PER_MINUTE", 4, minimum=1)
PRACTICE_CODE_RUNS_PER_MINUTE_TOTAL = env_int("PRACTICE_CODE_RUNS_PER_MINUTE_TOTAL", 120, minimum=1)
PRACTICE_CODE_QUEUE = env_str("PRACTICE_CODE_QUEUE", env_str("GRADER_CPU_QUEUE", "cpu"))
# The queue CPU grading goes to (a test run uses its own, so it never meets another's worker).
GRADER_CPU_QUEUE = env_str("GRADER_CPU_QUEUE", "cpu")
GRADER_MAX_RETRIES = env_int("GRADER_MAX_RETRIES", 4, minimum=0)
GRADER_RETRY_BACKOFF_SECONDS = env_int("GRADER_RETRY_BACKOFF_SECONDS", 5, minimum=1)
# With Redis, the sweep re-sends a `queued` row once its message is gone from the queue
# and a `running` or reserved one once its worker's announcement expired; these bound
# the rest: a `queued` row when the broker cannot be listed (the embedded filesystem
# broker), a `running` one whose worker still announces itself (longer than any grade).
GRADER_REQUEUE_QUEUED_SECONDS = env_int("GRADER_REQUEUE_QUEUED_SECONDS", 600, minimum=10)
GRADER_REQUEUE_RUNNING_SECONDS = env_int("GRADER_REQUEUE_RUNNING_SECONDS", 900, minimum=10)

# Email: EMAIL_URL (smtp://, smtps://, submission://, console://, locmem://) or the single
# EMAIL_HOST/PORT/... variables; DEFAULT_FROM_EMAIL is the sender. In production a backend
# that sends nothing (console, locmem) refuses to start unless EMAIL_ALLOW_UNSENT=1, so
# invitations cannot silently vanish into a log.
_email = email_settings(debug=DEBUG)
EMAIL_BACKEND = _email.backend
EMAIL_HOST, EMAIL_PORT = _email.host, _email.port
EMAIL_HOST_USER, EMAIL_HOST_PASSWORD = _email.user, _email.password
EMAIL_USE_TLS, EMAIL_USE_SSL = _email.use_tls, _email.use_ssl
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "NormAssess <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Candidate links are credentials and emails personal data: every log record has them
# redacted (assess.logredact); error reports carry no form values or local variables.
_logredact.install()
DEFAULT_EXCEPTION_REPORTER_FILTER = "assess.privacy.error_reports.PersonalDataReporterFilter"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}

# Prometheus scrapes /metrics with `Authorization: Bearer $METRICS_TOKEN`; without a token
# the endpoint is open in development and absent (404) in production.
METRICS_TOKEN = env_str("METRICS_TOKEN")

# The REST API and webhooks (assess.api, docs/api.md). Authentication, permissions,
# parsers and pagination are set on the API's own views, so these defaults change nothing
# for other DRF views.
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "assess.api.errors.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "api_read": env_str("API_THROTTLE_READ_RATE", "600/min"),
        "api_write": env_str("API_THROTTLE_WRITE_RATE", "60/min"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NormAssess API",
    "DESCRIPTION": "For applicant-tracking systems: assessments, invitations, attempts and "
    "results of one organization, and its webhooks. See docs/api.md.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "AttemptStateEnum": "assess.api.serializers.ATTEMPT_STATES",
        "DeliveryStatusEnum": "assess.api.models.DeliveryStatus",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "assess.api.schema.add_error_responses",
    ],
}
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 64 * 1024, minimum=1024)
API_PAGE_SIZE_MAX = 100
# Webhooks: retries with exponential backoff (backoff x 2^n seconds, capped), a short
# timeout, and no private, loopback or link-local receivers in production (SSRF).
WEBHOOKS_MAX_TRIES = env_int("WEBHOOKS_MAX_TRIES", 5, minimum=1)
WEBHOOKS_RETRY_BACKOFF_SECONDS = env_int("WEBHOOKS_RETRY_BACKOFF_SECONDS", 30, minimum=0)
WEBHOOKS_RETRY_BACKOFF_MAX_SECONDS = env_int("WEBHOOKS_RETRY_BACKOFF_MAX_SECONDS", 3600, minimum=0)
WEBHOOKS_TIMEOUT_SECONDS = env_int("WEBHOOKS_TIMEOUT_SECONDS", 5, minimum=1)
WEBHOOKS_ALLOW_PRIVATE_HOSTS = env_bool("WEBHOOKS_ALLOW_PRIVATE_HOSTS", DEBUG)
# Deliveries share the CPU workers by default; a busy deployment can give them their own
# queue (and a worker started with `-Q webhooks`) so slow receivers never hold grading slots.
WEBHOOKS_QUEUE = env_str("WEBHOOKS_QUEUE", "cpu")
from .integrations_settings import *  # noqa: E402, F403

# The bank's item parameters are refitted from all scored answers this often (docs/scoring.md).
ASSESS_CALIBRATION_HOURS = env_int("ASSESS_CALIBRATION_HOURS", 24, minimum=1)
CELERY_BEAT_SCHEDULE["calibrate-items"] = {
    "task": "assess.calibrate_items",
    "schedule": ASSESS_CALIBRATION_HOURS * 3600.0,
}
# Adaptive sections' exposure control (docs/scoring.md): each fit also finds the
# Sympson-Hetter parameters that keep any question's share of candidates at most this
# (1 turns the control off), from a simulated population of this many candidates.
ASSESS_ADAPTIVE_MAX_EXPOSURE = env_float(
    "ASSESS_ADAPTIVE_MAX_EXPOSURE", 0.25, minimum=0.05, maximum=1.0
)
# 2,000: with 500 the k fitted on the four-level scale and today's bank let the most-used
# question reach 30-31 % against the 25 % asked; with 2,000, 28 % (manage.py simulate_cat).
ASSESS_ADAPTIVE_EXPOSURE_CANDIDATES = env_int(
    "ASSESS_ADAPTIVE_EXPOSURE_CANDIDATES", 2000, minimum=50
)

# The GPU worker: its queue, how long a worker's announcement lives without a
# heartbeat (refreshed every third of it), and how long GPU work may sit in the GPU queue
# with no GPU worker alive before the sweep sends it back to the CPU (or to waiting).
GRADER_GPU_QUEUE = env_str("GRADER_GPU_QUEUE", "gpu")
GRADER_HEARTBEAT_TTL_SECONDS = env_int("GRADER_HEARTBEAT_TTL_SECONDS", 30, minimum=2)

GRADER_GPU_GRACE_SECONDS = env_int("GRADER_GPU_GRACE_SECONDS", 60, minimum=0)

# The hiring team's pages (assess.hiring, assess.review, assess.attempts.integrity).
# Code pairs at or above this Jaccard similarity are flagged for a side-by-side look.
ASSESS_SIMILARITY_THRESHOLD = env_int("ASSESS_SIMILARITY_THRESHOLD_PERCENT", 80, minimum=1) / 100
# Integrity signals: report batches per attempt per minute, and events per attempt in all.
ASSESS_SIGNAL_POSTS_PER_MINUTE = env_int("ASSESS_SIGNAL_POSTS_PER_MINUTE", 30, minimum=1)
ASSESS_SIGNAL_MAX_EVENTS = env_int("ASSESS_SIGNAL_MAX_EVENTS", 5000, minimum=10)
# Invitation emails are sent by a task on this queue, retried this many times with backoff.
ASSESS_EMAIL_QUEUE = env_str("ASSESS_EMAIL_QUEUE", "cpu")
ASSESS_EMAIL_MAX_RETRIES = env_int("ASSESS_EMAIL_MAX_RETRIES", 5, minimum=0)
# Candidates' links (/t/<token>/) and shared reports start here (assess/publicurl.py);
# empty: the request's own host.
ASSESS_PUBLIC_URL = env_str("ASSESS_PUBLIC_URL", "")
# Recruiters and reviewers need not be staff: they sign in on the hiring team's own page.
LOGIN_URL = "org:login"
LOGIN_REDIRECT_URL = "org:home"

# The hiring team's sign-in, second factors, sessions and audit trail (docs/security.md).
from .security_settings import *  # noqa: E402, F403

MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG  # WebAuthn needs https except on localhost
CELERY_BEAT_SCHEDULE["purge-ats-exchanges"] = {
    "task": "assess.integrations.purge_exchanges",
    "schedule": 24 * 3600.0,
    "options": {"queue": CELERY_PERIODIC_QUEUE},
}
CELERY_BEAT_SCHEDULE["purge-audit-events"] = {
    "task": "assess.audit.purge_expired",
    "schedule": 24 * 3600.0,
    "options": {"queue": CELERY_PERIODIC_QUEUE},
}
