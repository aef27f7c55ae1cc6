"""Lean listings (issue 15, point 2): listing queries load only the columns their cards read,
and cards use the derivatives' public URLs stored at publication, never the storage's url()."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from gallery import selectors, state
from gallery.models import Artwork, ArtworkImage
from gallery.services.artworks import artwork_index_search, artwork_relabel
from gallery.services.label_files import derivatives_rewrite_label
from gallery.services.visibility import artwork_remove, artwork_restore, artwork_set_mature
from gallery.storage import public_url_stamp, with_public_url
from tests.factories import ArtworkFactory, image_bytes

pytestmark = pytest.mark.django_db

LISTINGS = [
    ("/", 1),  # the cards
    ("/tags/sea/", 2),  # the tag, then the cards
    ("/medium/drawing/", 1),
    ("/@ana/", 3),  # the artist, the portfolio (pinned works and sections), the cards
    ("/search/?q=sea", 2),  # the artists found, then the cards
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


# --- Stored public URLs ------------------------------------------------------------------------


@pytest.fixture
def url_calls(monkeypatch) -> list[str]:
    """Every call of public storage's url() (the instance's: static files have their own)."""
    calls: list[str] = []
    public = storages["default"]
    original = public.url

    def counting(name, *args, **kwargs):
        calls.append(name)
        return original(name, *args, **kwargs)

    monkeypatch.setattr(public, "url", counting)
    return calls


def _stored(artwork: Artwork) -> None:
    """Give the factory's cover the URLs the pipeline stores."""
    image = artwork.cover
    image.derivatives = [with_public_url(d) for d in image.derivatives]
    image.save(update_fields=["derivatives"])


def test_a_listing_of_twenty_cards_calls_no_storage_url(client, artist, url_calls):
    posts = [ArtworkFactory(artist=artist, title=f"card {i}") for i in range(20)]
    for artwork in posts:
        _stored(artwork)
    url_calls.clear()
    body = client.get("/").content.decode()
    assert body.count('class="art-card"') == 20
    assert f"/media/art/t{posts[0].pk}/320.jpg" in body
    api = APIClient().get("/api/v1/artworks/?page_size=20").json()
    assert len(api["results"]) == 20
    assert url_calls == []


def test_old_rows_without_stored_urls_still_get_theirs(client, artist, url_calls):
    artwork = ArtworkFactory(artist=artist, title="old row")
    assert "url" not in artwork.cover.derivatives[0]
    body = client.get("/").content.decode()
    assert f"/media/art/t{artwork.pk}/320.jpg" in body
    assert url_calls  # computed, as before


def test_a_moved_storage_makes_stored_urls_stale(client, artist, settings, url_calls):
    artwork = ArtworkFactory(artist=artist, title="moved")
    _stored(artwork)
    assert artwork.cover.derivatives[0]["url"].startswith("/media/")
    stamp = public_url_stamp()
    # A deploy puts the files behind a CDN: URLs stored under the old address are not served.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {
                **settings.STORAGES["default"]["OPTIONS"],
                "base_url": "https://cdn.example/media/",
            },
        },
    }
    assert public_url_stamp() != stamp
    body = client.get("/").content.decode()
    assert f"https://cdn.example/media/art/t{artwork.pk}/320.jpg" in body
    assert '="/media/art/' not in body and " /media/art/" not in body


def test_signed_public_urls_are_never_stored(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {"bucket_name": "b", "querystring_auth": True},
        },
    }
    assert public_url_stamp() is None
    assert with_public_url({"name": "art/x/320.jpg", "url": "stale", "url_stamp": "x"}) == {
        "name": "art/x/320.jpg"
    }


@pytest.fixture
def published(client, artist, django_capture_on_commit_callbacks) -> Artwork:
    """A post through the real upload form and pipeline (eager task on commit)."""
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("gallery:upload"),
            {"title": "Harbour", "medium": "drawing", "label": "human-made",
             "images": [SimpleUploadedFile("a.jpg", image_bytes("JPEG", size=(700, 500)))]},
        )  # fmt: skip
    assert response.status_code == 302
    client.logout()
    return Artwork.objects.get(status="published")


def _derivatives(artwork: Artwork) -> list[dict]:
    return ArtworkImage.objects.get(artwork=artwork).derivatives


def test_the_pipeline_stores_each_derivatives_url(published):
    derivatives = _derivatives(published)
    assert len(derivatives) >= 2
    for d in derivatives:
        assert d["url"] == default_storage.url(d["name"]) == "/media/" + d["name"]
        assert d["url_stamp"] == public_url_stamp()


def test_a_label_rewrite_stores_the_new_names_urls(
    published, artist, django_capture_on_commit_callbacks
):
    before = {d["name"] for d in _derivatives(published)}
    with django_capture_on_commit_callbacks(execute=True):
        artwork_relabel(
            artwork=published, to_label="ai-assisted", by="artist", actor=artist, reason="Oops."
        )
    derivatives_rewrite_label(artwork_id=published.pk)  # a second run changes nothing
    after = _derivatives(published)
    assert {d["name"] for d in after}.isdisjoint(before)
    assert all(d["url"] == "/media/" + d["name"] for d in after)


def test_restoring_a_removed_post_stores_its_urls_afresh(
    client, published, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        artwork_remove(artwork_id=published.pk, reason="AI.")
    image = ArtworkImage.objects.get(artwork=published)
    assert image.public_files == "withdrawn"
    # While removed, the page (the artist's and moderators' view) points at the withdrawn view.
    assert image.derivative_url(image.derivatives[0]).startswith(
        f"/originals/{image.pk}/withdrawn/"
    )
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "base_url": "/files/"},
        },
    }
    with django_capture_on_commit_callbacks(execute=True):
        artwork_restore(artwork_id=published.pk)
    restored = ArtworkImage.objects.get(artwork=published)
    assert restored.public_files == "public"
    assert all(d["url"] == "/files/" + d["name"] for d in restored.derivatives)
    assert all(d["url_stamp"] == public_url_stamp() for d in restored.derivatives)


# --- The artwork page for a member -------------------------------------------------------------


def test_member_artwork_page_reads_its_marks_with_the_row(
    client, artist, viewer, other_artist, django_assert_num_queries
):
    from accounts.models import Follow
    from gallery.models import Like

    artwork = ArtworkFactory(artist=artist, title="marked")
    Like.objects.create(user=viewer, artwork=artwork)
    Follow.objects.create(follower=viewer, artist=artist)
    client.get(artwork.get_absolute_url())  # warm the public fragments
    client.force_login(viewer)
    # User with the moderator check and the notifications count, the artwork with both marks,
    # the comment thread (its page, the members it mentions); the session comes from the cache.
    with django_assert_num_queries(4):
        body = client.get(artwork.get_absolute_url()).content.decode()
    assert "<span>Liked</span>" in body and ">Following</button>" in body
    client.force_login(other_artist)
    with django_assert_num_queries(4):
        body = client.get(artwork.get_absolute_url()).content.decode()
    assert "<span>Like</span>" in body and ">Follow</button>" in body
    assert Like.objects.filter(artwork=artwork).count() == 1
