"""Whole pages from the cache (gallery.listing_cache.whole_page): bare anonymous visitors share
one rendering, a member's following feed is kept per member, and neither ever carries another
request's CSP nonce or CSRF token, a stale badge count or someone else's message."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from accounts.models import Follow
from accounts.services import notify
from gallery import listing_cache
from gallery.services.artworks import artwork_index_search, artwork_relabel
from gallery.services.visibility import artwork_hide
from tests.factories import ArtworkFactory

NONCE = re.compile(r'nonce="([^"]+)"')


def _post(artist, title: str):
    artwork = ArtworkFactory(artist=artist, medium="drawing", title=title)
    artwork.tags.set(["sea"])
    artwork_index_search(artwork_id=artwork.pk)
    return artwork


def _nonces(response) -> set[str]:
    return set(NONCE.findall(response.content.decode()))


def _header_nonce(response) -> str:
    return re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)


@pytest.mark.parametrize("kind", ["listing", "artwork"])
def test_a_stored_page_carries_each_response_its_own_nonce(client, artist, kind):
    artwork = _post(artist, "tide")
    url = "/" if kind == "listing" else artwork.get_absolute_url()
    first, second = client.get(url), client.get(url)
    assert first.status_code == second.status_code == 200
    # The second came from the cache (same markup) but with its own nonce, matching its header.
    assert _nonces(first) == {_header_nonce(first)}
    assert _nonces(second) == {_header_nonce(second)}
    assert _header_nonce(first) != _header_nonce(second)
    assert listing_cache.NONCE_MARK not in second.content.decode()
    strip = lambda r: NONCE.sub("", r.content.decode())  # noqa: E731
    assert strip(first) == strip(second)


def test_a_warm_anonymous_artwork_page_runs_no_query(client, artist, django_assert_num_queries):
    artwork = _post(artist, "tide")
    assert client.get(artwork.get_absolute_url()).status_code == 200
    with django_assert_num_queries(0):
        response = client.get(artwork.get_absolute_url())
    assert response.status_code == 200 and "tide" in response.content.decode()
    assert response["ETag"] and response["Cache-Control"].startswith("public")
    # The ETag of the page served before any query still answers 304.
    with django_assert_num_queries(0):
        again = client.get(artwork.get_absolute_url(), HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_a_warm_anonymous_search_page_runs_no_query(client, artist, django_assert_num_queries):
    """The artists beside the results are read only when the page is rendered: the cached
    page (artists section included) costs no query."""
    _post(artist, "tide")
    first = client.get("/search/?q=tide").content.decode()
    assert "tide" in first
    with django_assert_num_queries(0):
        again = client.get("/search/?q=tide")
    assert NONCE.sub("", again.content.decode()) == NONCE.sub("", first)
    assert 'id="artists-heading"' in again.content.decode()


def _fresh(client, url):
    """What the page is when nothing is cached: the standard a cached page must equal."""
    cache.clear()
    return _served(client, url)


def _served(client, url):
    response = client.get(url)
    return response.status_code, NONCE.sub("", response.content.decode())


def test_the_anonymous_artwork_page_follows_relabels_and_hides_at_once(client, artist):
    artwork = _post(artist, "tide")
    url = artwork.get_absolute_url()
    client.get(url)
    client.get(url)  # warm: served whole from the cache
    artwork_relabel(artwork=artwork, to_label="ai-assisted", by="artist", actor=artist, reason="x")
    served = _served(client, url)
    assert served == _fresh(client, url)
    assert "AI-assisted" in served[1]
    client.get(url)
    artwork_hide(artwork_id=artwork.pk, reason="test")
    assert _served(client, url) == _fresh(client, url)


def test_only_bare_visitors_share_pages(rf, viewer):
    from django.contrib.auth.models import AnonymousUser

    def request(**cookies):
        r = rf.get("/")
        r.COOKIES.update(cookies)
        r.user = AnonymousUser()
        return r

    assert listing_cache.bare_anonymous(request())
    assert not listing_cache.bare_anonymous(request(**{settings.SESSION_COOKIE_NAME: "x"}))
    assert not listing_cache.bare_anonymous(request(messages="x"))
    member = request()
    member.user = viewer
    assert not listing_cache.bare_anonymous(member)
    posted = rf.post("/")
    posted.user = AnonymousUser()
    assert not listing_cache.bare_anonymous(posted)


@pytest.fixture
def follower(client, viewer, artist):
    Follow.objects.create(follower=viewer, artist=artist)
    client.force_login(viewer)
    return client


def test_the_member_following_page_is_kept_per_member_with_a_fresh_csrf_token(
    follower, viewer, artist, other_artist, django_assert_num_queries
):
    _post(artist, "tide")
    first = follower.get("/following/")
    # The member's row with their verified address, moderator role and unread count
    # (accounts.selectors.member_with_state).
    with django_assert_num_queries(1):
        second = follower.get("/following/")
    assert "tide" in second.content.decode()
    body = second.content.decode()
    assert listing_cache.CSRF_MARK not in body
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)
    # The token served from the cache works: a POST with it passes CSRF checks.
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = follower.cookies
    posted = strict.post("/preference/", {"preference": "all", "csrfmiddlewaretoken": token})
    assert posted.status_code == 302
    # Another member never gets this member's page.
    other = Client()
    Follow.objects.create(follower=other_artist, artist=artist)
    other.force_login(other_artist)
    theirs = other.get("/following/").content.decode()
    assert viewer.name != other_artist.name
    assert other_artist.name in theirs and viewer.name not in theirs
    assert first.status_code == 200


def test_the_badge_count_reaches_the_cached_following_page(follower, viewer, artist):
    _post(artist, "tide")
    assert "unread" not in follower.get("/following/").content.decode()
    notify(user=viewer, kind="decision", title="Something happened")
    assert "1 unread" in follower.get("/following/").content.decode()
