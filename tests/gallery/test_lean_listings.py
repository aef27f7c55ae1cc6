"""Lean listings (issue 15, point 2): listing queries load only the columns their cards read,
whatever surface renders them."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from gallery import selectors, state
from gallery.models import Artwork
from gallery.services.artworks import artwork_index_search, artwork_relabel
from gallery.services.visibility import artwork_set_mature
from tests.factories import ArtworkFactory

pytestmark = pytest.mark.django_db

LISTINGS = [
    ("/", 1),  # the cards
    ("/tags/sea/", 2),  # the tag, then the cards
    ("/medium/drawing/", 1),
    ("/@ana/", 2),  # the artist, then the cards
    ("/search/?q=sea", 1),
]
ATOM = ["/@ana/feed.atom?show=all&mature=show", "/tags/sea/feed.atom?show=all&mature=show"]


@pytest.fixture
def deferred_loads(monkeypatch) -> list[tuple[str, list[str]]]:
    """Every deferred column read after the fact (each is one query per row)."""
    loads: list[tuple[str, list[str]]] = []
    original = Model.refresh_from_db

    def recording(self, using=None, fields=None, from_queryset=None):
        loads.append((type(self).__name__, list(fields or [])))
        return original(self, using=using, fields=fields, from_queryset=from_queryset)

    monkeypatch.setattr(Model, "refresh_from_db", recording)
    return loads


@pytest.fixture
def varied(artist, viewer):
    """Six listed posts, each with something a card shows differently: mature, relabeled by
    moderators, liked, described, AI-assisted with stages."""
    posts = []
    for i in range(6):
        artwork = ArtworkFactory(
            artist=artist, medium="drawing", title=f"sea {i}", description=f"waves {i}",
            like_count=i, ai_note="", label="human-made",
        )  # fmt: skip
        artwork.tags.set(["sea", f"t{i}"])
        artwork_index_search(artwork_id=artwork.pk)
        posts.append(artwork)
    artwork_set_mature(artwork_id=posts[1].pk, mature=True)
    artwork_relabel(
        artwork=posts[2], to_label="ai-assisted", by="moderator", actor=None, reason="Layers."
    )
    Artwork.objects.filter(pk=posts[3].pk).update(ai_stages=["colour"], label="ai-assisted")
    return posts


@pytest.fixture
def everything(client):
    client.cookies[selectors.PREFERENCE_COOKIE] = "all"
    client.cookies[state.MATURE_COOKIE] = "show"
    return client


@pytest.mark.parametrize(("url", "queries"), LISTINGS)
def test_listing_pages_read_no_deferred_column(
    everything, varied, url, queries, deferred_loads, django_assert_num_queries
):
    # Cold (nothing cached): as many queries as with one card, and no deferred column read.
    with django_assert_num_queries(queries):
        body = everything.get(url).content.decode()
    assert body.count('class="art-card"') == 6
    assert "Relabeled" in body or "relabeled" in body
    assert deferred_loads == []


@pytest.mark.parametrize("url", ATOM)
def test_atom_feeds_read_no_deferred_column(
    everything, varied, url, deferred_loads, django_assert_num_queries
):
    with django_assert_num_queries(3):  # the artist or tag, the entries, the site
        body = everything.get(url).content.decode()
    assert body.count("<entry>") == 6
    assert "waves 5" in body and "mature" in body
    assert deferred_loads == []


def test_api_list_reads_no_deferred_column(varied, deferred_loads, django_assert_num_queries):
    api = APIClient()
    with django_assert_num_queries(2):  # the page, its tags
        results = api.get("/api/v1/artworks/?show=all&mature=show").json()["results"]
    assert len(results) == 6
    assert {tuple(r["ai_stages"]) for r in results} == {(), ("colour",)}
    assert all(r["cover"]["sources"] and r["artist"]["handle"] == "ana" for r in results)
    assert deferred_loads == []


def test_owner_profile_and_artwork_page_read_no_deferred_column(
    client, artist, varied, deferred_loads
):
    processing = ArtworkFactory(artist=artist, status="processing", published_at=None)
    client.force_login(artist)
    body = client.get("/@ana/").content.decode()
    assert body.count('class="art-card"') == 7 and processing.title in body
    # "More by" on the artwork page lists through the same selector.
    assert client.get(varied[0].get_absolute_url()).status_code == 200
    assert deferred_loads == []


def _listing_sql(client, url: str) -> str:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    found = [q["sql"] for q in queries.captured_queries if 'FROM "gallery_artwork"' in q["sql"]]
    assert len(found) == 1, found
    return found[0]


def test_listing_query_leaves_out_what_cards_do_not_show(everything, varied):
    sql = _listing_sql(everything, "/")
    for column in (
        '"gallery_artwork"."description"',
        '"gallery_artwork"."search_vector"',
        '"gallery_artwork"."status_reason"',
        '"gallery_artworkimage"."provenance"',
        '"gallery_artworkimage"."generation"',
        '"accounts_user"."password"',
        '"accounts_user"."bio"',
        '"accounts_user"."email"',
    ):
        assert column not in sql, column
    assert '"gallery_artworkimage"."derivatives"' in sql
    # Atom entries carry the description: their query loads it, still without the rest.
    atom = _listing_sql(everything, ATOM[0])
    assert '"gallery_artwork"."description"' in atom
    assert '"gallery_artwork"."search_vector"' not in atom
