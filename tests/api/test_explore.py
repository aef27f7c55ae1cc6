"""The discovery endpoints: explore feeds, related work, the tag index, artist search, picks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.services import block_set
from gallery.models import Artwork, Label, StaffPick
from gallery.services import explore as ranking
from tests.api.clients import ROLES
from tests.factories import ArtworkFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ranked(artist, other_artist):
    now = timezone.now()
    posts = [
        ArtworkFactory(
            artist=artist, title="hot", published_at=now - timedelta(hours=1), like_count=9
        ),
        ArtworkFactory(
            artist=other_artist, title="warm", published_at=now - timedelta(hours=2), like_count=3
        ),
        ArtworkFactory(
            artist=artist, title="ai", label=Label.ASSISTED, published_at=now, like_count=50
        ),
    ]
    posts[0].tags.set(["sea"])
    posts[1].tags.set(["sea"])
    ranking.ranks_compute(now=now)
    ranking.tag_stats_compute(now=now)
    return posts


def test_popular_is_ordered_by_score_and_filtered(api, ranked):
    body = api.get("/api/v1/explore/popular/").json()
    assert [c["title"] for c in body["results"]] == ["hot", "warm"]
    assert body["show"] == "human" and body["next"] is None
    body = api.get("/api/v1/explore/popular/", {"show": "assisted"}).json()
    assert [c["title"] for c in body["results"]] == ["ai", "hot", "warm"]


def test_explore_pages_follow_next_and_refuse_bad_input(api, artist):
    now = timezone.now()
    for n in range(5):
        ArtworkFactory(artist=artist, title=f"p{n}", published_at=now - timedelta(hours=n))
    ranking.ranks_compute(now=now)
    first = api.get("/api/v1/explore/rising/", {"page_size": 3}).json()
    assert len(first["results"]) == 3 and first["next"]
    second = api.get(first["next"]).json()
    # Nobody liked anything: every score is 0 and ties go newest post (highest id) first.
    assert [c["title"] for c in first["results"]] == ["p4", "p3", "p2"]
    assert [c["title"] for c in second["results"]] == ["p1", "p0"]
    assert api.get("/api/v1/explore/popular/", {"after": "nope!"}).status_code == 400
    assert api.get("/api/v1/explore/popular/", {"page_size": 0}).status_code == 400
    assert api.get("/api/v1/explore/trending/").status_code == 404


def test_blocks_hide_work_from_the_callers_explore(client_for, ranked, viewer, other_artist):
    member = client_for("member")
    assert len(member.get("/api/v1/explore/popular/").json()["results"]) == 2
    block_set(blocker=viewer, blocked=other_artist, blocking=True)
    titles = [c["title"] for c in member.get("/api/v1/explore/popular/").json()["results"]]
    assert titles == ["hot"]


def test_related_gives_reasons_and_404s_for_what_the_caller_cannot_see(api, ranked, artist):
    body = api.get(f"/api/v1/artworks/{ranked[0].pk}/related/").json()
    assert [(c["title"], c["reason"]) for c in body["results"]] == [("warm", "tags")]
    body = api.get(f"/api/v1/artworks/{ranked[0].pk}/related/", {"show": "assisted"}).json()
    assert [(c["title"], c["reason"]) for c in body["results"]] == [
        ("ai", "artist"),
        ("warm", "tags"),
    ]
    removed = ArtworkFactory(artist=artist, status=Artwork.Status.REMOVED)
    assert api.get(f"/api/v1/artworks/{removed.pk}/related/").status_code == 404
    assert api.get("/api/v1/artworks/999999/related/").status_code == 404


def test_related_runs_a_fixed_number_of_queries(api, ranked, artist, django_assert_num_queries):
    url = f"/api/v1/artworks/{ranked[0].pk}/related/"
    # The artwork; related: by the artist, tag ids, tag candidates, the listed candidates;
    # the cards' tags (no cover hash here: no look-alike query).
    with django_assert_num_queries(6):
        assert api.get(url).status_code == 200
    for n in range(60):
        ArtworkFactory(artist=UserFactory(), title=f"more {n}").tags.set(["sea"])
    from django.core.cache import cache

    cache.clear()
    with django_assert_num_queries(6):
        assert len(api.get(url).json()["results"]) == 12


def test_tag_index_and_artist_search(api, ranked, artist):
    assert api.get("/api/v1/tags/").json() == {
        "results": [{"name": "sea", "slug": "sea", "count": 2}],
        "show": "human",
    }
    type(artist).objects.filter(pk=artist.pk).update(artwork_count=2)
    body = api.get("/api/v1/artists/", {"q": "@ANA"}).json()
    assert [a["handle"] for a in body["results"]] == ["ana"]
    assert body["results"][0]["url"].endswith("/@ana/")
    assert api.get("/api/v1/artists/", {"q": "%"}).json() == {"results": []}
    assert api.get("/api/v1/artists/").status_code == 400
    assert api.get("/api/v1/artists/", {"q": "x" * 101}).status_code == 400


@pytest.mark.parametrize("role", ROLES)
def test_only_moderators_pick_through_the_api(client_for, role, artist):
    artwork = ArtworkFactory(artist=artist)
    response = client_for(role).put(f"/api/v1/artworks/{artwork.pk}/pick/")
    expected = {"anonymous": 401, "moderator": 200}.get(role, 403)
    assert response.status_code == expected, response.content
    assert StaffPick.objects.filter(artwork=artwork).exists() is (role == "moderator")
    if role == "moderator":
        assert response.json() == {"picked": True}
        assert client_for(role).put(f"/api/v1/artworks/{artwork.pk}/pick/").status_code == 200
        assert StaffPick.objects.count() == 1
        assert client_for(role).delete(f"/api/v1/artworks/{artwork.pk}/pick/").json() == {
            "picked": False
        }
        assert not StaffPick.objects.exists()
