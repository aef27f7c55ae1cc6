"""Schemathesis against the schema the app serves: no 500s, every response as documented.

The schema is loaded from the running app (WSGI, in-process) at /api/schema/. Every operation
gets a bounded number of generated requests, positive and negative, sent with a read-write token
of a verified member, so the write operations run too. Generated ids and handles are pointed at
real rows half of the time, so the success paths are exercised as well as the 404s.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import notify, token_create
from config.wsgi import application
from tests.factories import ArtworkFactory, UserFactory

MAX_EXAMPLES = 12
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("api-schema")]


@pytest.fixture
def wsgi_keeps_the_connection():
    """Requests go through the real WSGI handler, whose end-of-request signal closes the
    database connection: that would end the test's transaction. Django's test client
    disconnects the same receiver for the same reason."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(wsgi_keeps_the_connection):
    """A member with a read-write token, artworks of theirs and of others, notifications."""
    member = UserFactory(handle="schema-member")
    other = UserFactory(handle="schema-other")
    artworks = [ArtworkFactory(artist=member) for _ in range(3)]
    artworks += [ArtworkFactory(artist=other) for _ in range(3)]
    artworks[0].tags.set(["sea"])
    for i in range(3):
        notify(user=member, kind="test", title=f"Note {i}", url="/")
    _token, key = token_create(user=member, name="schemathesis", scope="write")
    rates = {key: "100000/min" for key in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    with override_settings(REST_FRAMEWORK=rest):
        yield {
            "key": key,
            "artwork_ids": [a.pk for a in artworks],
            "notification_ids": list(member.notifications.values_list("pk", flat=True)),
            "handles": [member.handle, other.handle],
        }


def _point_at_real_rows(case, world) -> None:
    params = case.path_parameters or {}
    for name, pool in (
        ("id", world["notification_ids"] if "/notifications/" in case.path
         else world["artwork_ids"]),
        ("handle", world["handles"]),
    ):  # fmt: skip
        value = params.get(name)
        if value is None:
            continue
        pick = hash(str(value))
        if pick % 2 == 0:
            params[name] = pool[pick // 2 % len(pool)]


@schema.parametrize()
@hypothesis_settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_conforms_to_its_schema(case, world):
    _point_at_real_rows(case, world)
    case.call_and_validate(headers={"Authorization": f"Token {world['key']}"}, checks=CHECKS)
