"""A Redis cache that degrades instead of failing when Redis is briefly unreachable.

The cache holds nothing that must not be lost (rendered fragments, rate-limit counters), so a
Redis restart should cost a few cache misses — not a 500 on every page. While Redis is down,
reads miss, writes are dropped and rate limits fail open; each failure is logged.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)
_last_logged = 0.0


def _log(operation: str, exc: Exception) -> None:
    global _last_logged
    now = time.monotonic()
    if now - _last_logged > 10:
        _last_logged = now
        logger.warning("cache %s failed, Redis unreachable: %s", operation, exc)


class ReusingRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one ``redis.Redis`` per connection pool.

    Django builds a new ``redis.Redis`` for every cache call, and each one fills a
    case-insensitive table of about 170 response callbacks: five calls a page cost more CPU
    than the calls themselves (docs/performance.md). A ``redis.Redis`` is safe to share
    between threads (each command takes a connection from the pool), and the pool notices a
    fork and reconnects, so one per pool is enough.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._client(connection_pool=self._get_connection_pool(write))
            self._clients[index] = client
        return client


class ResilientRedisCache(RedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as exc:
            _log("add", exc)
            # "Added": callers use add() as a lock (allauth's rate limits); failing open keeps
            # logins working during the outage instead of answering 429 to everyone.
            return True

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as exc:
            _log("get", exc)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set(key, value, timeout, version)
        except UNAVAILABLE as exc:
            _log("set", exc)
            return None

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as exc:
            _log("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as exc:
            _log("delete", exc)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as exc:
            _log("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as exc:
            _log("has_key", exc)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except UNAVAILABLE as exc:
            _log("incr", exc)
            return delta

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as exc:
            _log("set_many", exc)
            return list(data)

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except UNAVAILABLE as exc:
            _log("delete_many", exc)
            return None

    def bucket_take(self, key: str, *, capacity: int, period: float) -> float:
        """Take one token from the bucket at ``key``; 0.0 when taken, else the seconds until
        one is back. See ``config.ratelimit`` for the bucket's rules.

        One Lua script reads, refills and writes the bucket inside Redis: scripts run one at a
        time, so concurrent requests from many web processes cannot both take the last token,
        and Redis' own clock stamps the refill, so web hosts whose clocks drift agree. While
        Redis is unreachable the token is granted (fail open, like every limit here).
        """
        full_key = self.make_and_validate_key(key)
        try:
            client = self._cache.get_client(full_key, write=True)
            wait = client.eval(_BUCKET_SCRIPT, 1, full_key, capacity, period)
        except UNAVAILABLE as exc:
            _log("bucket_take", exc)
            return 0.0
        return float(wait)


# KEYS[1]: the bucket; ARGV: capacity, period in seconds. A full bucket holds ``capacity`` tokens
# and refills at capacity/period tokens a second; a missing key is a full bucket. Returns the
# wait as a string (Lua numbers returned to Redis are truncated to integers).
_BUCKET_SCRIPT = """
local capacity = tonumber(ARGV[1])
local period = tonumber(ARGV[2])
local rate = capacity / period
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local saved = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(saved[1]) or capacity
local at = tonumber(saved[2]) or now
tokens = math.min(capacity, tokens + math.max(0, now - at) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(period) + 1)
return tostring(wait)
"""
