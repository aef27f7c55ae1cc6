"""The API's one mapping of the services' typed refusals (config.errors): status, body and
``Retry-After`` by type, never by message."""

from __future__ import annotations

import pytest

from api.exceptions import exception_handler
from config.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound, RateLimited
from moderation.services import ModerationConflict, ModerationRateLimited


def _answer(exc: Exception):
    response = exception_handler(exc, {})
    assert response is not None, f"{exc!r} was not answered"
    return response


@pytest.mark.parametrize(
    ("exc", "status"),
    [
        (NotAllowed("Another moderator must decide it."), 403),
        (NotFound("There is no such case."), 404),
        (Conflict("This case has already been decided."), 409),
        (ModerationConflict("This case has already been decided."), 409),
    ],
)
def test_refusals_answer_their_status_with_the_message_as_detail(exc, status):
    response = _answer(exc)
    assert response.status_code == status
    assert response.data == {"detail": exc.message, "errors": {}}
    assert "Retry-After" not in response


@pytest.mark.parametrize("cls", [RateLimited, ModerationRateLimited])
def test_rate_limited_is_a_429_with_its_own_retry_after(cls):
    response = _answer(cls("You have sent many reports in the last hour.", retry_after=754))
    assert response.status_code == 429
    assert response["Retry-After"] == "754"
    assert response.data == {
        "detail": "You have sent many reports in the last hour.",
        "errors": {},
    }


def test_retry_after_is_never_zero():
    assert _answer(RateLimited("Slow down.", retry_after=0))["Retry-After"] == "1"


def test_invalid_lists_its_field_errors_in_the_apis_shape():
    response = _answer(
        Invalid("a.png: not an image", field_errors={"images": ["a.png: not an image", "b"]})
    )
    assert response.status_code == 400
    assert response.data == {
        "detail": "images: a.png: not an image (and 1 more: see errors)",
        "errors": {"images": ["a.png: not an image", "b"]},
    }


def test_invalid_without_fields_is_a_non_field_error():
    response = _answer(Invalid("This post cannot be reported."))
    assert response.status_code == 400
    assert response.data == {
        "detail": "This post cannot be reported.",
        "errors": {"non_field_errors": ["This post cannot be reported."]},
    }


def test_a_domain_error_of_no_known_kind_is_a_400_not_a_500():
    response = _answer(DomainError("Cannot."))
    assert response.status_code == 400
    assert response.data["errors"] == {"non_field_errors": ["Cannot."]}
