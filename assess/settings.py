"""Django settings, read from environment variables only.

Development defaults are safe to run on a laptop (SQLite, filesystem broker, DEBUG on).
Production is DJANGO_DEBUG=0, which refuses to start without DJANGO_SECRET_KEY.
"""

import os
from pathlib import Path

import dj_database_url

from .envconfig import ConfigError, env_bool, env_int, env_list, env_str

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
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

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
    "assess",
    "assess.api",
    "quizzes",
    "grader.apps.GraderConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
CELERY_TASK_ROUTES = {
    "grader.*": {"queue": "cpu"},
    "assess.*": {"queue": "cpu"},
}
CELERY_BEAT_SCHEDULE = {
    # Attempts whose candidate closed the tab are submitted at their deadline.
    "submit-expired-attempts": {"task": "assess.submit_expired_attempts", "schedule": 30.0},
    # Submissions stored while the broker was down, or whose worker died, are queued again.
    "requeue-stuck-submissions": {"task": "grader.requeue_stuck_submissions", "schedule": 60.0},
}

# The assessment flow (assess.attempts.services, assess.scoring) and the grader's task policy.
ASSESS_INVITATION_DAYS = env_int("ASSESS_INVITATION_DAYS", 14, minimum=1)
ASSESS_SAMPLE_RUNS_PER_MINUTE = env_int("ASSESS_SAMPLE_RUNS_PER_MINUTE", 5, minimum=1)
# The queue CPU grading goes to (a test run uses its own, so it never meets another's worker).
GRADER_CPU_QUEUE = env_str("GRADER_CPU_QUEUE", "cpu")
GRADER_MAX_RETRIES = env_int("GRADER_MAX_RETRIES", 4, minimum=0)
GRADER_RETRY_BACKOFF_SECONDS = env_int("GRADER_RETRY_BACKOFF_SECONDS", 5, minimum=1)
# A `queued` submission is sent again after this long; a `running` one after this long
# (longer than any grade: the sandbox's wall clock is seconds).
GRADER_REQUEUE_QUEUED_SECONDS = env_int("GRADER_REQUEUE_QUEUED_SECONDS", 600, minimum=10)
GRADER_REQUEUE_RUNNING_SECONDS = env_int("GRADER_REQUEUE_RUNNING_SECONDS", 900, minimum=10)

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
}

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
CELERY_BEAT_SCHEDULE["webhooks-requeue-stuck"] = {
    "task": "assess.api.requeue_stuck_deliveries",
    "schedule": 300.0,
}

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
# Invitation emails link here (the candidate's /t/<token>/); empty: the request's own host.
ASSESS_PUBLIC_URL = env_str("ASSESS_PUBLIC_URL", "")
# Recruiters and reviewers need not be staff: they sign in on the hiring team's own page.
LOGIN_URL = "org:login"
LOGIN_REDIRECT_URL = "org:home"
