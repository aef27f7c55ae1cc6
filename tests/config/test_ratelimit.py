"""config.ratelimit: one token bucket in Redis, atomic across processes, failing open while
Redis is down; the same bucket in local memory for the embedded default."""

from __future__ import annotations

import threading

import pytest
from django.core.cache.backends.locmem import LocMemCache

from config import ratelimit
from config.cache import ResilientRedisCache
from config.errors import RateLimited


@pytest.fixture
def dead_redis(monkeypatch):
    """The limits' cache swapped for a Redis that refuses connections (only here: swapping
    the CACHES setting would outlive the test if another fixture restored settings later)."""
    dead = ResilientRedisCache(
        "redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}
    )
    monkeypatch.setattr(ratelimit, "cache", dead)


@pytest.fixture
def local_memory(monkeypatch):
    """The limits' cache as the embedded default's: this process's memory, no Lua."""
    monkeypatch.setattr(ratelimit, "cache", LocMemCache("ratelimit-test", {}))


def test_bucket_grants_its_capacity_then_says_when_the_next_token_is_back():
    waits = [ratelimit.bucket_take("t:a", capacity=3, period=3600) for _ in range(4)]
    assert waits[:3] == [0.0, 0.0, 0.0]
    # Three tokens an hour: one is back 20 minutes after the bucket ran dry.
    assert 1190 < waits[3] <= 1200
    assert ratelimit.bucket_take("t:b", capacity=3, period=3600) == 0.0  # buckets are per key


def test_bucket_refills_over_time():
    assert ratelimit.bucket_take("t:fast", capacity=1, period=1) == 0.0
    assert ratelimit.bucket_take("t:fast", capacity=1, period=1) > 0
    threading.Event().wait(1.05)
    assert ratelimit.bucket_take("t:fast", capacity=1, period=1) == 0.0


def test_concurrent_takes_never_overshoot_the_capacity():
    results: list[float] = []
    barrier = threading.Barrier(12)

    def take() -> None:
        barrier.wait(timeout=10)
        results.append(ratelimit.bucket_take("t:race", capacity=5, period=3600))

    threads = [threading.Thread(target=take) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(w == 0.0 for w in results) == [False] * 7 + [True] * 5


def test_limits_fail_open_while_redis_is_unreachable(dead_redis, settings):
    settings.ATELIER_UPLOAD_ATTEMPTS_PER_HOUR = 1
    for _ in range(3):
        ratelimit.allow_upload_attempt(user_id=1)  # never raises
    assert ratelimit.bucket_take("t:dead", capacity=1, period=60) == 0.0


def test_local_memory_bucket_behaves_the_same(local_memory, settings):
    settings.ATELIER_UPLOAD_ATTEMPTS_PER_HOUR = 2
    ratelimit.allow_upload_attempt(user_id=7)
    ratelimit.allow_upload_attempt(user_id=7)
    with pytest.raises(RateLimited) as refused:
        ratelimit.allow_upload_attempt(user_id=7)
    assert refused.value.code == "upload_attempts"
    assert 1790 <= refused.value.retry_after <= 1800
    assert "try again in 30 minutes" in refused.value.message
    ratelimit.allow_upload_attempt(user_id=8)
