"""The client's address, the one identity every per-IP limit counts by.

Behind proxies ``REMOTE_ADDR`` is the nearest proxy's address, so limits keyed on it become one
bucket for the whole site. Each proxy we run appends the address it saw to ``X-Forwarded-For``;
with ``TRUSTED_PROXY_HOPS = N`` the N-th entry from the right is the one our outermost proxy
wrote. Everything to its left was written by the client and is never read: taking the leftmost
entry would let anyone choose a fresh identity per request.

Used by allauth (``accounts.adapters.AccountAdapter.get_client_ip``) and the API throttles
(``api.throttling``); any new per-IP limit must use it too.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

UNKNOWN = "unknown"


def _parse(entry: str) -> str | None:
    """An entry as a normalised IP address, tolerating a port (``1.2.3.4:80``, ``[::1]:80``)."""
    entry = entry.strip()
    if entry.startswith("[") and "]" in entry:
        entry = entry[1 : entry.index("]")]
    elif entry.count(":") == 1:
        entry = entry.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(entry))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str:
    """The client's IP address as our outermost trusted proxy saw it.

    With ``TRUSTED_PROXY_HOPS = 0`` (no proxy) this is ``REMOTE_ADDR`` and ``X-Forwarded-For``
    is ignored. With N hops it is the N-th ``X-Forwarded-For`` entry from the right; a header
    with fewer entries (a request that bypassed the outer proxies) yields its leftmost entry,
    which one of ours still wrote. An unreadable entry falls back to ``REMOTE_ADDR``: a shared
    bucket that fails closed rather than an identity the client picks.
    """
    remote = _parse(request.META.get("REMOTE_ADDR", "")) or UNKNOWN
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    # Several X-Forwarded-For header lines arrive joined by commas (WSGI, RFC 9110).
    forwarded = [e for e in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if e.strip()]
    if not forwarded:
        return remote
    return _parse(forwarded[-min(hops, len(forwarded))]) or remote


def client_ip_bucket(request: HttpRequest) -> str:
    """``client_ip`` with IPv6 addresses widened to their /64, the block one subscriber gets:
    otherwise a single host could cycle through 2**64 identities."""
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return ip
