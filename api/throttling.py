"""The API's throttles: thin DRF adapters over ``config.ratelimit``'s token bucket.

Per token (or session member), per IP for anonymous callers, and a separate, tighter limit on
the token endpoint per IP and per login. The IP is ``config.client_ip``'s, the same one
allauth's limits count by. Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` and are
read on every request, so ``override_settings`` works in tests. DRF's own throttles read,
append and write back a list in the cache, which races between web processes; the bucket does
not.
"""

from __future__ import annotations

import hashlib
import math

from rest_framework.throttling import BaseThrottle

from accounts.models import ApiToken
from config.client_ip import client_ip_bucket
from config.ratelimit import allow_api_request


class BucketThrottle(BaseThrottle):
    """One token of the identity's bucket per request; ``wait()`` is when the next is back."""

    def __init__(self) -> None:
        self._wait: float | None = None

    def identity(self, request) -> tuple[str, str] | None:
        """(rate name, identity) for this request, or None to skip the limit."""
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        # DRF asks the throttles after authentication and permissions (APIView.initial): a
        # request refused with 401 or 403 spends nothing from any bucket.
        found = self.identity(request)
        if found is None:
            return True
        rate, ident = found
        wait = allow_api_request(rate=rate, identity=ident)
        self._wait = wait or None
        return not wait

    def wait(self) -> float | None:
        return math.ceil(self._wait) if self._wait is not None else None


class ClientThrottle(BucketThrottle):
    """Every API request: per token, per session member, or per IP for anonymous callers."""

    def identity(self, request):
        # Keyed by the token's row id, never its key: the identity ends up in cache keys.
        if isinstance(request.auth, ApiToken):
            return "client", f"token:{request.auth.pk}"
        if request.user.is_authenticated:
            return "client", f"user:{request.user.pk}"
        return "anon", f"ip:{client_ip_bucket(request)}"


class TokenObtainIpThrottle(BucketThrottle):
    """Token requests per IP address."""

    def identity(self, request):
        return "token-obtain", f"ip:{client_ip_bucket(request)}"


class TokenObtainLoginThrottle(BucketThrottle):
    """Per login, whatever the IP: slows password guessing spread over many addresses."""

    def identity(self, request):
        # Throttles run before the view validates the body: it may be a JSON list or number.
        data = request.data if isinstance(request.data, dict) else {}
        # Lower-cased because the login backends match a handle or an email in any case:
        # changing the case must not buy a fresh bucket.
        login = str(data.get("login", "")).strip().lower()
        if not login:
            # Nothing to guess with: the serializer answers 400, and the IP bucket still counts.
            return None
        # Hashed: the login is unvalidated input of any length, and an email address should
        # not sit in the cache's keys.
        return "token-obtain", "login:" + hashlib.sha256(login.encode()).hexdigest()[:32]
