"""Atelier's settings: one module, every deployment difference read from the environment.

With nothing set this is the embedded default (SQLite, eager tasks, local memory cache, files under
``var/``, console email, DEBUG on). Every variable is listed in ``.env.example`` and the README.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from config.env import (
    database_config,
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_str,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ATELIER_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", True)

DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-key-never-used-when-debug-is-off"  # noqa: S105
# Keys published in this repository (now or before): anyone could sign sessions with them.
KNOWN_SECRET_KEYS = {DEVELOPMENT_SECRET_KEY, "build-only-not-a-secret"}
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
elif not DEBUG and (
    SECRET_KEY in KNOWN_SECRET_KEYS
    or SECRET_KEY.startswith("django-insecure")
    # The thresholds of Django's own deploy check (security.W009).
    or len(SECRET_KEY) < 50
    or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "SECRET_KEY is a published development key or too weak for DEBUG=false: use at least 50 "
        "random characters (python -c 'import secrets; print(secrets.token_urlsafe(50))')."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Unset, absolute links follow the address each request was served on (config.urls_abs); tasks
# outside a request need it set, so `make run` sets it from PORT.
SITE_URL = env_str("SITE_URL", "").rstrip("/")
SITE_NAME = env_str("SITE_NAME", "Atelier")
# /sitemap.xml (gallery.sitemaps): the most URLs one section page holds (the protocol allows
# 50,000), and how long a rendered sitemap document is kept before it is read again.
SITEMAP_PAGE_SIZE = env_int("SITEMAP_PAGE_SIZE", 10_000, minimum=1, maximum=50_000)
SITEMAP_CACHE_SECONDS = env_int("SITEMAP_CACHE_SECONDS", 300, minimum=0)
SITE_ID = 1

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.sites",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "taggit",
    "django_htmx",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "accounts",
    "gallery",
    "community",
    "moderation",
    "privacy",
    "api",
]

MIDDLEWARE = [
    # Outermost: every write of the request, the session's included, pins its reads to the
    # primary (a no-op without DATABASE_REPLICA_URL).
    "config.db_router.PrimaryPinMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.urls_abs.CurrentRequestMiddleware",
    "config.middleware.RefuseNulBytesMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Sessions signed in before accounts.backends existed keep working (it says why).
    "accounts.backends.SessionBackendUpgradeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "gallery.middleware.AiTrainingOptOutMiddleware",
    # Innermost, so it sees a service's typed error before Django's 500 handling does.
    "config.errors.DomainErrorMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TAGGIT_CASE_INSENSITIVE = True

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
                "django.template.context_processors.csp",
                "accounts.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
CONN_MAX_AGE = env_int("CONN_MAX_AGE", 60, minimum=0)
DATABASE_URL = env_url(
    "DATABASE_URL",
    f"sqlite:///{VAR_DIR / 'atelier.sqlite3'}",
    schemes=("postgres", "postgresql", "sqlite"),
)
DATABASES = {"default": database_config(DATABASE_URL, conn_max_age=CONN_MAX_AGE)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The embedded default keeps its database under var/; make sure the folder exists.
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
# A streaming replica of the primary: web requests read from it (config/db_router.py says when).
DATABASE_REPLICA_URL = env_url("DATABASE_REPLICA_URL", None, schemes=("postgres", "postgresql"))
DATABASE_REPLICA_PIN_SECONDS = env_int("DATABASE_REPLICA_PIN_SECONDS", 10, minimum=0)
# The member-state query runs on every member page and takes PostgreSQL longer to plan than to
# run: it is prepared once per connection (accounts.selectors). Off behind a pooler that hands
# a session's statements to other server connections (PgBouncer in transaction mode).
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DATABASE_ROUTERS: list[str] = []
if DATABASE_REPLICA_URL:
    if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs a PostgreSQL DATABASE_URL.")
    DATABASES["replica"] = {
        **database_config(DATABASE_REPLICA_URL, conn_max_age=CONN_MAX_AGE),
        # Tests run against the primary's test database through this alias.
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, rate limits and the Celery broker ----------------------------------------
REDIS_URL = env_url("REDIS_URL", None, schemes=("redis", "rediss", "unix"))
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "atelier",
            "TIMEOUT": 300,
            # Fail fast while Redis restarts: a page waits at most about a second for it.
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (config/celery.py reads every CELERY_* name) -------------------------------------
# Redis (the default: one service for cache and broker) or RabbitMQ (amqp://…), see README.
# The in-memory broker names a host only to keep kombu from warning "No hostname was supplied"
# on every `make run`; it connects to nothing.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://localhost/")
_BROKER_IS_AMQP = CELERY_BROKER_URL.split("://", 1)[0] in ("amqp", "amqps", "pyamqp")
# Without a broker the embedded default runs tasks in-process, right after the commit.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
# Several sites (or test runs) can share one broker, each with its own queue.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery") or "celery"
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 120, minimum=1)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 180, minimum=2)
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_TASK_SOFT_TIME_LIMIT must be below CELERY_TASK_TIME_LIMIT.")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis only (RabbitMQ ignores it): a task whose worker died unacknowledged is redelivered
# after this many seconds. It must exceed the hard time limit, or a slow task would be handed
# to a second worker while it runs. Lower than Redis' hour and Celery's old 600 s default, yet
# only a backstop: a restarted worker re-enqueues its own leased images at once, and the
# one-minute sweep hands any expired lease (hard time limit + 30 s) to another worker.
_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 300, minimum=60)
if _VISIBILITY_TIMEOUT <= CELERY_TASK_TIME_LIMIT:
    raise ImproperlyConfigured("CELERY_VISIBILITY_TIMEOUT must exceed CELERY_TASK_TIME_LIMIT.")
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": _VISIBILITY_TIMEOUT}
if _BROKER_IS_AMQP:
    # RabbitMQ closes the channel of a consumer holding an unacknowledged message longer than
    # its consumer_timeout (30 minutes by default): with acks_late that is the whole run of a
    # task (and a retry's countdown, at most 2 minutes), so the hard limit must stay below it.
    if CELERY_TASK_TIME_LIMIT >= 1800:
        raise ImproperlyConfigured(
            "CELERY_TASK_TIME_LIMIT must stay below RabbitMQ's consumer_timeout (1800 s)."
        )
    # On a lost connection RabbitMQ hands the unacknowledged tasks to other workers at once;
    # stop ours rather than run them twice (with Redis the ack still works after reconnecting).
    CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env_int("CELERY_WORKER_MAX_MEMORY_PER_CHILD", 600_000)
CELERY_TIMEZONE = "UTC"
# How often beat sweeps for lost image tasks (gallery.services.pipeline.images_sweep_stuck).
ATELIER_SWEEP_SECONDS = env_int("ATELIER_SWEEP_SECONDS", 60, minimum=10)
# Explore (gallery.services.explore, docs/explore.md): how often beat recomputes the Popular and
# Rising scores and the tag index's counts; how far back a post may be published to be ranked;
# how recent an artist's first public post must be for Rising.
ATELIER_EXPLORE_RANK_MINUTES = env_int("ATELIER_EXPLORE_RANK_MINUTES", 10, minimum=1)
ATELIER_EXPLORE_WINDOW_DAYS = env_int("ATELIER_EXPLORE_WINDOW_DAYS", 30, minimum=1)
ATELIER_EXPLORE_RISING_DAYS = env_int("ATELIER_EXPLORE_RISING_DAYS", 30, minimum=1)
# Retention (accounts.services_notifications.notifications_prune, daily): digest rows whose
# window ended longer ago than this (at least 28: the weekly digest looks back 3 weeks), and
# read notifications (and those kept only for digests) created longer ago than this.
ATELIER_DIGEST_RETENTION_DAYS = env_int("ATELIER_DIGEST_RETENTION_DAYS", 90, minimum=28)
ATELIER_NOTIFICATION_RETENTION_DAYS = env_int(
    "ATELIER_NOTIFICATION_RETENTION_DAYS", 180, minimum=28
)
CELERY_BEAT_SCHEDULE = {
    "gallery-sweep-stuck-images": {
        "task": "gallery.tasks.sweep_stuck_images",
        "schedule": timedelta(seconds=ATELIER_SWEEP_SECONDS),
    },
    "gallery-explore-rank": {
        "task": "gallery.tasks.explore_rank",
        "schedule": timedelta(minutes=ATELIER_EXPLORE_RANK_MINUTES),
    },
    "accounts-sweep-pending-avatars": {
        "task": "accounts.tasks.sweep_pending_avatars",
        "schedule": timedelta(minutes=5),
    },
    "accounts-sweep-pending-banners": {
        "task": "accounts.tasks.sweep_pending_banners",
        "schedule": timedelta(minutes=5),
    },
    "gallery-sweep-public-files": {
        "task": "gallery.tasks.sweep_public_files",
        "schedule": timedelta(minutes=5),
    },
    # Hand-offs whose task was lost (gallery.services.handoff, case scoring): minutes, not a day.
    "moderation-sweep-handoffs": {
        "task": "moderation.tasks.sweep_handoffs",
        "schedule": timedelta(minutes=2),
    },
    "moderation-expire-claims": {
        "task": "moderation.tasks.expire_claims",
        "schedule": timedelta(minutes=5),
    },
    "moderation-daily-upkeep": {
        "task": "moderation.tasks.daily_upkeep",
        "schedule": crontab(hour=0, minute=5),
    },
    "moderation-reports": {
        "task": "moderation.tasks.build_reports",
        "schedule": crontab(hour=0, minute=15),
    },
    # Fan-outs to followers whose task was lost (accounts.services_notifications.fanouts_sweep).
    "accounts-sweep-fanouts": {
        "task": "accounts.tasks.sweep_fanouts",
        "schedule": timedelta(minutes=5),
    },
    # Digests cover up to 00:00 UTC (daily) and Monday 00:00 UTC (weekly); a rerun the same
    # day sends nothing twice (accounts.services_notifications.digests_send).
    "accounts-daily-digest": {
        "task": "accounts.tasks.send_digests",
        "schedule": crontab(hour=6, minute=0),
        "args": ("daily",),
    },
    "accounts-weekly-digest": {
        "task": "accounts.tasks.send_digests",
        "schedule": crontab(hour=6, minute=30, day_of_week="mon"),
        "args": ("weekly",),
    },
    # Retention: digest claims and old read notifications (accounts.services_notifications.
    # notifications_prune, ATELIER_DIGEST_RETENTION_DAYS, ATELIER_NOTIFICATION_RETENTION_DAYS).
    "accounts-prune-notifications": {
        "task": "accounts.tasks.prune_notifications",
        "schedule": crontab(hour=3, minute=20),
    },
    # Data exports: re-queue the ones a dead worker or a lost message left unfinished, and
    # delete expired files (privacy.services.export.exports_sweep).
    "privacy-sweep-exports": {
        "task": "privacy.tasks.sweep_exports",
        "schedule": timedelta(minutes=5),
    },
    # Accounts past their deletion grace period (privacy.services.deletion.accounts_purge_due).
    "privacy-purge-accounts": {
        "task": "privacy.tasks.purge_accounts",
        "schedule": timedelta(minutes=30),
    },
}

# --- Members' rights (privacy): data exports and account deletion -----------------------------
# How long the emailed download link of a data export works (seconds); the file is deleted then.
EXPORT_LINK_MAX_AGE = env_int("EXPORT_LINK_MAX_AGE", 7 * 86400, minimum=600)
# Exports a member may ask for per day (failed ones do not count).
ATELIER_EXPORTS_PER_DAY = env_int("ATELIER_EXPORTS_PER_DAY", 1, minimum=1)
# The export task's hard time limit (seconds). It must stay below the broker's visibility
# timeout: with acks_late, a task running longer would be handed to a second worker meanwhile.
ATELIER_EXPORT_TIME_LIMIT = env_int("ATELIER_EXPORT_TIME_LIMIT", 270, minimum=30)
if ATELIER_EXPORT_TIME_LIMIT >= _VISIBILITY_TIMEOUT:
    raise ImproperlyConfigured("ATELIER_EXPORT_TIME_LIMIT must be below CELERY_VISIBILITY_TIMEOUT.")
# Days between a deletion request and the purge; signing in meanwhile offers to cancel.
ACCOUNT_DELETION_GRACE_DAYS = env_int("ACCOUNT_DELETION_GRACE_DAYS", 14, minimum=1)

# --- Storage ----------------------------------------------------------------------------------
STORAGE_BACKEND = env_choice("STORAGE_BACKEND", "filesystem", ("filesystem", "s3"))
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
PRIVATE_MEDIA_ROOT = Path(env_str("PRIVATE_MEDIA_ROOT", str(VAR_DIR / "private")))
MEDIA_URL = env_str("MEDIA_URL", "/media/")
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]

if STORAGE_BACKEND == "s3":
    _s3 = {
        "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME", ""),
        "endpoint_url": env_url("AWS_S3_ENDPOINT_URL", None, schemes=("http", "https")),
        "access_key": env_str("AWS_ACCESS_KEY_ID", ""),
        "secret_key": env_str("AWS_SECRET_ACCESS_KEY", ""),
        "region_name": env_str("AWS_S3_REGION_NAME", "us-east-1"),
        "addressing_style": env_choice(
            "AWS_S3_ADDRESSING_STYLE", "path", ("path", "virtual", "auto")
        ),
        "file_overwrite": False,
    }
    if not _s3["bucket_name"]:
        raise ImproperlyConfigured("AWS_STORAGE_BUCKET_NAME must be set when STORAGE_BACKEND=s3.")
    _public_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3,
            "location": "public",
            "querystring_auth": False,
            "custom_domain": env_str("AWS_S3_CUSTOM_DOMAIN", "") or None,
            "file_overwrite": True,
            "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
        },
    }
    # Originals live under their own prefix, never public: served through a permission-checked
    # view (gallery.views.original) that streams them.
    _private_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {**_s3, "location": "private", "querystring_auth": True, "default_acl": None},
    }
else:
    _public_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL, "allow_overwrite": True},
    }
    _private_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    }
STORAGES = {
    "default": _public_storage,
    "private": _private_storage,
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Serve /media/ from this process (the embedded default and single-machine deployments).
SERVE_MEDIA = env_bool("SERVE_MEDIA", STORAGE_BACKEND == "filesystem")

# --- Email --------------------------------------------------------------------------------------
_email_host = env_str("EMAIL_HOST", "")
if _email_host:
    _use_tls = env_bool("EMAIL_USE_TLS", True)
    _use_ssl = env_bool("EMAIL_USE_SSL", False)
    if _use_tls and _use_ssl:
        raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on.")
    MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": _email_host,
                "port": env_int("EMAIL_PORT", 587, minimum=1, maximum=65535),
                "username": env_str("EMAIL_HOST_USER", ""),
                "password": env_str("EMAIL_HOST_PASSWORD", ""),
                "use_tls": _use_tls,
                "use_ssl": _use_ssl,
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Atelier <noreply@atelier.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Accounts and allauth -----------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's, each loading the session's member with their page state in one
# query (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
ACCOUNT_USER_MODEL_USERNAME_FIELD = "handle"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
# Confirming the address from the browser that signed up signs the new member in: asking for
# the password again, a minute after choosing it, lost people (allauth only does this within
# the sign-up's own session, so a leaked link alone logs nobody in).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_USERNAME_MIN_LENGTH = 2
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Atelier] "
# allauth's own limits (login failures, sign-ups, password resets) live in the cache above.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
    "confirm_email": "1/3m/key",
}

# --- Security -----------------------------------------------------------------------------------
# Sessions are read from the cache and written through to the database: a member's page
# skips one query, and a Redis outage falls back to the database rows (nothing is lost).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies of ours append to X-Forwarded-For in front of gunicorn. Every per-IP limit
# reads the client's address through config.client_ip, which trusts exactly this many entries.
TRUSTED_PROXY_HOPS = env_int("TRUSTED_PROXY_HOPS", 0, minimum=0, maximum=10)
# allauth's own reading of the header, kept in step (our adapter answers through the helper).
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_HOPS

_media_origin = [env_str("AWS_S3_CUSTOM_DOMAIN", "")] if STORAGE_BACKEND == "s3" else []
if STORAGE_BACKEND == "s3" and not _media_origin[0]:
    _media_origin = [env_str("AWS_S3_ENDPOINT_URL", "") or "https://*.amazonaws.com"]
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:", *[o for o in _media_origin if o]],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Atelier itself -----------------------------------------------------------------------------
ATELIER_ALLOW_AI_GENERATED = env_bool("ATELIER_ALLOW_AI_GENERATED", True)
ATELIER_MAX_UPLOAD_BYTES = env_int("ATELIER_MAX_UPLOAD_BYTES", 50 * 1024 * 1024, minimum=1024)
ATELIER_MAX_PIXELS = env_int("ATELIER_MAX_PIXELS", 100_000_000, minimum=10_000)
ATELIER_MAX_FRAMES = env_int("ATELIER_MAX_FRAMES", 200, minimum=1)
# The long side of the zoom copy the pipeline makes of each image larger than its widest
# derivative (2048 px), for the lightbox's zoom where the artist allows it (User.allow_zoom).
# Never upscaled, never over ATELIER_MAX_PIXELS, at most WebP's 16383 px; 0 makes none.
ATELIER_ZOOM_MAX_EDGE = env_int("ATELIER_ZOOM_MAX_EDGE", 4096, minimum=0, maximum=16383)
ATELIER_MAX_IMAGES_PER_POST = env_int("ATELIER_MAX_IMAGES_PER_POST", 20, minimum=1)
ATELIER_UPLOADS_PER_HOUR = env_int("ATELIER_UPLOADS_PER_HOUR", 30, minimum=1)
# Every upload attempt (artworks and avatars, accepted or refused) per member per hour.
ATELIER_UPLOAD_ATTEMPTS_PER_HOUR = env_int("ATELIER_UPLOAD_ATTEMPTS_PER_HOUR", 60, minimum=1)
# Collections (community.collections): how many a member may keep, how many works each holds,
# and how many collection changes (create, edit, save, remove…) a member makes per hour.
ATELIER_COLLECTIONS_PER_MEMBER = env_int("ATELIER_COLLECTIONS_PER_MEMBER", 200, minimum=1)
ATELIER_COLLECTION_MAX_ITEMS = env_int("ATELIER_COLLECTION_MAX_ITEMS", 1000, minimum=1)
ATELIER_COLLECTION_WRITES_PER_HOUR = env_int("ATELIER_COLLECTION_WRITES_PER_HOUR", 600, minimum=1)
ATELIER_STORAGE_QUOTA_BYTES = env_int("ATELIER_STORAGE_QUOTA_BYTES", 2 * 1024**3, minimum=1024)
# A pending image nobody claimed for this long had its enqueue lost: the sweep re-enqueues it.
ATELIER_STUCK_AFTER_MINUTES = env_int("ATELIER_STUCK_AFTER_MINUTES", 3, minimum=1)
# Dotted path of a callable taking a list of absolute public URLs that were withdrawn or
# deleted (gallery.services.withdrawal): purge them from a CDN. Empty: no CDN to purge.
ATELIER_CDN_PURGE_HOOK = env_str("ATELIER_CDN_PURGE_HOOK", "")
# Blocks and mutes a member may hold (accounts.services.block_set / mute_*_set): each one is a
# term in every listing query of theirs, so the lists stay bounded.
ATELIER_MAX_BLOCKS = env_int("ATELIER_MAX_BLOCKS", 2000, minimum=1)
ATELIER_MAX_MUTES = env_int("ATELIER_MAX_MUTES", 1000, minimum=1)
# A PEM file of C2PA trust anchors (e.g. the C2PA and Content Credentials trust lists): signers
# chaining to them are "trusted" on artwork pages and can earn the no-AI credentials badge.
C2PA_TRUST_ANCHORS = env_str("C2PA_TRUST_ANCHORS", "")
if C2PA_TRUST_ANCHORS:
    try:
        _anchors = Path(C2PA_TRUST_ANCHORS).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImproperlyConfigured(
            f"C2PA_TRUST_ANCHORS: cannot read {C2PA_TRUST_ANCHORS}: {exc}"
        ) from exc
    if "-----BEGIN CERTIFICATE-----" not in _anchors:
        raise ImproperlyConfigured("C2PA_TRUST_ANCHORS must name a PEM file of certificates.")
# Comments (community.services): a token bucket per member ("<n>/<s|min|h|d>", see
# config.ratelimit.parse_rate), and for members at trust level NEW one comment per post per
# this many seconds (a fresh account cannot flood one thread while its budget lasts).
COMMENT_RATE = env_str("COMMENT_RATE", "30/h")
if not re.fullmatch(r"[1-9][0-9]*/(s|sec|m|min|h|hour|d|day)", COMMENT_RATE):
    raise ImproperlyConfigured(f"COMMENT_RATE must look like 30/h or 5/min, not {COMMENT_RATE!r}")
COMMENT_NEW_MEMBER_COOLDOWN = env_int("COMMENT_NEW_MEMBER_COOLDOWN", 60, minimum=0)
# Moderation (see moderation/services): claims, the strike ladder, community review.
MODERATION_CLAIM_MINUTES = env_int("MODERATION_CLAIM_MINUTES", 30, minimum=1)
MODERATION_STRIKE_DAYS = env_int("MODERATION_STRIKE_DAYS", 180, minimum=1)
# What the n-th active strike brings: warn, hold (uploads wait for approval) or suspend.
MODERATION_STRIKE_LADDER = env_list("MODERATION_STRIKE_LADDER", ["warn", "hold", "suspend"])
MODERATION_HOLD_DAYS = env_int("MODERATION_HOLD_DAYS", 30, minimum=1)
MODERATION_SUSPEND_DAYS = env_int("MODERATION_SUSPEND_DAYS", 30, minimum=1)
MODERATION_EVIDENCE_DAYS = env_int("MODERATION_EVIDENCE_DAYS", 7, minimum=1)
# Layered files (PSD, KRA, CLIP, Procreate) sent as process evidence: private, never published.
MODERATION_EVIDENCE_MAX_BYTES = env_int(
    "MODERATION_EVIDENCE_MAX_BYTES", 300 * 1024 * 1024, minimum=1024 * 1024
)
MODERATION_FLAGS_PER_HOUR = env_int("MODERATION_FLAGS_PER_HOUR", 10, minimum=1)
MODERATION_AUTO_HOLD_FLAGS = env_int("MODERATION_AUTO_HOLD_FLAGS", 3, minimum=1)
MODERATION_REVIEW_TRUST_LEVEL = env_int("MODERATION_REVIEW_TRUST_LEVEL", 3, minimum=0, maximum=4)
MODERATION_REVIEW_QUORUM = env_int("MODERATION_REVIEW_QUORUM", 5, minimum=1)
MODERATION_REVIEW_AGREEMENT = env_int("MODERATION_REVIEW_AGREEMENT", 80, minimum=50, maximum=100)
MODERATION_DUPLICATE_DISTANCE = env_int("MODERATION_DUPLICATE_DISTANCE", 6, minimum=0, maximum=20)
for _rung in MODERATION_STRIKE_LADDER:
    if _rung not in ("warn", "hold", "suspend"):
        raise ImproperlyConfigured(
            f"MODERATION_STRIKE_LADDER steps must be warn, hold or suspend, not {_rung!r}"
        )

# Django's own upload limits: files above this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = ATELIER_MAX_IMAGES_PER_POST * 2 + 2

# --- Internationalisation and the rest ----------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # Escapes control characters in messages: user text cannot forge a log line.
        "plain": {
            "class": "config.logformat.EscapingFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
        }
    },
    "filters": {"refusals": {"()": "config.logformat.ExpectedRefusalFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["refusals"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Django's default config gives "django" its own console handler as well as the root's:
        # every django.request line (and traceback) was printed twice.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

# --- API (the api app: Django REST framework + drf-spectacular) --------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.ApiTokenAuthentication",
        # The site's own pages may call the API with their session; it keeps CSRF checks.
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.ReadAnyoneWriteMember"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon": "60/min",  # per IP address
        "client": "300/min",  # per token, or per member on the session
        "token-obtain": "10/min",  # POST /api/v1/auth/token/, per IP and per login
    },
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "api.schema.AtelierAutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "NUM_PROXIES": TRUSTED_PROXY_HOPS,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Atelier API",
    "DESCRIPTION": "Artworks with honest AI labels: listings with the label filter, uploads, "
    "likes, follows and notifications. Authenticate with `Authorization: Token <key>`.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files (drf-spectacular-sidecar): no CDN, no CSP hole.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "/static/favicon.svg",
    "ENUM_NAME_OVERRIDES": {
        "LabelEnum": "gallery.models.Label",
        "MediumEnum": "gallery.models.Medium",
        "AiStageEnum": "gallery.models.AiStage",
        "VerdictEnum": "gallery.models.Verdict",
        "ArtworkStatusEnum": "gallery.models.Artwork.Status",
        "ImageKindEnum": "gallery.models.ArtworkImage.Kind",
        "ImageStateEnum": "gallery.models.ArtworkImage.State",
        "LabelChangeByEnum": "gallery.models.LabelChange.By",
        "FeedPreferenceEnum": "accounts.models.FeedPreference",
        "MaturePreferenceEnum": "accounts.models.MaturePreference",
        "TokenScopeEnum": "accounts.models.ApiToken.Scope",
        "NotificationKindEnum": "accounts.models.NotificationKind",
        "EmailChoiceEnum": "accounts.models.EmailChoice",
        "EvidenceKindEnum": "api.serializers.EVIDENCE_KINDS",
        "CaseStatusEnum": "moderation.models.Case.Status",
        "FlagStatusEnum": "moderation.models.Flag.Status",
        "AppealStatusEnum": "moderation.models.Appeal.Status",
        "CommentStatusEnum": "community.models.CommentStatus",
        # Three sets of report reasons: every reason (a case's), a post's and a comment's.
        "FlagReasonEnum": "moderation.models.FlagReason",
        "ArtworkFlagReasonEnum": "moderation.forms.ARTWORK_REASON_CHOICES",
        "CommentFlagReasonEnum": "moderation.forms.COMMENT_REASON_CHOICES",
    },
}
# --- end API ---------------------------------------------------------------------------------
