"""Per-member limits counted in the cache (Redis in production): upload attempts.

Every upload attempt counts, accepted or refused, artwork or avatar: refusing a file costs the
server work too, and without a count a refused upload could be repeated forever (issue 10).
"""

from __future__ import annotations

import math
import time

from django.conf import settings
from django.core.cache import cache

from accounts.models import User
from config.errors import RateLimited

ATTEMPT_WINDOW_SECONDS = 3600


def upload_attempt_record(*, user: User) -> None:
    """Count one upload attempt by `user`; raise ``config.errors.RateLimited`` (with the
    seconds until the window turns) once past the hourly limit.

    Fixed one-hour windows counted with ``cache.add`` + ``cache.incr``, both atomic in Redis, so
    concurrent requests from many web processes cannot lose a count. While Redis is down the
    count fails open (config.cache), like every other limit.
    """
    allowed = settings.ATELIER_UPLOAD_ATTEMPTS_PER_HOUR
    now = time.time()
    window = int(now // ATTEMPT_WINDOW_SECONDS)
    key = f"upload-attempts:{user.pk}:{window}"
    cache.add(key, 0, timeout=ATTEMPT_WINDOW_SECONDS + 60)
    try:
        count = cache.incr(key)
    except ValueError:
        # The key expired between add and incr: this is the window's first attempt.
        cache.set(key, 1, timeout=ATTEMPT_WINDOW_SECONDS + 60)
        count = 1
    if count <= allowed:
        return
    retry_after = max(1, math.ceil(ATTEMPT_WINDOW_SECONDS - now % ATTEMPT_WINDOW_SECONDS))
    minutes = math.ceil(retry_after / 60)
    raise RateLimited(
        f"You have tried to upload more than {allowed} times this hour. Please try again in "
        f"{minutes} minute{'s' if minutes != 1 else ''}.",
        retry_after=retry_after,
        code="upload_attempts",
    )
