"""Blocks: the service's effects (follows removed, counts exact, idempotent) and every surface
that shows one member's work to another honouring a block in both directions."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import reverse

from accounts.models import Block, Follow, User
from accounts.selectors import blocked_ids, viewer_filters
from accounts.services import block_set, follow_set
from config.errors import Conflict, Invalid, NotAllowed
from gallery.services.artworks import artwork_index_search, like_set
from tests.api.clients import token_client
from tests.factories import ArtworkFactory, UserFactory

pytestmark = pytest.mark.django_db


def fresh(user: User) -> User:
    return User.objects.get(pk=user.pk)


@pytest.fixture
def work(artist):
    """One public artwork by the artist: tagged 'sea', medium drawing, searchable."""
    artwork = ArtworkFactory(artist=artist, title="Harbour at dusk", medium="drawing")
    artwork.tags.set(["sea"])
    artwork_index_search(artwork_id=artwork.pk)
    return artwork


@pytest.fixture
def viewers_work(viewer):
    artwork = ArtworkFactory(artist=viewer, title="Harbour by viewer", medium="drawing")
    artwork.tags.set(["sea"])
    artwork_index_search(artwork_id=artwork.pk)
    return artwork


# --- The service ---------------------------------------------------------------------------------


def test_block_removes_follows_both_ways_and_keeps_counts_exact(artist, viewer, other_artist):
    follow_set(follower=viewer, artist=artist, following=True)
    follow_set(follower=artist, artist=viewer, following=True)
    follow_set(follower=other_artist, artist=artist, following=True)
    assert block_set(blocker=viewer, blocked=artist, blocking=True) is True
    assert not Follow.objects.filter(follower__in=[viewer, artist], artist__in=[viewer, artist])
    artist, viewer, other_artist = fresh(artist), fresh(viewer), fresh(other_artist)
    assert (artist.follower_count, artist.following_count) == (1, 0)  # other_artist stays
    assert (viewer.follower_count, viewer.following_count) == (0, 0)
    assert other_artist.following_count == 1
    # Counters agree with the rows, for everyone.
    for user in User.objects.all():
        assert user.follower_count == Follow.objects.filter(artist=user).count()
        assert user.following_count == Follow.objects.filter(follower=user).count()


def test_double_block_and_double_unblock_change_nothing_the_second_time(artist, viewer):
    follow_set(follower=viewer, artist=artist, following=True)
    assert block_set(blocker=viewer, blocked=artist, blocking=True) is True
    version = fresh(viewer).filters_version
    assert block_set(blocker=viewer, blocked=artist, blocking=True) is False
    assert Block.objects.count() == 1
    assert fresh(viewer).filters_version == version
    assert fresh(artist).follower_count == 0
    assert block_set(blocker=viewer, blocked=artist, blocking=False) is True
    assert block_set(blocker=viewer, blocked=artist, blocking=False) is False
    assert Block.objects.count() == 0
    # Unblocking brings no follow back.
    assert not Follow.objects.exists()


def test_cannot_block_yourself(viewer):
    with pytest.raises(Invalid):
        block_set(blocker=viewer, blocked=viewer, blocking=True)
    assert not Block.objects.exists()


@override_settings(ATELIER_MAX_BLOCKS=2)
def test_block_limit_is_a_conflict_and_unblocking_frees_a_place(viewer):
    first, second, third = UserFactory.create_batch(3)
    block_set(blocker=viewer, blocked=first, blocking=True)
    block_set(blocker=viewer, blocked=second, blocking=True)
    with pytest.raises(Conflict):
        block_set(blocker=viewer, blocked=third, blocking=True)
    assert Block.objects.filter(blocker=viewer).count() == 2
    block_set(blocker=viewer, blocked=first, blocking=False)
    assert block_set(blocker=viewer, blocked=third, blocking=True) is True


def test_blocked_ids_and_viewer_filters_see_both_directions(artist, viewer, other_artist):
    block_set(blocker=viewer, blocked=artist, blocking=True)
    block_set(blocker=other_artist, blocked=viewer, blocking=True)
    viewer = fresh(viewer)
    assert blocked_ids(viewer) == {artist.pk, other_artist.pk}
    assert viewer_filters(viewer).blocked == {artist.pk, other_artist.pk}
    assert viewer_filters(fresh(artist)).blocked == {viewer.pk}


def test_members_without_blocks_cost_no_query(viewer, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert viewer_filters(viewer).empty


@pytest.mark.parametrize("direction", ["made", "received"])
def test_follow_and_like_are_refused_in_a_block(artist, viewer, work, direction):
    if direction == "made":
        block_set(blocker=viewer, blocked=artist, blocking=True)
    else:
        block_set(blocker=artist, blocked=viewer, blocking=True)
    viewer = fresh(viewer)
    with pytest.raises(NotAllowed):
        follow_set(follower=viewer, artist=artist, following=True)
    with pytest.raises(NotAllowed):
        like_set(user=viewer, artwork=work, liked=True)
    assert not Follow.objects.exists()
    assert fresh(artist).follower_count == 0


def test_suspended_member_may_block(suspended_user, artist):
    assert block_set(blocker=suspended_user, blocked=artist, blocking=True) is True


# --- Every listing, both directions ---------------------------------------------------------------

LISTINGS = [
    ("gallery:home", {}, ""),
    ("gallery:tag", {"slug": "sea"}, ""),
    ("gallery:medium", {"medium": "drawing"}, ""),
    ("gallery:search", {}, "?q=harbour"),
]


@pytest.mark.parametrize(("name", "kwargs", "query"), LISTINGS)
@pytest.mark.parametrize("direction", ["made", "received"])
def test_every_listing_hides_a_blocked_member_both_ways(
    client, artist, viewer, work, viewers_work, name, kwargs, query, direction
):
    url = reverse(name, kwargs=kwargs) + query
    client.force_login(viewer)
    assert "Harbour at dusk" in client.get(url).text
    if direction == "made":
        block_set(blocker=viewer, blocked=artist, blocking=True)
    else:
        block_set(blocker=artist, blocked=viewer, blocking=True)
    # At once: the viewer's cached block from a moment ago is not served again.
    page = client.get(url).text
    assert "Harbour at dusk" not in page
    assert "Harbour by viewer" in page
    # And the other side does not see the viewer's work either.
    client.force_login(artist)
    assert "Harbour by viewer" not in client.get(url).text


def test_block_leaves_everyone_elses_cached_page_alone(client, artist, viewer, other_artist, work):
    url = reverse("gallery:home")
    client.force_login(other_artist)
    assert "Harbour at dusk" in client.get(url).text
    block_set(blocker=viewer, blocked=artist, blocking=True)
    assert "Harbour at dusk" in client.get(url).text
    client.logout()
    assert "Harbour at dusk" in client.get(url).text


def test_following_feed_loses_the_blocked_artist(client, artist, viewer, work):
    follow_set(follower=viewer, artist=artist, following=True)
    client.force_login(viewer)
    assert "Harbour at dusk" in client.get(reverse("gallery:following")).text
    block_set(blocker=artist, blocked=viewer, blocking=True)
    assert "Harbour at dusk" not in client.get(reverse("gallery:following")).text


def test_unblock_shows_the_work_again_at_once(client, artist, viewer, work):
    client.force_login(viewer)
    block_set(blocker=viewer, blocked=artist, blocking=True)
    assert "Harbour at dusk" not in client.get("/").text
    block_set(blocker=viewer, blocked=artist, blocking=False)
    assert "Harbour at dusk" in client.get("/").text


# --- Profiles and artwork pages -------------------------------------------------------------------


def test_blocker_sees_you_blocked_state_on_profile_and_artwork_page(client, artist, viewer, work):
    block_set(blocker=viewer, blocked=artist, blocking=True)
    client.force_login(viewer)
    for url in (artist.get_absolute_url(), work.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store"
        assert "You blocked @ana" in response.text
        assert "Harbour at dusk" not in response.text
        assert 'name="blocking" value="0"' in response.text  # the unblock form


def test_blocked_side_gets_a_plain_404(client, artist, viewer, work):
    block_set(blocker=artist, blocked=viewer, blocking=True)
    client.force_login(viewer)
    for url in (artist.get_absolute_url(), work.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 404
        assert "You blocked" not in response.text
        assert "Nothing here" in response.text  # the same page as a post that never existed
        assert "Harbour at dusk" not in response.text


def test_like_and_follow_views_refuse_a_blocked_pair(client, artist, viewer, work):
    block_set(blocker=artist, blocked=viewer, blocking=True)
    client.force_login(viewer)
    assert client.post(reverse("gallery:like", args=[work.pk]), {"liked": "1"}).status_code == 404
    response = client.post(reverse("gallery:follow", args=["ana"]), {"following": "1"})
    assert response.status_code == 403
    assert not Follow.objects.exists()
    assert fresh(work.artist).follower_count == 0


def test_moderator_blocked_by_a_member_still_sees_their_work(client, artist, moderator, work):
    """Blocking a moderator is allowed; it never hides a post or profile from moderation."""
    block_set(blocker=artist, blocked=moderator, blocking=True)
    client.force_login(moderator)
    assert client.get(work.get_absolute_url()).status_code == 200
    response = client.get(artist.get_absolute_url())
    assert response.status_code == 200
    assert "you see this page as a moderator" in response.text


# --- The API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["", "?tag=sea", "?medium=drawing", "?q=harbour"])
def test_api_listings_honour_blocks(artist, viewer, work, query):
    client = token_client(viewer)
    assert [a["title"] for a in client.get("/api/v1/artworks/" + query).json()["results"]] == [
        "Harbour at dusk"
    ]
    block_set(blocker=artist, blocked=viewer, blocking=True)
    assert client.get("/api/v1/artworks/" + query).json()["results"] == []


def test_api_artist_detail_and_artwork_are_404_in_a_block(artist, viewer, work):
    block_set(blocker=viewer, blocked=artist, blocking=True)
    client = token_client(viewer)
    assert client.get("/api/v1/artists/ana/").status_code == 404
    assert client.get("/api/v1/artists/ana/artworks/").status_code == 404
    assert client.get(f"/api/v1/artworks/{work.pk}/").status_code == 404
    assert client.post(f"/api/v1/artworks/{work.pk}/like/").status_code == 404
    assert client.post("/api/v1/artists/ana/follow/").status_code == 403


def test_api_block_and_unblock(artist, viewer):
    follow_set(follower=artist, artist=viewer, following=True)
    client = token_client(viewer)
    assert client.post("/api/v1/artists/ana/block/").json() == {"blocked": True, "changed": True}
    assert client.post("/api/v1/artists/ana/block/").json() == {"blocked": True, "changed": False}
    assert fresh(viewer).follower_count == 0
    listed = client.get("/api/v1/me/blocks/").json()
    assert [b["member"]["handle"] for b in listed["results"]] == ["ana"]
    assert client.delete("/api/v1/artists/ana/block/").json() == {
        "blocked": False,
        "changed": True,
    }
    assert client.get("/api/v1/me/blocks/").json()["results"] == []
    assert client.post("/api/v1/artists/vic/block/").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_two_members_blocking_each_other_at_once_both_succeed():
    """Each block locks both rows in id order: the second waits for the first, no deadlock."""
    import threading

    from django.db import connection

    first, second = UserFactory(), UserFactory()
    follow_set(follower=first, artist=second, following=True)
    follow_set(follower=second, artist=first, following=True)
    barrier, errors = threading.Barrier(2), []

    def run(blocker, blocked):
        try:
            barrier.wait()
            block_set(blocker=blocker, blocked=blocked, blocking=True)
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(first, second)),
        threading.Thread(target=run, args=(second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert Block.objects.count() == 2
    assert not Follow.objects.exists()
    for user in (fresh(first), fresh(second)):
        assert (user.follower_count, user.following_count) == (0, 0)
        assert user.filters_version == 2


def test_a_member_with_blocks_pays_no_extra_query_once_their_filters_are_cached(
    client, artist, viewer, other_artist, work
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(user) -> int:
        client.force_login(user)
        client.get("/?after=")  # warms the session, the filters and the block
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return len(captured)

    baseline = queries(other_artist)
    block_set(blocker=viewer, blocked=artist, blocking=True)
    assert queries(fresh(viewer)) == baseline
