"""Where to send someone back to after a form: the one place that reads ``next``."""

from __future__ import annotations

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next_url(request, *, default: str) -> str:
    """The ``next`` the request carries (POST first, then the query string) when it points to
    this site, else ``default`` (a path or a URL name).

    Another host, a scheme-relative ``//host``, a non-HTTP scheme, or plain http from a page
    served over https are all refused: a link that bounces a member from our page to any
    other site is a phishing tool.
    """
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)
