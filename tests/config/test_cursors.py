"""Keyset cursors come back from the client: config.cursors refuses anything it did not write,
and every listing, on the site and the API, answers 400 to a tampered cursor."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.test import Client
from taggit.models import Tag

from config import cursors
from tests.api.clients import token_client
from tests.factories import ArtworkFactory


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


EXTREME_TZ = _b64("0001-01-01T00:00:00+14:00|1")  # overflowed SQLite's UTC conversion (500)
TAMPERED = [
    EXTREME_TZ,
    _b64("9999-12-31T23:59:59-14:00|1"),
    _b64("2026-01-01T00:00:00|1"),  # no timezone
    _b64("2026-01-01T00:00:00+00:00|0"),
    _b64(f"2026-01-01T00:00:00+00:00|{2**63}"),
    _b64("nan|1"),
    "not*base64!",
    "A" * 500,
]


def test_decoder_refuses_the_extreme_timezone_cursor():
    with pytest.raises(cursors.BadCursor):
        cursors.decode_time(EXTREME_TZ)


@pytest.mark.parametrize("cursor", TAMPERED)
def test_time_decoder_refuses_tampered_cursors(cursor):
    with pytest.raises(cursors.BadCursor):
        cursors.decode_time(cursor)


@pytest.mark.parametrize(
    "text", ["nan|1", "inf|1", "-inf|1", "1.5|0", "1.5|-3", "1.5", "x|1", "1.5|1|2"]
)
def test_score_decoder_refuses_tampered_cursors(text):
    with pytest.raises(cursors.BadCursor):
        cursors.decode_score(_b64(text))


def test_cursors_round_trip_in_utc():
    when = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    decoded, pk = cursors.decode_time(cursors.encode(when, 42))
    assert (decoded, pk) == (when, 42)
    assert decoded.tzinfo is UTC
    assert cursors.decode_score(cursors.encode(0.1 + 0.2, 7)) == (0.1 + 0.2, 7)


# --- every listing ----------------------------------------------------------------------------


@pytest.fixture
def listings(db, artist, viewer, moderator):
    """(client, url) for every paginated listing, each allowed to see it."""
    ArtworkFactory(artist=artist)
    Tag.objects.create(name="ink", slug="ink")
    member, mod = Client(), Client()
    member.force_login(viewer)
    mod.force_login(moderator)
    anonymous = Client()
    return {
        "site latest": (anonymous, "/"),
        "site following": (member, "/following/"),
        "site search": (anonymous, "/search/?q=art"),
        "site tag": (anonymous, "/tags/ink/"),
        "site medium": (anonymous, "/medium/illustration/"),
        "site artist": (anonymous, "/@ana/"),
        "site moderation queue": (mod, "/moderation/"),
        "api artworks": (anonymous, "/api/v1/artworks/"),
        "api artist artworks": (anonymous, "/api/v1/artists/ana/artworks/"),
        "api notifications": (token_client(viewer), "/api/v1/notifications/"),
        "api cases": (token_client(moderator), "/api/v1/cases/"),
    }


LISTINGS = [
    "site latest",
    "site following",
    "site search",
    "site tag",
    "site medium",
    "site artist",
    "site moderation queue",
    "api artworks",
    "api artist artworks",
    "api notifications",
    "api cases",
]


@pytest.mark.parametrize("name", LISTINGS)
@pytest.mark.parametrize("cursor", [EXTREME_TZ, "not*base64!", _b64("nan|1")])
def test_every_listing_answers_400_to_a_tampered_cursor(listings, name, cursor):
    client, url = listings[name]
    assert client.get(url).status_code == 200
    joiner = "&" if "?" in url else "?"
    response = client.get(f"{url}{joiner}after={cursor}")
    assert response.status_code == 400
    if name.startswith("api"):
        assert response.json()["errors"]["after"]


def test_an_ascending_page_walks_forwards_without_gaps_or_repeats(db, artist):
    from datetime import timedelta

    from django.utils import timezone

    from community.models import Comment
    from config.cursors import keyset_page
    from tests.factories import ArtworkFactory

    artwork = ArtworkFactory(artist=artist)
    rows = Comment.objects.bulk_create(
        Comment(artwork=artwork, author=artist, body=str(i)) for i in range(7)
    )
    # Two share a timestamp: the id breaks the tie, forwards.
    stamp = timezone.now()
    for index, row in enumerate(rows):
        row.created_at = stamp + timedelta(seconds=min(index, 5))
    Comment.objects.bulk_update(rows, ["created_at"])
    qs = Comment.objects.order_by("created_at", "id")
    seen, cursor = [], None
    while True:
        page = keyset_page(qs, cursor, key="created_at", size=2, ascending=True)
        seen += [c.body for c in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == [str(i) for i in range(7)]
