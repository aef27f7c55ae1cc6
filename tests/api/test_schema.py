"""Schemathesis against the schema the app serves: no 500s, every response as documented.

The schema is loaded from the running app (WSGI, in-process) at /api/schema/. Every operation
gets a bounded number of generated requests, positive and negative, sent with a read-write token
of a verified member, so the write operations run too; the moderators' and reviewers' operations
(/cases/, /appeals/, /review/) are sent with a moderator's token (a veteran member, so they may
review too). Generated ids and handles are pointed at real rows half of the time, so the success
paths are exercised as well as the 404s.
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

from accounts.models import NotificationKind
from accounts.services import notify, token_create
from config.wsgi import application
from gallery.services.portfolio import pins_set as portfolio_pins_set
from gallery.services.portfolio import section_create
from moderation.services.appeals import appeal_create
from moderation.services.decisions import case_decide
from moderation.services.flags import flag_create
from tests.factories import ArtworkFactory, ModeratorFactory, UserFactory

MAX_EXAMPLES = 12
MODERATOR_PATHS = ("/api/v1/cases/", "/api/v1/appeals/", "/api/v1/review/")
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
    # A portfolio of the member's (pins and sections), so its read and writes find real rows.
    portfolio_pins_set(artist=member, artwork_ids=[artworks[1].pk, artworks[0].pk])
    sections = [
        section_create(artist=member, title=f"Section {i}", artwork_ids=[artworks[i].pk])
        for i in range(2)
    ]
    for i in range(3):
        notify(user=member, kind=NotificationKind.DECISION, title=f"Note {i}", url="/")
    moderation = _moderation_world(member, other, artworks)
    _token, key = token_create(user=member, name="schemathesis", scope="write")
    _token, moderator_key = token_create(
        user=moderation["moderator"], name="schemathesis", scope="write"
    )
    rates = {key: "100000/min" for key in settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]}
    rest = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    with override_settings(REST_FRAMEWORK=rest):
        yield {
            "key": key,
            "moderator_key": moderator_key,
            "artwork_ids": [a.pk for a in artworks],
            "notification_ids": list(member.notifications.values_list("pk", flat=True)),
            "handles": [member.handle, other.handle],
            "section_ids": [section.pk for section in sections],
            "case_ids": moderation["case_ids"],
            "decision_ids": moderation["decision_ids"],
            "appeal_ids": moderation["appeal_ids"],
        }


def _moderation_world(member, other, artworks) -> dict:
    """Open AI cases on the other's work; decisions on the member's, one of them appealed to
    the moderator, one appealed against the moderator's own decision, one not appealed."""
    moderator = ModeratorFactory(handle="schema-mod")
    colleague = ModeratorFactory(handle="schema-mod2")
    reporter = UserFactory(handle="schema-reporter")

    def case_on(artwork, reason="undisclosed-ai"):
        return flag_create(reporter=reporter, artwork=artwork, reason=reason).case

    open_cases = [case_on(artworks[3]), case_on(artworks[4]), case_on(artworks[5], "spam")]
    decisions = [
        case_decide(moderator=by, case_id=case_on(art).pk, action=action, reason="Schema.")
        for by, art, action in (
            (colleague, artworks[0], "hide"),
            (colleague, artworks[1], "warn"),
            (moderator, artworks[2], "strike"),
        )
    ]
    appeals = [
        appeal_create(appellant=member, decision=d, statement="Mine.") for d in decisions[1:]
    ]
    return {
        "moderator": moderator,
        "case_ids": [c.pk for c in open_cases] + [d.case_id for d in decisions],
        "decision_ids": [d.pk for d in decisions],
        "appeal_ids": [a.pk for a in appeals],
    }


def _pool(path: str, name: str, world) -> list:
    if name == "handle":
        return world["handles"]
    if name == "section_id":
        return world["section_ids"]
    for prefix, key in (
        ("/api/v1/notifications/", "notification_ids"),
        ("/api/v1/cases/", "case_ids"),
        ("/api/v1/review/", "case_ids"),
        ("/api/v1/appeals/", "appeal_ids"),
        ("/api/v1/decisions/", "decision_ids"),
    ):
        if path.startswith(prefix):
            return world[key]
    return world["artwork_ids"]


def _point_at_real_rows(case, world) -> None:
    params = case.path_parameters or {}
    for name in ("id", "case_id", "handle", "section_id"):
        value = params.get(name)
        if value is None:
            continue
        pool = _pool(case.path, name, world)
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
    key = world["moderator_key"] if case.path.startswith(MODERATOR_PATHS) else world["key"]
    case.call_and_validate(headers={"Authorization": f"Token {key}"}, checks=CHECKS)
