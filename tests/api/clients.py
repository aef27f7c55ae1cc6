"""API test helpers: the roles, clients with tokens, and rate overrides."""

from __future__ import annotations

from django.conf import settings
from django.test import override_settings
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from accounts.models import ApiToken, User
from accounts.services import token_create

ROLES = ["anonymous", "member", "owner", "trusted_reviewer", "moderator", "suspended"]
# The persona fixture (tests/conftest.py) behind each role; the owner is the artist.
PERSONA = {
    "member": "viewer",
    "owner": "artist",
    "trusted_reviewer": "trusted_reviewer",
    "moderator": "moderator",
    "suspended": "suspended_user",
}


def throttle_rates(**changes: str):
    """``override_settings`` for some of the API's rates (the throttles read them per request)."""
    rates = {**api_settings.DEFAULT_THROTTLE_RATES, **changes}
    return override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    )


def token_client(user, scope: str = ApiToken.Scope.WRITE) -> APIClient:
    """An APIClient that sends a fresh token of ``user``'s; ``client.user`` says whose.

    A suspended member cannot create tokens, so theirs is made as one minted just before the
    suspension: lifted for the call, then restored.
    """
    client = APIClient()
    suspended_until = User.objects.values_list("suspended_until", flat=True).get(pk=user.pk)
    if suspended_until is not None:
        User.objects.filter(pk=user.pk).update(suspended_until=None)
    _token, key = token_create(user=user, name="tests", scope=scope)
    if suspended_until is not None:
        User.objects.filter(pk=user.pk).update(suspended_until=suspended_until)
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.user = user
    return client
