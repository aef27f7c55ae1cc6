"""Rate limits: the one mechanism, and a named ``allow_*`` function per limit.

Most limits are token buckets in the cache (Redis when deployed): a bucket holds ``capacity``
tokens, each attempt takes one, and tokens come back at ``capacity`` per ``period``, so a
member who stops for a while gets their budget back gradually instead of all at once when a
fixed window turns. The bucket is read, refilled and written in one atomic step
(``config.cache.ResilientRedisCache.bucket_take``), so concurrent requests from many web
processes cannot overshoot it; while Redis is down every limit fails open (an outage must
not lock everyone out). Without Redis (the embedded ``make run``) the cache is this process's
memory, and a lock here makes the same step atomic.

Limits on things the database records anyway (a member's reports, an artist's posts) count
those rows instead (``recent_rows_wait``): exact under the caller's row lock, and a Redis
restart cannot hand out a fresh budget for actions that stay on the record.

Each ``allow_*`` either raises ``config.errors.RateLimited`` with the real wait (limits a
service enforces) or returns the wait for the caller to answer with (the API's throttles).
Identities are plain ids and strings: ``config`` imports no app.
"""

from __future__ import annotations

import math
import threading
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from config.errors import RateLimited

HOUR = 3600.0
PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

_local_lock = threading.Lock()


def bucket_take(key: str, *, capacity: int, period: float) -> float:
    """Take one token from the bucket ``key`` (``capacity`` tokens, refilled over ``period``
    seconds). Returns 0.0 when the token was taken, else the seconds until one is back.

    Never raises for a cache outage: the Redis backend grants the token then.
    """
    take = getattr(cache, "bucket_take", None)
    if take is not None:
        return take(f"bucket:{key}", capacity=capacity, period=period)
    return _local_take(f"bucket:{key}", capacity=capacity, period=period)


def _local_take(key: str, *, capacity: int, period: float) -> float:
    """The same bucket for a cache without scripts (local memory): one process, one lock."""
    rate = capacity / period
    with _local_lock:
        now = time.time()
        tokens, at = cache.get(key) or (float(capacity), now)
        tokens = min(capacity, tokens + max(0.0, now - at) * rate)
        wait = 0.0
        if tokens >= 1:
            tokens -= 1
        else:
            wait = (1 - tokens) / rate
        cache.set(key, (tokens, now), timeout=math.ceil(period) + 1)
    return wait


def parse_rate(rate: str) -> tuple[int, int]:
    """``"60/min"`` → (60, 60): the attempts allowed and the period in seconds."""
    number, period = rate.split("/")
    return int(number), PERIODS[period[0]]


def recent_rows_wait(timestamps: QuerySet, *, limit: int, since: datetime) -> int | None:
    """For a limit counted from rows: ``timestamps`` is the member's rows' creation times
    (``values_list("created_at", flat=True)``) since ``since``. None while fewer than ``limit``;
    else the seconds until the oldest of them leaves the window, the earliest moment another
    is accepted. Exact only under a lock the caller holds (the member's row)."""
    if timestamps.count() < limit:
        return None
    oldest = timestamps.order_by("created_at").first()
    if oldest is None:
        return 60
    return max(1, math.ceil((oldest - since).total_seconds()))


# --- The named limits ---------------------------------------------------------------------------


def allow_upload_attempt(*, user_id: int) -> None:
    """One upload attempt (artwork or avatar, accepted or refused) by member ``user_id``.

    Raises ``RateLimited`` (code ``upload_attempts``) past ``ATELIER_UPLOAD_ATTEMPTS_PER_HOUR``.
    Refused files count: checking them costs the server work too (issue 10).
    """
    allowed = settings.ATELIER_UPLOAD_ATTEMPTS_PER_HOUR
    wait = bucket_take(f"upload-attempts:{user_id}", capacity=allowed, period=HOUR)
    if not wait:
        return
    retry_after = max(1, math.ceil(wait))
    minutes = math.ceil(retry_after / 60)
    raise RateLimited(
        f"You have tried to upload more than {allowed} times this hour. Please try again in "
        f"{minutes} minute{'s' if minutes != 1 else ''}.",
        retry_after=retry_after,
        code="upload_attempts",
    )


def allow_api_request(*, rate: str, identity: str) -> float:
    """One API request counted against the DRF throttle rate named ``rate`` for ``identity``
    (a token, a member, an IP or a login). Returns 0.0 when allowed, else the seconds to wait.

    The rates are read from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` on every call, so
    ``override_settings`` applies at once.
    """
    from rest_framework.settings import api_settings

    allowed, period = parse_rate(api_settings.DEFAULT_THROTTLE_RATES[rate])
    return bucket_take(f"api:{rate}:{identity}", capacity=allowed, period=period)


def allow_flag(*, recent: QuerySet) -> None:
    """One more report by a member whose reports of the last hour are ``recent`` (the flags'
    ``created_at`` values, counted under the reporter's row lock by ``flag_create``).

    Raises ``RateLimited`` past ``MODERATION_FLAGS_PER_HOUR``, with the seconds until the
    oldest report of the hour leaves the window.
    """
    since = timezone.now() - timedelta(hours=1)
    wait = recent_rows_wait(
        recent.filter(created_at__gte=since), limit=settings.MODERATION_FLAGS_PER_HOUR, since=since
    )
    if wait is not None:
        raise RateLimited(
            "You have sent many reports in the last hour. "
            "Please wait a little before sending more.",
            retry_after=wait,
            code="flags_per_hour",
        )


def allow_post(*, recent: QuerySet, code: str) -> None:
    """One more post by an artist whose posts are ``recent`` (their ``created_at`` values,
    counted under the artist's row lock by ``artwork_create``).

    Raises ``RateLimited`` (``code``) past ``ATELIER_UPLOADS_PER_HOUR`` posts in the last hour,
    with the seconds until the oldest of them leaves the window.
    """
    since = timezone.now() - timedelta(hours=1)
    recent = recent.filter(created_at__gte=since)
    wait = recent_rows_wait(recent, limit=settings.ATELIER_UPLOADS_PER_HOUR, since=since)
    if wait is not None:
        raise RateLimited(
            f"You have posted {recent.count()} times in the last hour; please wait a little "
            "before posting again.",
            retry_after=wait,
            code=code,
        )


def allow_collection_write(*, user_id: int) -> None:
    """One collection change (create, edit, delete, save or remove a work, set a cover) by
    member ``user_id``.

    Raises ``RateLimited`` (code ``collection_writes``) past
    ``ATELIER_COLLECTION_WRITES_PER_HOUR``: generous for a person, a wall for a script that
    would churn "saved in N public collections" counters and cache versions.
    """
    allowed = settings.ATELIER_COLLECTION_WRITES_PER_HOUR
    wait = bucket_take(f"collection-writes:{user_id}", capacity=allowed, period=HOUR)
    if not wait:
        return
    retry_after = max(1, math.ceil(wait))
    raise RateLimited(
        "You have changed your collections very often this hour. Please try again in "
        f"{math.ceil(retry_after / 60)} minute(s).",
        retry_after=retry_after,
        code="collection_writes",
    )


def allow_data_export(*, recent: QuerySet) -> None:
    """One more data export by a member whose exports are ``recent`` (their ``created_at``
    values, failed ones left out, counted under the member's row lock by
    ``privacy.services.export.export_request``).

    Raises ``RateLimited`` (code ``exports_per_day``) past ``ATELIER_EXPORTS_PER_DAY`` in the
    last 24 hours, with the seconds until the oldest of them leaves the window. Building a
    ZIP of every original is the most expensive thing a member can ask the workers for.
    """
    since = timezone.now() - timedelta(days=1)
    wait = recent_rows_wait(
        recent.filter(created_at__gte=since), limit=settings.ATELIER_EXPORTS_PER_DAY, since=since
    )
    if wait is not None:
        hours = math.ceil(wait / HOUR)
        raise RateLimited(
            "You have already asked for an export today. You can ask for another in about "
            f"{hours} hour{'s' if hours != 1 else ''}.",
            retry_after=wait,
            code="exports_per_day",
        )


def allow_comment(*, user_id: int) -> None:
    """One new comment or reply by member ``user_id``, from a token bucket of ``COMMENT_RATE``
    (default ``30/h``: 30 at once, then one back every two minutes).

    A bucket, not rows: a comment deleted a minute later must not hand its token back, and a
    refused or replayed comment never reaches this. Raises ``RateLimited`` (code
    ``comment_rate``) with the seconds until the next token is back.
    """
    allowed, period = parse_rate(settings.COMMENT_RATE)
    wait = bucket_take(f"comments:{user_id}", capacity=allowed, period=period)
    if not wait:
        return
    retry_after = max(1, math.ceil(wait))
    raise RateLimited(
        f"You are commenting faster than the site allows. Please wait {_in_words(retry_after)} "
        "and try again.",
        retry_after=retry_after,
        code="comment_rate",
    )


def allow_comment_on_post(*, last_at: datetime | None) -> None:
    """For a member at trust level NEW: one comment per post per
    ``COMMENT_NEW_MEMBER_COOLDOWN`` seconds. ``last_at`` is when they last commented on this
    post (read by ``comment_create`` under their row lock, so two tabs cannot both pass).

    Raises ``RateLimited`` (code ``comment_cooldown``) with the seconds left.
    """
    cooldown = settings.COMMENT_NEW_MEMBER_COOLDOWN
    if last_at is None or not cooldown:
        return
    left = cooldown - (timezone.now() - last_at).total_seconds()
    if left <= 0:
        return
    retry_after = max(1, math.ceil(left))
    raise RateLimited(
        f"New accounts can comment on the same post once every {cooldown} seconds. "
        f"Please wait {_in_words(retry_after)}.",
        retry_after=retry_after,
        code="comment_cooldown",
    )


def _in_words(seconds: int) -> str:
    """``45`` → "45 seconds", ``130`` → "3 minutes" (rounded up: never promise too early)."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
