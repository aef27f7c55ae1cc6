"""Explore: the ranking task (decay, Rising, idempotence), the pages' filters, staff picks and
their permissions, and fixed query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Follow
from accounts.services import block_set, mute_artist_set, mute_tag_set
from gallery import explore
from gallery.models import Artwork, ArtworkRank, Label, StaffPick
from gallery.services import explore as ranking
from tests.factories import ArtworkFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db


def _post(artist, title, *, hours_ago: float, likes: int = 0, now=None, **extra) -> Artwork:
    now = now or timezone.now()
    artwork = ArtworkFactory(
        artist=artist,
        title=title,
        published_at=now - timedelta(hours=hours_ago),
        like_count=likes,
        **extra,
    )
    return artwork


def _titles(feed: str, *, preference: str = "human", **kwargs) -> list[str]:
    qs = explore.explore_listing(feed=feed, preference=preference, **kwargs)
    return [a.title for a in explore.explore_page(qs, None).items]


def _page_titles(body: str, titles: list[str]) -> list[str]:
    """The given titles in the order they appear in a page."""
    found = [(body.find(f'class="title">{t}<'), t) for t in titles]
    return [t for at, t in sorted(found) if at >= 0]


# --- The formula and the ranking task ----------------------------------------------------------


def test_decay_ranks_a_fresh_post_above_an_older_one_with_more_likes(artist):
    now = timezone.now()
    _post(artist, "old hit", hours_ago=72, likes=40, now=now)
    _post(artist, "fresh", hours_ago=3, likes=10, now=now)
    _post(artist, "day old", hours_ago=24, likes=10, now=now)
    _post(artist, "unliked", hours_ago=1, likes=0, now=now)
    ranking.ranks_compute(now=now)
    # 10/5^1.5 = 0.89 > 40/74^1.5 = 0.063 and 10/26^1.5 = 0.075; no engagement scores 0.
    assert _titles(explore.POPULAR) == ["fresh", "day old", "old hit", "unliked"]
    fresh = ArtworkRank.objects.get(artwork__title="fresh", feed="popular")
    assert fresh.score == pytest.approx(10 / 5**1.5)


def test_the_score_formula_weighs_saves_and_follows():
    assert ranking.score(likes=1, saves=0, follows=0, age_hours=0) == pytest.approx(1 / 2**1.5)
    assert ranking.score(likes=0, saves=1, follows=0, age_hours=0) == pytest.approx(2 / 2**1.5)
    assert ranking.score(likes=0, saves=0, follows=2, age_hours=0) == pytest.approx(1 / 2**1.5)
    # A post dated in the future (clock skew) counts as brand new, never as a division by ~0.
    assert ranking.score(likes=1, saves=0, follows=0, age_hours=-5) == pytest.approx(1 / 2**1.5)


def test_as_time_passes_the_same_posts_swap_places(artist):
    now = timezone.now()
    _post(artist, "burst", hours_ago=1, likes=5, now=now)
    _post(artist, "steady", hours_ago=30, likes=60, now=now)
    ranking.ranks_compute(now=now)
    assert _titles(explore.POPULAR) == ["burst", "steady"]
    # Two days later "burst" has decayed more (5/51^1.5 < 60/80^1.5).
    ranking.ranks_compute(now=now + timedelta(hours=50))
    assert _titles(explore.POPULAR) == ["steady", "burst"]


def test_follows_the_artist_gained_lately_lift_their_posts(artist, other_artist):
    now = timezone.now()
    _post(artist, "ana", hours_ago=5, likes=2, now=now)
    _post(other_artist, "bruno", hours_ago=5, likes=2, now=now)
    for n in range(4):
        Follow.objects.create(follower=UserFactory(handle=f"fan{n}"), artist=other_artist)
    ranking.ranks_compute(now=now)
    assert _titles(explore.POPULAR) == ["bruno", "ana"]


def test_saves_count_through_the_registered_counter(artist):
    now = timezone.now()
    _post(artist, "liked", hours_ago=5, likes=3, now=now)
    saved = _post(artist, "saved", hours_ago=5, likes=0, now=now)
    ranking.register_saves_counter(lambda ids: {saved.pk: 2} if saved.pk in ids else {})
    try:
        ranking.ranks_compute(now=now)
    finally:
        ranking.register_saves_counter(None)
    assert _titles(explore.POPULAR) == ["saved", "liked"]  # 2 saves x 2 > 3 likes


def test_a_new_artist_rises_and_an_established_one_does_not(artist, other_artist):
    now = timezone.now()
    _post(artist, "ana long ago", hours_ago=24 * 200, likes=99, now=now)
    _post(artist, "ana today", hours_ago=4, likes=20, now=now)
    _post(other_artist, "bruno first", hours_ago=24 * 3, likes=1, now=now)
    _post(other_artist, "bruno second", hours_ago=6, likes=3, now=now)
    ranking.ranks_compute(now=now)
    assert _titles(explore.RISING) == ["bruno second", "bruno first"]
    assert "ana today" in _titles(explore.POPULAR)
    # Posts outside the 30-day window are not ranked at all.
    assert not ArtworkRank.objects.filter(artwork__title="ana long ago").exists()


def test_ranking_twice_gives_the_same_rows_and_drops_posts_that_aged_out(artist, settings):
    now = timezone.now()
    _post(artist, "recent", hours_ago=2, likes=1, now=now)
    _post(artist, "aging", hours_ago=24 * 29, likes=1, now=now)
    first = ranking.ranks_compute(now=now, batch=1)  # one post per batch: the keyset walks
    again = ranking.ranks_compute(now=now, batch=1)
    assert first == again == {"popular": 2, "rising": 2}
    assert ArtworkRank.objects.count() == 4
    ranking.ranks_compute(now=now + timedelta(days=2))
    assert set(ArtworkRank.objects.values_list("artwork__title", flat=True)) == {"recent"}


def test_the_beat_task_runs_both_computations_and_is_registered(artist, settings):
    from gallery.tasks import explore_rank

    _post(artist, "tagged", hours_ago=1, likes=1).tags.set(["sea"])
    assert explore_rank() == {"popular": 1, "rising": 1, "tags": 4}
    assert explore_rank() == {"popular": 1, "rising": 1, "tags": 4}
    entry = settings.CELERY_BEAT_SCHEDULE["gallery-explore-rank"]
    assert entry["task"] == "gallery.tasks.explore_rank"


# --- What each viewer sees ---------------------------------------------------------------------


@pytest.fixture
def ranked(artist, other_artist):
    now = timezone.now()
    posts = {
        "human": _post(artist, "human", hours_ago=1, likes=9, now=now),
        "assisted": _post(artist, "assisted", hours_ago=1, likes=8, now=now, label=Label.ASSISTED),
        "mature": _post(artist, "mature", hours_ago=1, likes=7, now=now, mature=True),
        "bruno": _post(other_artist, "bruno", hours_ago=1, likes=6, now=now),
        "tagged": _post(other_artist, "tagged", hours_ago=1, likes=5, now=now),
        "disputed": _post(other_artist, "disputed", hours_ago=1, likes=4, now=now, held=True),
    }
    posts["tagged"].tags.set(["gore"])
    ranking.ranks_compute(now=now)
    return posts


def test_popular_is_human_only_by_default_and_follows_the_label_preference(client, ranked):
    body = client.get("/explore/").content.decode()
    assert _page_titles(body, list(ranked)) == ["human", "mature", "bruno", "tagged"]
    client.cookies["atelier_feed"] = "assisted"
    body = client.get("/explore/").content.decode()
    assert "assisted" in _page_titles(body, list(ranked))
    # A held (disputed) post never shows in a filtered listing, whatever its score.
    assert "disputed" not in _page_titles(body, list(ranked))


def test_mature_preference_hide_leaves_mature_work_out(client, ranked):
    client.cookies["atelier_mature"] = "hide"
    body = client.get("/explore/").content.decode()
    assert "mature" not in _page_titles(body, list(ranked))
    client.cookies["atelier_mature"] = "show"
    assert "mature" in _page_titles(client.get("/explore/").content.decode(), list(ranked))


def test_blocks_and_mutes_are_honoured(client, viewer, artist, other_artist, ranked):
    from taggit.models import Tag

    client.force_login(viewer)
    assert "bruno" in _page_titles(client.get("/explore/").content.decode(), list(ranked))
    mute_tag_set(user=viewer, tag=Tag.objects.get(slug="gore"), muting=True)
    body = client.get("/explore/").content.decode()
    assert _page_titles(body, list(ranked)) == ["human", "mature", "bruno"]
    mute_artist_set(user=viewer, artist=artist, muting=True)
    assert _page_titles(client.get("/explore/").content.decode(), list(ranked)) == ["bruno"]
    # Blocked by the other artist: their work disappears too (either direction).
    block_set(blocker=other_artist, blocked=viewer, blocking=True)
    assert _page_titles(client.get("/explore/").content.decode(), list(ranked)) == []
    # Another member's view is not affected by this viewer's hides (no shared block).
    client.force_login(UserFactory(handle="zed"))
    body = client.get("/explore/").content.decode()
    assert _page_titles(body, list(ranked)) == ["human", "mature", "bruno", "tagged"]


def test_a_post_hidden_after_ranking_leaves_explore_at_once(client, ranked):
    assert "bruno" in _page_titles(client.get("/explore/").content.decode(), list(ranked))
    artwork = ranked["bruno"]
    artwork.status = Artwork.Status.HIDDEN
    artwork.save()  # the receiver bumps the feed scope the explore page is keyed on
    assert "bruno" not in _page_titles(client.get("/explore/").content.decode(), list(ranked))


def test_rising_and_picks_tabs_render_with_empty_states(client, artist):
    for url in ("/explore/", "/explore/rising/", "/explore/picks/"):
        response = client.get(url)
        assert response.status_code == 200
        assert 'aria-current="page">Explore<' in response.content.decode().replace("\n", "")
        assert "Nothing here yet" in response.content.decode()
    assert client.get("/explore/nonsense/").status_code == 404


def test_explore_pages_by_cursor_and_refuses_a_tampered_one(client, artist):
    now = timezone.now()
    for n in range(30):
        _post(artist, f"p{n:02d}", hours_ago=1 + n, likes=10, now=now)
    ranking.ranks_compute(now=now)
    first = explore.explore_page(explore.explore_listing(feed="popular", preference="human"), None)
    assert len(first.items) == 24 and first.next_cursor
    body = client.get(f"/explore/?after={first.next_cursor}").content.decode()
    assert _page_titles(body, [f"p{n:02d}" for n in range(30)]) == [
        f"p{n:02d}" for n in range(24, 30)
    ]
    assert client.get("/explore/?after=garbage!").status_code == 400
    assert client.get("/explore/picks/?after=" + first.next_cursor).status_code == 400


def test_anonymous_explore_is_shareable_and_answers_304(client, ranked):
    response = client.get("/explore/")
    assert response["Cache-Control"].startswith("public") and not response.cookies
    again = client.get("/explore/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


# --- Staff picks -------------------------------------------------------------------------------


def _pick(client, artwork, picked="1"):
    return client.post(f"/artworks/{artwork.pk}/pick/", {"picked": picked})


@pytest.mark.parametrize(
    ("role", "status", "picked"),
    [
        ("anonymous", 302, False),  # sent to log in
        ("member", 403, False),
        ("owner", 403, False),
        ("trusted", 403, False),
        ("suspended", 403, False),
        ("suspended_moderator", 403, False),
        ("moderator", 302, True),
    ],
)
def test_only_moderators_pick(client, artist, viewer, trusted_reviewer, role, status, picked):
    artwork = ArtworkFactory(artist=artist, title="pickable")
    users = {
        "member": viewer,
        "owner": artist,
        "trusted": trusted_reviewer,
        "suspended": UserFactory(suspended_until=timezone.now() + timedelta(days=3)),
        "suspended_moderator": ModeratorFactory(suspended_until=timezone.now() + timedelta(days=3)),
        "moderator": ModeratorFactory(),
    }
    if role != "anonymous":
        client.force_login(users[role])
    response = _pick(client, artwork)
    assert response.status_code == status
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
    assert StaffPick.objects.filter(artwork=artwork).exists() is picked


def test_picks_list_newest_pick_first_and_unpicking_removes(client, moderator, artist):
    older = ArtworkFactory(artist=artist, title="picked first")
    newer = ArtworkFactory(artist=artist, title="picked second")
    client.force_login(moderator)
    assert _pick(client, newer).status_code == 302
    assert _pick(client, older).status_code == 302
    assert _pick(client, older).status_code == 302  # a double submit adds nothing
    assert StaffPick.objects.count() == 2
    body = client.get("/explore/picks/").content.decode()
    assert _page_titles(body, ["picked first", "picked second"]) == [
        "picked first",
        "picked second",
    ]
    assert _pick(client, older, picked="0").status_code == 302
    body = client.get("/explore/picks/").content.decode()
    assert _page_titles(body, ["picked first", "picked second"]) == ["picked second"]


def test_the_pick_button_shows_to_moderators_only(client, moderator, viewer, artist):
    artwork = ArtworkFactory(artist=artist, title="pickable")
    assert "staff-pick" not in client.get(artwork.get_absolute_url()).content.decode()
    client.force_login(viewer)
    assert "staff-pick" not in client.get(artwork.get_absolute_url()).content.decode()
    client.force_login(moderator)
    body = client.get(artwork.get_absolute_url()).content.decode()
    assert "Add to staff picks" in body
    response = client.post(f"/artworks/{artwork.pk}/pick/", {"picked": "1"}, HTTP_HX_REQUEST="true")
    assert "★ Staff pick" in response.content.decode()
    assert "★ Staff pick" in client.get(artwork.get_absolute_url()).content.decode()


def test_a_hidden_post_cannot_be_picked_and_a_picked_one_leaves_when_hidden(moderator, artist):
    from config.errors import Conflict

    hidden = ArtworkFactory(artist=artist, status=Artwork.Status.HIDDEN)
    with pytest.raises(Conflict):
        ranking.staff_pick_set(moderator=moderator, artwork=hidden, picked=True)
    assert not StaffPick.objects.exists()
    shown = ArtworkFactory(artist=artist, title="shown")
    ranking.staff_pick_set(moderator=moderator, artwork=shown, picked=True)
    assert _titles(explore.PICKS) == ["shown"]
    shown.status = Artwork.Status.HIDDEN
    shown.save()
    assert _titles(explore.PICKS) == []


# --- Query counts ------------------------------------------------------------------------------


def _seed(artist, count: int, *, now) -> None:
    Artwork.objects.bulk_create(
        Artwork(
            artist=artist,
            title=f"seed {n}",
            label=Label.HUMAN,
            status=Artwork.Status.PUBLISHED,
            published_at=now - timedelta(minutes=n + 1),
            like_count=n % 17,
        )
        for n in range(count)
    )


@pytest.mark.parametrize("feed", ["", "rising/", "picks/"])
def test_explore_queries_do_not_grow_with_rows(
    client, artist, moderator, viewer, feed, django_assert_num_queries
):
    now = timezone.now()
    _seed(artist, 30, now=now)
    ranking.ranks_compute(now=now)
    for artwork in Artwork.objects.all()[:30]:
        ranking.staff_pick_set(moderator=moderator, artwork=artwork, picked=True)
    # Anonymous, cold: the page of cards (artist and cover joined). Warm: none.
    with django_assert_num_queries(1):
        assert client.get(f"/explore/{feed}").status_code == 200
    with django_assert_num_queries(0):
        assert client.get(f"/explore/{feed}").status_code == 200
    _seed(artist, 3000, now=now)
    ranking.ranks_compute(now=now)
    for artwork in Artwork.objects.order_by("id")[30:300]:
        ranking.staff_pick_set(moderator=moderator, artwork=artwork, picked=True)
    with django_assert_num_queries(1):
        response = client.get(f"/explore/{feed}")
    assert response.content.decode().count('class="art-card"') == 24
    client.force_login(viewer)
    # A member: user with the moderator check and the notifications count (the session comes
    # from the cache; a member who never blocked or muted reads no filters); the page.
    with django_assert_num_queries(2):
        assert client.get(f"/explore/{feed}").status_code == 200
