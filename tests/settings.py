"""Test settings: the real settings module, pointed at local PostgreSQL and Redis.

Each pytest-xdist worker gets its own Redis database (cache and rate limits never leak between
workers) and its own media folders.
"""

import os
import tempfile
from pathlib import Path

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/atelier")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
os.environ.setdefault("DEBUG", "true")

from config.settings import *  # noqa: F403
from config.settings import _BROKER_IS_AMQP, CACHES, DATABASES, REDIS_URL, STORAGES

_worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
_index = int(_worker.removeprefix("gw") or 0)
_redis_base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") > 2 else REDIS_URL
REDIS_TEST_URL = f"{_redis_base}/{1 + _index}"
CACHES["default"]["LOCATION"] = REDIS_TEST_URL
# A RabbitMQ broker named in CELERY_BROKER_URL is kept (the integration tests start workers on
# one); otherwise each xdist worker has its own Redis database as its broker.
if not _BROKER_IS_AMQP:
    CELERY_BROKER_URL = f"{_redis_base}/{8 + _index}"
# Unit tests run tasks in-process; the integration tests' real worker process sets this to 0.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("ATELIER_TEST_EAGER", "1") == "1"

# A worker process started by the integration tests shares the test process's folders.
_media = Path(
    os.environ.get("ATELIER_TEST_MEDIA_DIR")
    or Path(tempfile.gettempdir()) / f"atelier-test-{os.getpid()}"
)
MEDIA_ROOT = _media / "media"
PRIVATE_MEDIA_ROOT = _media / "private"
STORAGES["default"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": "/media/", "allow_overwrite": True},
}
STORAGES["private"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A ``replica`` alias on the primary's own test database, for tests/config/test_db_router.py.
# No router routes to it unless a test installs config.db_router.ReplicaRouter.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
