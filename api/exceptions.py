"""Every API error is JSON: ``{"detail": "…", "errors": {"field": ["…"]}}``.

``detail`` is one sentence a person can act on; ``errors`` lists every problem by field
(``non_field_errors`` for the rest), with the site's own messages where the site has them.

The services' typed refusals (``config.errors``) are mapped here and nowhere else, so a view
calls a service and lets its refusal through: ``Invalid`` 400 (its field errors), ``NotAllowed``
403, ``NotFound`` 404, ``Conflict`` 409, ``RateLimited`` 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.forms import Form
from django.forms.utils import ErrorDict
from rest_framework import exceptions, status
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from config import cursors
from config import errors as domain

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY
BAD_CURSOR = "This cursor is not valid: follow the `next` link of the previous page."


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request is too large."
    default_code = "too_large"


# DRF has no 409 of its own. Services raise config.errors.Conflict when the object's current
# state refuses the request: a case decided or claimed by another moderator, a second vote.
class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This cannot be done in the current state."
    default_code = "conflict"


class SiteLimit(exceptions.Throttled):
    """A limit of the site's own (uploads, reports per hour) rather than of the API's
    throttles: its message is the site's, not the generic "Too many requests"."""

    def __init__(self, detail: str, wait: int) -> None:
        super().__init__(wait=wait, detail=detail)
        # Throttled appends "Expected available in N seconds." to the detail: put the site's
        # sentence back alone. ``wait`` stays, and with it the Retry-After header.
        self.detail = exceptions.ErrorDetail(detail, code=self.default_code)


def form_errors(form: Form) -> exceptions.ValidationError:
    """The form's errors, messages untouched, as an API validation error."""
    return exceptions.ValidationError(_from_error_dict(form.errors))


def _from_error_dict(errors: ErrorDict) -> dict[str, list[str]]:
    return {(NON_FIELD if k == "__all__" else k): [str(m) for m in v] for k, v in errors.items()}


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details → ``{"field": [...], "field.0": [...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            for k, v in _flatten(value, name).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        for i, value in enumerate(detail):
            if isinstance(value, dict | list):
                for k, v in _flatten(value, f"{prefix}.{i}" if prefix else str(i)).items():
                    out.setdefault(k, []).extend(v)
            else:
                out.setdefault(prefix or NON_FIELD, []).append(str(value))
    else:
        out.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return out


def _summary(errors: dict[str, list[str]]) -> str:
    if errors.get(NON_FIELD):
        first = errors[NON_FIELD][0]
    else:
        field, messages = next(iter(errors.items()))
        first = f"{field}: {messages[0]}"
    more = sum(len(m) for m in errors.values()) - 1
    return f"{first} (and {more} more: see errors)" if more > 0 else first


def _from_domain(exc: domain.DomainError) -> exceptions.APIException:
    """A service's typed refusal as the DRF exception that answers with its status."""
    if isinstance(exc, domain.Invalid):
        fields = {(NON_FIELD if k == "__all__" else k): v for k, v in exc.field_errors.items()}
        return exceptions.ValidationError(fields or {NON_FIELD: [exc.message]}, code=exc.code)
    if isinstance(exc, domain.NotAllowed):
        return exceptions.PermissionDenied(exc.message, code=exc.code)
    if isinstance(exc, domain.NotFound):
        return exceptions.NotFound(exc.message, code=exc.code)
    if isinstance(exc, domain.Conflict):
        return Conflict(exc.message, code=exc.code)
    if isinstance(exc, domain.RateLimited):
        return SiteLimit(exc.message, wait=exc.retry_after)
    # A DomainError of no known kind is still a refusal, never a 500.
    return exceptions.ValidationError({NON_FIELD: [exc.message]}, code=exc.code)


def _translate(exc: Exception) -> Exception:
    """Django's own exceptions that a bad request can raise, and the services' typed
    refusals, as API exceptions."""
    if isinstance(exc, domain.DomainError):
        return _from_domain(exc)
    if isinstance(exc, cursors.BadCursor):
        # Every listing's cursor is the ``after`` parameter.
        return exceptions.ValidationError({"after": [BAD_CURSOR]})
    # DRF converts only Django's Http404 and PermissionDenied; a ValidationError from a
    # model's clean, or a service that raises Django's own, would otherwise be a 500.
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(
                {(NON_FIELD if k == "__all__" else k): v for k, v in exc.message_dict.items()}
            )
        return exceptions.ValidationError({NON_FIELD: exc.messages})
    # Both are SuspiciousOperation subclasses: they must be tested before it, or an
    # oversized body would read as an unreadable one.
    if isinstance(exc, RequestDataTooBig):
        mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
        return PayloadTooLarge(f"The request's fields are larger than {mb} MB.")
    if isinstance(exc, TooManyFilesSent):
        return exceptions.ValidationError(
            {"images": [f"At most {settings.ATELIER_MAX_IMAGES_PER_POST} images per post."]}
        )
    if isinstance(exc, SuspiciousOperation):
        # Django would answer it with an HTML 400 page; the API's answers are all JSON.
        return exceptions.ParseError("The request could not be read.")
    return exc


def exception_handler(exc: Exception, context: dict) -> Any:
    exc = _translate(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        # Not a refusal but a bug: DRF re-raises it for Django's 500 handling and logging.
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail) or {NON_FIELD: ["The request is not valid."]}
        response.data = {"detail": _summary(errors), "errors": errors}
    # The API's own throttles get one wording; a SiteLimit keeps the service's sentence.
    elif isinstance(exc, exceptions.Throttled) and not isinstance(exc, SiteLimit):
        wait = f" in {int(exc.wait)} seconds" if exc.wait else " later"
        response.data = {"detail": f"Too many requests: try again{wait}.", "errors": {}}
    else:
        detail = response.data.get("detail") if isinstance(response.data, dict) else None
        response.data = {"detail": str(detail or exc), "errors": {}}
    return response
