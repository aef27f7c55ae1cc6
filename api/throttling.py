"""Rate limits: per token (or session member), per IP for anonymous callers, and a separate,
tighter limit on the token endpoint per IP and per login. The IP is ``config.client_ip``'s, the
same one allauth's limits count by.

Fixed windows counted with ``cache.add`` + ``cache.incr``: both atomic in Redis, so concurrent
requests from many web processes cannot lose an increment (DRF's own throttles read, append
and write back a list, which races). Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``
and are read on every request, so ``override_settings`` works in tests.
"""

from __future__ import annotations

import hashlib
import math
import time

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from accounts.models import ApiToken
from config.client_ip import client_ip_bucket

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"60/min"`` → (60, 60): requests allowed and the window in seconds."""
    number, period = rate.split("/")
    return int(number), PERIODS[period[0]]


class WindowThrottle(BaseThrottle):
    """Allow ``rate`` requests per window for one identity; ``wait()`` is the window's rest."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def identity(self, request) -> tuple[str, str] | None:
        """(rate name, identity) for this request, or None to skip the limit."""
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        found = self.identity(request)
        if found is None:
            return True
        rate_name, ident = found
        allowed, period = parse_rate(api_settings.DEFAULT_THROTTLE_RATES[rate_name])
        now = time.time()
        window = int(now // period)
        key = f"api-throttle:{rate_name}:{ident}:{window}"
        cache.add(key, 0, timeout=period + 1)
        try:
            count = cache.incr(key)
        except ValueError:
            # The key expired between add and incr (the window just ended): count afresh.
            cache.set(key, 1, timeout=period + 1)
            count = 1
        if count <= allowed:
            return True
        self._wait = period - (now % period)
        return False

    def wait(self) -> float | None:
        return math.ceil(self._wait) if self._wait is not None else None


class ClientThrottle(WindowThrottle):
    """Every API request: per token, per session member, or per IP for anonymous callers."""

    def identity(self, request):
        if isinstance(request.auth, ApiToken):
            return "client", f"token:{request.auth.pk}"
        if request.user.is_authenticated:
            return "client", f"user:{request.user.pk}"
        return "anon", f"ip:{client_ip_bucket(request)}"


class TokenObtainIpThrottle(WindowThrottle):
    def identity(self, request):
        return "token-obtain", f"ip:{client_ip_bucket(request)}"


class TokenObtainLoginThrottle(WindowThrottle):
    """Per login, whatever the IP: slows password guessing spread over many addresses."""

    def identity(self, request):
        data = request.data if isinstance(request.data, dict) else {}
        login = str(data.get("login", "")).strip().lower()
        if not login:
            return None
        return "token-obtain", "login:" + hashlib.sha256(login.encode()).hexdigest()[:32]
