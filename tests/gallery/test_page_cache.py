"""Cached listing blocks and artwork pages (gallery.listing_cache): invalidation, query counts
cold and warm, HTTP caching headers, and failing open without Redis."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Follow
from accounts.services import profile_update
from gallery import listing_cache, selectors
from gallery.models import Artwork
from gallery.services.artworks import (
    artwork_delete,
    artwork_edit,
    artwork_index_search,
    artwork_relabel,
)
from gallery.services.visibility import artwork_hide, artwork_remove, artwork_set_held
from privacy.services.deletion import account_delete_request
from tests.api.clients import token_client
from tests.factories import PASSWORD, ArtworkFactory, UserFactory

# Every cached surface where a post can appear, for a viewer following its artist.
SURFACES = {
    "feed": "/",
    "tag": "/tags/sea/",
    "medium": "/medium/drawing/",
    "artist": "/@ana/",
    "search": "/search/?q=sea",
    "following": "/following/",
    "atom": "/@ana/feed.atom?show=all",
    "tag-atom": "/tags/sea/feed.atom?show=all",
    "api": "/api/v1/artworks/?show=all",
}


def _post(artist, title: str) -> Artwork:
    artwork = ArtworkFactory(artist=artist, medium="drawing", title=title)
    artwork.tags.set(["sea"])
    artwork_index_search(artwork_id=artwork.pk)
    return artwork


def _bodies(client, api) -> dict[str, str]:
    found = {}
    for name, url in SURFACES.items():
        response = (api if name == "api" else client).get(url)
        assert response.status_code == 200, (name, url)
        found[name] = response.content.decode()
    return found


@pytest.fixture
def member(client, viewer, artist):
    Follow.objects.create(follower=viewer, artist=artist)
    client.force_login(viewer)
    client.cookies[selectors.PREFERENCE_COOKIE] = "all"
    return client


def test_every_cached_surface_shows_relabels_holds_hides_and_removals_at_once(
    member, viewer, artist, moderator
):
    from accounts.models import FeedPreference

    type(viewer).objects.filter(pk=viewer.pk).update(feed_preference=FeedPreference.ALL)
    relabeled, held, hidden, removed, deleted = (
        _post(artist, f"{name} sea")
        for name in ("relabeled", "held", "hidden", "removed", "deleted")
    )
    api = token_client(viewer)
    page_url = relabeled.get_absolute_url()
    before = _bodies(member, api)  # every surface now cached
    for name, body in before.items():
        assert "deleted sea" in body and "removed sea" in body, name
    assert member.get(page_url).status_code == 200

    artwork_relabel(
        artwork=relabeled, to_label="ai-assisted", by="moderator", actor=moderator, reason="x"
    )
    artwork_set_held(artwork_id=held.pk, held=True)
    artwork_hide(artwork_id=hidden.pk, reason="x")
    artwork_remove(artwork_id=removed.pk, reason="x")
    artwork_delete(artwork=deleted)

    after = _bodies(member, api)
    for name, body in after.items():
        assert "hidden sea" not in body, name
        assert "removed sea" not in body, name
        assert "deleted sea" not in body, name
        assert "relabeled sea" in body, name
        if name == "api":
            cards = {c["title"]: c for c in api.get(SURFACES["api"]).json()["results"]}
            assert cards["relabeled sea"]["label"] == "ai-assisted"
        elif "atom" in name:
            assert "relabeled by moderators" in body and "under review" in body, name
        else:
            assert "badge-relabeled" in body and "badge-under-review" in body, name
    page = member.get(page_url).content.decode()
    assert "relabeled by moderators" in page
    # The database agrees with what the pages say.
    assert Artwork.objects.get(pk=hidden.pk).status == Artwork.Status.HIDDEN
    assert not Artwork.objects.filter(pk=deleted.pk).exists()


def test_edits_retire_the_old_tag_and_medium_pages(client, artist):
    artwork = _post(artist, "moving")
    assert "moving" in client.get("/tags/sea/").content.decode()
    assert "moving" in client.get("/medium/drawing/").content.decode()
    artwork_edit(
        artwork=artwork, editor=artist, title="moving", description="", medium="illustration",
        tags=["ink"], label="human-made", ai_stages=[], ai_note="", alt_texts={},
    )  # fmt: skip
    assert "moving" not in client.get("/tags/sea/").content.decode()
    assert "moving" not in client.get("/medium/drawing/").content.decode()
    assert "moving" in client.get("/tags/ink/").content.decode()


@pytest.mark.parametrize("name", ["feed", "tag", "medium", "artist", "search", "following"])
def test_listing_queries_cold_then_warm(member, artist, name, django_assert_num_queries):
    for i in range(3):
        _post(artist, f"sea {i}")
    url = SURFACES[name]
    # Cold: session, user, notifications count (members), the page's own lookups, the cards.
    with CaptureQueriesContext(connection) as cold:
        assert member.get(url).status_code == 200
    # Warm: the cards' query is gone; what is left is per member or finds the listing.
    with CaptureQueriesContext(connection) as warm:
        assert member.get(url).content.decode().count('class="art-card"') == 3
    if name == "following":
        # The whole page is kept per member (listing_cache.whole_page): only what the header
        # shows of them is read (the member's row with their verified address, moderator
        # check and unread count: one query).
        assert len(warm) == 1, [q["sql"] for q in warm.captured_queries]
    elif name == "artist":
        # The portfolio's block (pinned works, sections) is cached beside the cards'.
        assert len(warm) == len(cold) - 2, [q["sql"] for q in warm.captured_queries]
    else:
        assert len(warm) == len(cold) - 1, [q["sql"] for q in warm.captured_queries]
    assert not any('FROM "gallery_artwork"' in q["sql"] for q in warm.captured_queries)


@pytest.mark.parametrize(
    ("url", "cold", "warm"),
    [
        ("/", 1, 0),  # the cards
        # The tag, then the cards; warm, the page comes before the tag's row
        # (gallery.views.feeds._page_before_lookup).
        ("/tags/sea/", 2, 0),
        ("/medium/drawing/", 1, 0),
        # The artist, the portfolio, the cards; warm, the page comes before the artist's row
        # (gallery.views.feeds._artist_page_from_cache).
        ("/@ana/", 3, 0),
        # The artists found (read as the page renders: the whole page is cached), the cards.
        ("/search/?q=sea", 2, 0),
        ("/@ana/feed.atom", 3, 1),  # the artist, the entries, the site
        ("/tags/sea/feed.atom", 3, 1),
    ],
)
def test_anonymous_listing_queries_cold_then_warm(
    client, artist, url, cold, warm, django_assert_num_queries
):
    for i in range(3):
        _post(artist, f"sea {i}")
    with django_assert_num_queries(cold):
        assert client.get(url).status_code == 200
    with django_assert_num_queries(warm):
        assert client.get(url).status_code == 200


def test_api_list_queries_cold_then_warm(artist, django_assert_num_queries):
    from rest_framework.test import APIClient

    api = APIClient()
    for i in range(3):
        _post(artist, f"sea {i}")
    with django_assert_num_queries(2):  # the page, its tags
        assert len(api.get("/api/v1/artworks/").json()["results"]) == 3
    with django_assert_num_queries(0):
        assert len(api.get("/api/v1/artworks/").json()["results"]) == 3


def test_artwork_page_queries_cold_then_warm(client, artist, viewer, django_assert_num_queries):
    artwork = _post(artist, "page")
    _post(artist, "other")
    # Anonymous: the artwork with its artist and cover; cold adds images, tags, history and
    # related work (more by the artist, other artists' latest posts with its tags: none here,
    # so no query for the listed ones among them), and the comment thread.
    with django_assert_num_queries(7):
        assert client.get(artwork.get_absolute_url()).status_code == 200
    # Warm: the whole page from the cache, before reading the artwork (listing_cache.whole_page).
    with django_assert_num_queries(0):
        assert client.get(artwork.get_absolute_url()).status_code == 200
    client.force_login(viewer)
    # A member (was 12, then 7, then 6, then 5, now 4): the member's row with the moderator
    # check (the nav's link) and the notifications count, the artwork with the like and follow
    # marks; the comment thread (its page and the members it mentions); the session is read
    # from the cache.
    with django_assert_num_queries(4):
        assert client.get(artwork.get_absolute_url()).status_code == 200


def test_anonymous_listing_sets_no_cookie_and_is_shareable(client, artist):
    _post(artist, "sea one")
    for url in ("/", "/tags/sea/", "/medium/drawing/", "/@ana/", "/search/?q=sea"):
        response = client.get(url)
        assert response.status_code == 200
        assert not response.cookies, (url, response.cookies)
        assert response["Cache-Control"].startswith("public, max-age=")
        assert "stale-while-revalidate=" in response["Cache-Control"]
        assert response["ETag"].startswith('"')
        vary = {v.strip() for v in response.get("Vary", "").split(",") if v.strip()}
        assert vary <= {"Cookie", "HX-Request", "Accept-Encoding"}, vary


def test_anonymous_listing_answers_304_to_a_matching_etag(client, artist):
    artwork = _post(artist, "sea one")
    first = client.get("/")
    etag = first["ETag"]
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    artwork_relabel(artwork=artwork, to_label="ai-assisted", by="artist", actor=artist, reason="x")
    changed = client.get("/", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    assert "sea one" not in changed.content.decode()  # human-only by default
    page = client.get(artwork.get_absolute_url())
    assert (
        client.get(artwork.get_absolute_url(), headers={"If-None-Match": page["ETag"]}).status_code
        == 304
    )


def test_members_get_private_no_store(client, viewer, artist):
    artwork = _post(artist, "sea one")
    client.force_login(viewer)
    for url in ("/", "/tags/sea/", artwork.get_absolute_url()):
        response = client.get(url)
        assert response["Cache-Control"] == "private, no-store"
        assert "ETag" not in response
    # A member's If-None-Match is never answered from a shared version.
    assert client.get("/", headers={"If-None-Match": "*"}).status_code == 200


def test_anonymous_preference_changes_with_a_get_and_keys_the_cache(client, artist):
    _post(artist, "sea human")
    assisted = ArtworkFactory(artist=artist, title="sea assisted", label="ai-assisted")
    human_only = client.get("/")
    assert "sea assisted" not in human_only.content.decode()
    response = client.get("/preference/", {"preference": "assisted", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[selectors.PREFERENCE_COOKIE].value == "assisted"
    both = client.get("/")
    assert "sea assisted" in both.content.decode()
    assert both["ETag"] != human_only["ETag"]
    assert Artwork.objects.get(pk=assisted.pk).label == "ai-assisted"


def test_like_counts_reach_cached_listings(client, artist, viewer):
    from gallery.services.artworks import like_set

    artwork = _post(artist, "liked")
    assert 'aria-label="0 likes"' in client.get("/").content.decode()
    like_set(user=viewer, artwork=artwork, liked=True)
    assert 'aria-label="1 like"' in client.get("/").content.decode()
    assert Artwork.objects.get(pk=artwork.pk).like_count == 1


def test_pages_render_without_redis(client, artist, monkeypatch, django_assert_num_queries):
    from redis.exceptions import ConnectionError as RedisConnectionError

    artwork = _post(artist, "sea one")

    def down(*args, **kwargs):
        raise RedisConnectionError("down")

    # The resilient backend turns every failure into a miss; the pages still render.
    client_class = type(cache._cache.get_client())
    for name in ("get", "mget", "set", "incr", "exists", "delete", "pipeline"):
        monkeypatch.setattr(client_class, name, down, raising=False)
    assert listing_cache.versions(["feed"]) is None
    for url in ("/", "/tags/sea/", "/@ana/feed.atom", artwork.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200 and "sea one" in response.content.decode(), url
        assert "ETag" not in response


def test_a_bio_edit_retires_only_the_artist_page_and_a_rename_retires_every_listing(client, artist):
    _post(artist, "sea one")
    home, page = client.get("/")["ETag"], client.get("/@ana/")["ETag"]
    # The profile form sends every field it has; only the bio really changes here.
    profile_update(
        user=artist,
        data={"bio": "Painter of dawns.", "display_name": artist.display_name,
              "ai_training_opt_out": artist.ai_training_opt_out},
    )  # fmt: skip
    assert client.get("/")["ETag"] == home
    assert client.get("/@ana/")["ETag"] != page
    profile_update(user=artist, data={"display_name": "Ana Renamed"})
    # (Cards keep the old name for up to gallery_cards.CARD_TTL; the listing is retired now.)
    assert client.get("/")["ETag"] != home


def test_an_artist_page_served_before_any_query_follows_deactivation_and_a_new_owner(
    client, artist, django_assert_num_queries
):
    _post(artist, "sea one")
    first = client.get("/@ana/")
    with django_assert_num_queries(0):
        again = client.get("/@ana/")
    assert "sea one" in again.content.decode() and again["ETag"] == first["ETag"]
    with django_assert_num_queries(0):
        assert client.get("/@ana/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    # Asking to be deleted deactivates the account at once: the page is gone, not served.
    account_delete_request(user=artist, password=PASSWORD)
    assert client.get("/@ana/").status_code == 404
    assert client.get("/@ana/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 404
    # The purge renames the row (deleted-<id>); someone new takes the handle: their page.
    artist.handle = f"deleted-{artist.pk}"
    artist.save(update_fields=["handle"])
    newcomer = UserFactory(handle="ANA", email="new-ana@example.com", display_name="Another Ana")
    page = client.get("/@ana/").content.decode()
    assert "Another Ana" in page and "sea one" not in page
    assert newcomer.pk != artist.pk


def test_a_signed_in_member_never_gets_the_anonymous_artist_page(client, artist, viewer):
    _post(artist, "sea one")
    anonymous = client.get("/@ana/").content.decode()
    client.force_login(viewer)
    theirs = client.get("/@ana/")
    assert theirs["Cache-Control"] == "private, no-store"
    mine = f"/@{viewer.handle}/"
    assert mine in theirs.content.decode() and mine not in anonymous


def test_a_tag_page_served_before_any_query_follows_a_rename_and_a_deletion(
    client, artist, django_assert_num_queries
):
    from taggit.models import Tag

    _post(artist, "sea one")
    first = client.get("/tags/sea/")
    with django_assert_num_queries(0):
        assert client.get("/tags/sea/")["ETag"] == first["ETag"]
    tag = Tag.objects.get(slug="sea")
    tag.name, tag.slug = "ocean", "ocean"
    tag.save()
    assert client.get("/tags/sea/").status_code == 404
    assert client.get("/tags/sea/", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 404
    renamed = client.get("/tags/ocean/").content.decode()
    assert "#ocean" in renamed and "sea one" in renamed
    tag.delete()
    assert client.get("/tags/ocean/").status_code == 404


def test_nothing_the_page_cache_writes_lives_forever(member, viewer, artist):
    # One Redis for cache and broker (docker-compose) evicts nothing: a key written without a
    # TTL, one per artwork or artist ever viewed, would stay until Redis ran out of memory.
    from django.core.cache import caches
    from django.test import Client

    from config.cache import ResilientRedisCache

    backend = caches["default"]
    assert isinstance(backend, ResilientRedisCache), "the suite runs against a real Redis"
    work = _post(artist, "sea one")
    member.get(work.get_absolute_url())
    _bodies(member, token_client(viewer))
    anonymous = Client()
    for name, url in [*SURFACES.items(), ("artwork", work.get_absolute_url())]:
        if name not in ("following", "api"):
            assert anonymous.get(url).status_code == 200, url
    redis = backend._cache.get_client()
    keys = list(redis.scan_iter(match=backend.make_key("*")))
    assert any(b":lv:artwork:" in k for k in keys) and any(b"artwork-artist:" in k for k in keys)
    assert any(b"artist-by-handle:" in k for k in keys) and any(b"tag-by-slug:" in k for k in keys)
    assert [k for k in keys if redis.ttl(k) < 0] == []
