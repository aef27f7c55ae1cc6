"""Typed domain errors: what a service raises when it refuses, and the site's one mapping.

Services raise these instead of choosing HTTP status codes or leaving callers to sniff
messages: the type says *why* (not allowed, missing, a state conflict, too often, bad input),
``message`` is one sentence for the person. They live in ``config`` so that every app can raise
them without importing another app (accounts <- gallery <- moderation <- api).

Two mappings turn them into answers, one per audience:

- the API: ``api.exceptions.exception_handler`` (JSON body, status, ``Retry-After``);
- the site: views that re-render a form call ``form_error``; anything a view lets escape is
  turned into the matching page by ``DomainErrorMiddleware``.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import PermissionDenied
from django.core.handlers.exception import response_for_exception
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render


class DomainError(Exception):
    """A use case refused; ``message`` says why, for the person who asked."""

    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "invalid"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code

    @property
    def messages(self) -> list[str]:
        """Every message for the person (``Invalid`` may carry one per field)."""
        return [self.message]

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer must carry, whichever surface answers."""
        return {}


class NotAllowed(DomainError):
    """This person may not do this at all, whatever the state (403)."""

    status = 403
    default_code = "not_allowed"


class NotFound(DomainError):
    """The thing acted on does not exist, or not for this person (404)."""

    status = 404
    default_code = "not_found"


class Conflict(DomainError):
    """The current state stands in the way: decided, claimed, already done (409)."""

    status = 409
    default_code = "conflict"


class RateLimited(DomainError):
    """Too often; ``retry_after`` is the real number of seconds until the next try counts."""

    status = 429
    default_code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        # Never 0: a client told "retry in 0 seconds" retries at once and is refused again.
        self.retry_after = max(1, int(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Invalid(DomainError):
    """The input cannot be used (400). ``field_errors`` names the fields when it can."""

    status = 400
    default_code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        field_errors: dict[str, list[str]] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.field_errors = field_errors or {}

    @property
    def messages(self) -> list[str]:
        flat = [m for messages in self.field_errors.values() for m in messages]
        return flat or [self.message]


# --- The site's mapping -------------------------------------------------------------------------


def form_error(form: Form, exc: DomainError) -> int:
    """Show ``exc`` on ``form`` (by field where the form has the field) and return the status
    the re-rendered page answers with; the caller adds ``exc.headers`` to the response.

    A re-shown form answers 400 for input and state alike (the site's pages always have; the
    409 is the API's distinction, for clients that branch on it), 403 for ``NotAllowed`` and
    429 for ``RateLimited``, where ``Retry-After`` tells a browser or a script when to retry.
    """
    fields = exc.field_errors if isinstance(exc, Invalid) else {}
    for field, messages in fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)
    if not fields:
        form.add_error(None, exc.message)
    return exc.status if isinstance(exc, NotAllowed | RateLimited) else 400


def with_headers(response: HttpResponse, exc: DomainError) -> HttpResponse:
    for name, value in exc.headers.items():
        response[name] = value
    return response


class DomainErrorMiddleware:
    """A ``DomainError`` that escapes a site view becomes the page for its status.

    403 and 404 go through the project's own handlers (``handler403``/``handler404``), so a
    refusal looks the same whether a view or a service found it; 429 is the "slow down" page
    with the real ``Retry-After``; 400 and 409 show the message.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DomainError):
            return None
        if isinstance(exc, NotAllowed):
            return response_for_exception(request, PermissionDenied(exc.message))
        if isinstance(exc, NotFound):
            return response_for_exception(request, Http404(exc.message))
        if isinstance(exc, RateLimited):
            return with_headers(render(request, "errors/429.html", status=exc.status), exc)
        return render(request, "errors/refused.html", {"error": exc}, status=exc.status)
