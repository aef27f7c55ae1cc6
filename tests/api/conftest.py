"""API fixtures: a client for every persona, each calling with its own token."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import ApiToken
from tests.api.clients import PERSONA, ROLES, token_client


@pytest.fixture
def api():
    client = APIClient()
    client.user = None
    return client


@pytest.fixture
def client_for(request, db):
    """``client_for(role)``: an APIClient for that persona with a read-write token."""

    def make(role: str, scope: str = ApiToken.Scope.WRITE) -> APIClient:
        if role == "anonymous":
            client = APIClient()
            client.user = None
            return client
        return token_client(request.getfixturevalue(PERSONA[role]), scope)

    return make


@pytest.fixture(params=ROLES)
def role(request):
    return request.param
