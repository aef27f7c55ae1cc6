"""The cache keeps one Redis client per connection pool (config.cache.ReusingRedisCacheClient):
Django's own builds a new one, with its table of response callbacks, for every call."""

from __future__ import annotations

from django.core.cache import cache

from accounts.models import User


def test_one_redis_client_serves_every_call():
    client = cache._cache.get_client()
    assert cache._cache.get_client() is client
    assert cache._cache.get_client(write=True) is client  # one server: one pool, one client
    cache.set("reuse-check", 1)
    assert cache.get("reuse-check") == 1


def test_is_moderator_asks_once_per_request(viewer, moderator, django_assert_num_queries):
    for user, expected in ((viewer, False), (moderator, True)):
        fresh = User.objects.get(pk=user.pk)
        with django_assert_num_queries(1):
            assert fresh.is_moderator is expected
            assert fresh.is_moderator is expected
