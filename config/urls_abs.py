"""Absolute links: one place decides which scheme, host and port a link carries.

``SITE_URL`` set (production, ``make run``) wins everywhere. Unset, links follow the address the
request was served on, so ``PORT=18801`` or another host name never yields links to a server that
is not there. Code that runs outside a request (Celery tasks) can only use ``SITE_URL``, falling
back to the development address.
"""

from __future__ import annotations

from contextvars import ContextVar
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# Used only when neither SITE_URL nor a request says where the site lives (a task, a shell).
DEVELOPMENT_BASE = "http://127.0.0.1:8000"

# Services render emails without being handed the request; the middleware below lends it to them
# for the request's duration. A ContextVar, not a thread-local, so ASGI requests stay apart.
_current_request: ContextVar[HttpRequest | None] = ContextVar("atelier_request", default=None)


def site_base(request: HttpRequest | None = None) -> str:
    """``scheme://host[:port]`` without a trailing slash.

    The request's host goes through ``request.get_host()``, so a host outside ALLOWED_HOSTS raises
    ``DisallowedHost`` (answered 400) rather than being written into links.
    """
    if settings.SITE_URL:
        return settings.SITE_URL
    request = request if request is not None else _current_request.get()
    if request is None:
        return DEVELOPMENT_BASE
    return request.build_absolute_uri("/").rstrip("/")


def absolute_url(request: HttpRequest | None, path: str) -> str:
    """``path`` (a site path or an already absolute URL, e.g. a CDN's) made absolute."""
    if "://" in path:
        return path
    return site_base(request) + path


def site_domain() -> str:
    """The host[:port] for the sites framework's row, from SITE_URL (or the development base)."""
    return urlsplit(settings.SITE_URL or DEVELOPMENT_BASE).netloc


class CurrentRequestMiddleware:
    """Lend the request to ``site_base()`` callers that are not handed it (emails, storages)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _current_request.set(request)
        try:
            return self.get_response(request)
        finally:
            _current_request.reset(token)


def sync_site_row(**kwargs) -> None:
    """post_migrate: the sites framework's row names this site, never ``example.com``.

    allauth's emails say "Hello from {{ current_site.name }}" and the admin links to the domain.
    """
    from django.contrib.sites.models import Site

    Site.objects.update_or_create(
        pk=settings.SITE_ID, defaults={"domain": site_domain(), "name": settings.SITE_NAME}
    )
