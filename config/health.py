"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging
import secrets
import threading
import time

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers. Touches nothing else, so a database outage never restarts web."""
    return HttpResponse("ok", content_type="text/plain")


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _check_redis() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    try:
        client.ping()
    finally:
        client.close()


# A storage check writes and deletes a file in each storage (an S3 round trip or two): anyone
# calling /readyz in a loop would make us do that per request. Each process checks at most once
# per this many seconds and answers from the last outcome in between.
STORAGE_CHECK_SECONDS = 10.0
_storage_lock = threading.Lock()
_storage_checked: tuple[float, Exception | None] | None = None


def _write_and_delete() -> None:
    for alias in ("default", "private"):
        storage = storages[alias]
        name = storage.save(f"readyz/{secrets.token_hex(8)}.txt", ContentFile(b"ok"))
        storage.delete(name)


def _check_storage() -> None:
    global _storage_checked
    # One thread checks while the others wait for its outcome instead of checking too.
    with _storage_lock:
        now = time.monotonic()
        if _storage_checked is None or now - _storage_checked[0] >= STORAGE_CHECK_SECONDS:
            try:
                _write_and_delete()
            except Exception as exc:  # remembered, and raised below like a fresh failure
                _storage_checked = (now, exc)
            else:
                _storage_checked = (now, None)
        error = _storage_checked[1]
    if error is not None:
        raise error.with_traceback(None)


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Database and Redis (when configured) live, storage at most every
    ``STORAGE_CHECK_SECONDS`` per process; 503 naming whatever failed."""
    checks = {"database": _check_database, "storage": _check_storage}
    if settings.REDIS_URL:
        checks["redis"] = _check_redis
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # any failure means "not ready"; the name is what matters
            logger.warning("readyz: %s failed: %s", name, exc)
            results[name] = f"failed: {type(exc).__name__}"
        else:
            results[name] = "ok"
    failed = [name for name, result in results.items() if result != "ok"]
    body = {"status": "ok" if not failed else "unavailable", "failed": failed, "checks": results}
    return JsonResponse(body, status=503 if failed else 200)
