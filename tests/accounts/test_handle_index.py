"""Every page addressed by a member's handle finds them through an index, not a table scan.

Handles are unique whatever their case through ``LOWER(handle)`` (accounts_user_handle_ci_unique);
Django's ``__iexact`` compiles to ``UPPER(handle)``, which that index cannot serve, so each
artist page read every member's row. Each page's queries are caught as sent, then explained
with sequential scans priced out of reach: a lookup the index can serve uses it; one it cannot
still scans, and the test names it.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.models import Collection
from tests.factories import ArtworkFactory, UserFactory

pytestmark = pytest.mark.django_db


def _scans_of_members(sql: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = [row[0] for row in cursor.fetchall()]
        cursor.execute("SET LOCAL enable_seqscan = on")
    return [line.strip() for line in plan if "Seq Scan on accounts_user " in line + " "]


def _handle_queries(run) -> list[str]:
    with CaptureQueriesContext(connection) as caught:
        run()
    found = [q["sql"] for q in caught.captured_queries if "LOWER(\"accounts_user\".\"handle\")"
             in q["sql"] or "UPPER(\"accounts_user\".\"handle\"" in q["sql"]]  # fmt: skip
    assert found, "the page looked nobody up by handle"
    return found


@pytest.fixture
def addressed(db):
    person = UserFactory(handle="Ana_Paints")
    ArtworkFactory(artist=person)
    Collection.objects.create(owner=person, title="Blues", slug="blues")
    return person


@pytest.mark.parametrize(
    "path",
    [
        "/@ana_paints/",
        "/@ANA_PAINTS/cv/",
        "/@ana_paints/feed.atom",
        "/@ana_paints/followers/",
        "/@ana_paints/collections/",
        "/@ana_paints/collections/blues/",
        "/api/v1/artists/ana_paints/",
        "/api/v1/artworks/?artist=ana_paints",
    ],
)
def test_handle_lookups_use_the_case_insensitive_index(client, addressed, path):
    responses = []
    queries = _handle_queries(lambda: responses.append(client.get(path)))
    assert responses[0].status_code == 200, path
    for sql in queries:
        assert _scans_of_members(sql) == [], sql


def test_an_unknown_handle_is_still_a_404(client, addressed):
    assert client.get("/@nobody-here/").status_code == 404
    assert client.get("/api/v1/artists/nobody-here/").status_code == 404
