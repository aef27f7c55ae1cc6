"""The state table (gallery.state) checked against every real surface.

Every combination of a post's facts (status x label x mismatch x held x relabeled x artist
suspended: 288 posts) is stored; for each viewer role and surface the real pages, feeds and API
answer, and what they show (and the badge they show) must be what ``state.present`` says.
Adding a status, a surface or a role without saying here how to check it fails
``test_every_state_surface_and_role_is_covered``.
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.contrib.postgres.search import SearchVector
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import FeedPreference, Follow
from gallery import state
from gallery.models import Artwork, ArtworkImage, Label, Medium, Visibility
from gallery.selectors import PREFERENCE_COOKIE
from tests.factories import ModeratorFactory, UserFactory

Status = Artwork.Status
FLAGS = ("label_mismatch", "held", "relabeled")

# What each status wears, whoever may see it; a new status needs its line here.
STATUS_BADGE = {
    Status.PROCESSING: state.BadgeKind.PROCESSING,
    Status.AWAITING_APPROVAL: state.BadgeKind.AWAITING_APPROVAL,
    Status.PUBLISHED: None,  # decided by the flags: plain label, under review or relabeled
    Status.FAILED: state.BadgeKind.FAILED,
    Status.HIDDEN: None,  # hidden, unless a dispute says more
    Status.REMOVED: state.BadgeKind.REMOVED,
    Status.DRAFT: state.BadgeKind.DRAFT,
}
ROLES = list(state.Role)
LISTING_ROLES = [state.Role.ANONYMOUS, state.Role.MEMBER, state.Role.MODERATOR, state.Role.OWNER]


@pytest.fixture
def world(db):
    """Two artists (one suspended), viewers for every role, and one post per combination."""
    artist = UserFactory(handle="owner")
    suspended = UserFactory(handle="banned", suspended_until=timezone.now() + timedelta(days=3))
    viewers = {
        state.Role.ANONYMOUS: None,
        state.Role.MEMBER: UserFactory(handle="member"),
        state.Role.TRUSTED_REVIEWER: UserFactory(handle="trusted", trust_level=3),
        state.Role.MODERATOR: ModeratorFactory(handle="moddy"),
        state.Role.OWNER: artist,
        state.Role.SUSPENDED_OWNER: suspended,
    }
    for viewer in viewers.values():
        if viewer is not None:
            for followed in (artist, suspended):
                if followed != viewer:
                    Follow.objects.get_or_create(follower=viewer, artist=followed)
    now = timezone.now()
    rows = []
    combos = itertools.product(
        Status.values, Label.values, *([False, True] for _ in FLAGS), [False, True]
    )
    for index, (status, label, mismatch, held, relabeled, banned) in enumerate(combos):
        published = status in (Status.PUBLISHED, Status.HIDDEN, Status.REMOVED)
        rows.append(
            Artwork(
                artist=suspended if banned else artist,
                title=f"statecase {index}",
                label=label,
                ai_stages=["sketch"] if label == Label.ASSISTED else [],
                status=status,
                label_mismatch=mismatch,
                held=held,
                relabeled=relabeled,
                medium=Medium.DRAWING,
                published_at=now - timedelta(minutes=index) if published else None,
                image_count=1,
                # Every fifth post is unlisted: the table says it opens by its link and is
                # in no listing, and each surface below is checked against that.
                visibility=Visibility.UNLISTED if index % 5 == 0 else Visibility.PUBLIC,
            )
        )
    artworks = Artwork.objects.bulk_create(rows)
    images = ArtworkImage.objects.bulk_create(
        ArtworkImage(
            artwork=a,
            derivative_key=f"st{a.pk}",
            original=f"originals/test/{a.pk}.jpg",
            format="JPEG",
            bytes=100,
            sha256="0" * 64,
            width=64,
            height=48,
            state=ArtworkImage.State.READY,
            derivatives=[
                {"name": f"art/st{a.pk}/64.jpg", "width": 64, "height": 48, "format": "jpeg"}
            ],
        )
        for a in artworks
    )
    for artwork, image in zip(artworks, images, strict=True):
        artwork.cover = image
        artwork.tags.add("all", f"{artwork.status}-{artwork.label}")
    Artwork.objects.bulk_update(artworks, ["cover"])
    Artwork.objects.update(search_vector=SearchVector("title", config="simple"))
    posts = list(Artwork.objects.select_related("artist"))
    return viewers, posts


def _facts(post: Artwork) -> state.Facts:
    return state.Facts.of(post)


def _role_towards(role: state.Role, post: Artwork, viewers) -> state.Role:
    """The role a viewer has towards one post: owners own only their own posts."""
    viewer = viewers[role]
    if role in (state.Role.OWNER, state.Role.SUSPENDED_OWNER) and viewer.pk != post.artist_id:
        return state.Role.MEMBER
    return role


def _client_for(client, role, viewers, preference):
    viewer = viewers[role]
    cache.clear()  # the API's per-client throttle: this test makes thousands of requests
    client.logout()
    client.cookies.clear()
    if viewer is None:
        client.cookies[PREFERENCE_COOKIE] = preference
    else:
        type(viewer).objects.filter(pk=viewer.pk).update(feed_preference=preference)
        client.force_login(viewer)
    return client


CARD_LINK = re.compile(r'class="art-card" href="/artworks/(\d+)/')
MORE_LINK = re.compile(r'<a class="button" href="\?(?:q=[^&"]*&amp;)?after=([^"]+)"')


def _crawl_html(client, url: str, params: str = "") -> list[int]:
    """Every artwork id a listing shows, following its "More art" links to the end."""
    ids: list[int] = []
    after = None
    for _ in range(50):
        query = params + (f"&after={after}" if after else "")
        response = client.get(f"{url}?{query}")
        assert response.status_code == 200, (url, response.status_code)
        html = response.content.decode()
        ids += [int(i) for i in CARD_LINK.findall(html)]
        found = MORE_LINK.search(html)
        if not found:
            return ids
        after = found.group(1)
    raise AssertionError("listing did not end")


def _expected(posts, viewers, role, surface, preference, keep=lambda p: True) -> set[int]:
    return {
        p.pk
        for p in posts
        if keep(p)
        and state.present(
            _facts(p),
            surface=surface,
            role=_role_towards(role, p, viewers),
            preference=preference,
        ).shown
    }


PREFERENCES = [p for p in FeedPreference.values if p != FeedPreference.ASSISTED_MINOR]


def check_feed(client, viewers, posts, role, preference):
    _client_for(client, role, viewers, preference)
    shown = set(_crawl_html(client, reverse("gallery:home")))
    assert shown == _expected(posts, viewers, role, state.Surface.FEED, preference)


def check_following(client, viewers, posts, role, preference):
    if role == state.Role.ANONYMOUS:
        return  # members only: anonymous viewers are sent to the login page
    _client_for(client, role, viewers, preference)
    shown = set(_crawl_html(client, reverse("gallery:following")))
    me = viewers[role].pk  # nobody follows themselves: only the other artist's posts
    expected = _expected(
        posts, viewers, role, state.Surface.FOLLOWING, preference,
        keep=lambda p: p.artist_id != me,
    )  # fmt: skip
    assert shown == expected


def check_tag(client, viewers, posts, role, preference):
    _client_for(client, role, viewers, preference)
    shown = set(_crawl_html(client, reverse("gallery:tag", args=["all"])))
    assert shown == _expected(posts, viewers, role, state.Surface.TAG, preference)


def check_medium(client, viewers, posts, role, preference):
    _client_for(client, role, viewers, preference)
    shown = set(_crawl_html(client, reverse("gallery:medium", args=[Medium.DRAWING])))
    assert shown == _expected(posts, viewers, role, state.Surface.MEDIUM, preference)


def check_search(client, viewers, posts, role, preference):
    _client_for(client, role, viewers, preference)
    shown = set(_crawl_html(client, reverse("gallery:search"), "q=statecase"))
    assert shown == _expected(posts, viewers, role, state.Surface.SEARCH, preference)


def check_artist(client, viewers, posts, role, preference):
    _client_for(client, role, viewers, preference)
    for handle in ("owner", "banned"):
        # The owner's first page also lists their posts nobody else can open.
        shown = set(_crawl_html(client, reverse("gallery:artist", args=[handle])))
        expected = _expected(
            posts, viewers, role, state.Surface.ARTIST, preference,
            keep=lambda p, h=handle: p.artist.handle == h,
        )  # fmt: skip
        assert shown == expected, handle


def check_atom(client, viewers, posts, role, preference):
    _client_for(client, role, viewers, preference)
    for status, label in itertools.product(Status.values, Label.values):
        slug = f"{status}-{label}"
        xml = client.get(reverse("gallery:tag_feed", args=[slug])).content.decode()
        shown = {int(i) for i in re.findall(r"/artworks/(\d+)/", xml)}
        expected = _expected(
            posts, viewers, role, state.Surface.ATOM, preference,
            keep=lambda p, s=status, lab=label: (p.status, p.label) == (s, lab),
        )  # fmt: skip
        assert shown == expected, slug
        for post in posts:
            if post.pk in shown:
                assert state.badge(_facts(post)).text in xml


def check_api_list(client, viewers, posts, role, preference):
    _client_for(client, role, viewers, preference)
    url = f"{reverse('api:artworks')}?page_size=100"
    seen: dict[int, dict] = {}
    while url:
        body = client.get(url).json()
        seen |= {card["id"]: card["badge"] for card in body["results"]}
        url = body["next"] and urlsplit(body["next"])._replace(scheme="", netloc="").geturl()
    assert set(seen) == _expected(posts, viewers, role, state.Surface.API_LIST, preference)
    by_id = {p.pk: p for p in posts}
    for pk, badge in seen.items():
        assert badge["kind"] == state.badge(_facts(by_id[pk])).kind


def _each_post_as(client, viewers, posts, role, surface, fetch):
    """Open every (human-labelled, to bound the run) post as ``role`` on a page surface."""
    _client_for(client, role, viewers, FeedPreference.HUMAN)
    for post in posts:
        if post.label != Label.HUMAN:
            continue
        present = state.present(
            _facts(post), surface=surface, role=_role_towards(role, post, viewers),
            preference=FeedPreference.HUMAN,
        )  # fmt: skip
        cache.clear()  # the API throttles anonymous clients at 60 requests a minute
        response = fetch(post)
        assert response.status_code == (200 if present.shown else 404), (post.title, role)
        if present.shown and surface == state.Surface.PAGE:
            assert present.badge.text in response.content.decode(), post.title
        if present.shown and surface == state.Surface.API_DETAIL:
            assert response.json()["badge"]["kind"] == present.badge.kind


def check_page(client, viewers, posts, role, preference):
    _each_post_as(
        client, viewers, posts, role, state.Surface.PAGE,
        lambda p: client.get(reverse("gallery:artwork_short", args=[p.pk]), follow=True),
    )  # fmt: skip


def check_api_detail(client, viewers, posts, role, preference):
    _each_post_as(
        client, viewers, posts, role, state.Surface.API_DETAIL,
        lambda p: client.get(reverse("api:artwork", args=[p.pk])),
    )  # fmt: skip


def check_owner(client, viewers, posts, role, preference):
    if role == state.Role.ANONYMOUS:
        return  # the login page answers first
    _each_post_as(
        client, viewers, posts, role, state.Surface.OWNER,
        lambda p: client.get(reverse("gallery:artwork_status", args=[p.pk])),
    )  # fmt: skip


def check_moderation(client, viewers, posts, role, preference):
    """Moderators' own view of any post: its original file (owners may fetch theirs too)."""
    if role == state.Role.ANONYMOUS:
        return
    _client_for(client, role, viewers, preference)
    from django.core.files.base import ContentFile

    from gallery.storage import private_storage

    sample = [p for p in posts if p.label == Label.HUMAN][::7]
    for post in sample:
        private_storage().save(post.cover.original.name, ContentFile(b"\xff\xd8\xff"))
        response = client.get(reverse("gallery:original", args=[post.cover_id]))
        moderator = state.present(
            _facts(post), surface=state.Surface.MODERATION,
            role=_role_towards(role, post, viewers), preference=preference,
        ).shown  # fmt: skip
        owner = _role_towards(role, post, viewers) in (
            state.Role.OWNER, state.Role.SUSPENDED_OWNER
        )  # fmt: skip
        assert response.status_code == (200 if moderator or owner else 404)


CHECKS = {
    state.Surface.FEED: check_feed,
    state.Surface.FOLLOWING: check_following,
    state.Surface.TAG: check_tag,
    state.Surface.MEDIUM: check_medium,
    state.Surface.ARTIST: check_artist,
    state.Surface.SEARCH: check_search,
    state.Surface.ATOM: check_atom,
    state.Surface.API_LIST: check_api_list,
    state.Surface.API_DETAIL: check_api_detail,
    state.Surface.PAGE: check_page,
    state.Surface.OWNER: check_owner,
    state.Surface.MODERATION: check_moderation,
}


def test_every_state_surface_and_role_is_covered():
    assert set(CHECKS) == set(state.Surface)
    assert set(STATUS_BADGE) == set(Status)
    assert set(ROLES) == set(state.Role)


@pytest.mark.parametrize("surface", list(state.Surface))
def test_surface_shows_what_the_state_table_says(client, world, surface):
    viewers, posts = world
    roles = ROLES if surface in state.PAGES | {state.Surface.OWNER} else LISTING_ROLES
    preferences = PREFERENCES if surface in state.LISTINGS else [FeedPreference.HUMAN]
    for role, preference in itertools.product(roles, preferences):
        CHECKS[surface](client, viewers, posts, role, preference)


@pytest.mark.parametrize("status", Status.values)
def test_each_status_wears_its_badge(status):
    for label, mismatch, held, relabeled in itertools.product(
        Label.values, [False, True], [False, True], [False, True]
    ):
        facts = state.Facts(
            status=status, label=label, label_mismatch=mismatch, held=held, relabeled=relabeled
        )
        badge = state.badge(facts)
        assert badge.label == label
        if STATUS_BADGE[status] is not None:
            assert badge.kind == STATUS_BADGE[status]
        elif mismatch or held:
            assert badge.kind == state.BadgeKind.UNDER_REVIEW and badge.why
        elif status == Status.HIDDEN:
            assert badge.kind == state.BadgeKind.HIDDEN
        elif relabeled:
            assert badge.kind == state.BadgeKind.RELABELED
        else:
            assert badge.kind == state.BadgeKind.LABEL and not badge.disputed


def test_the_human_only_feed_never_shows_a_disputed_badge(client, world):
    client.cookies[PREFERENCE_COOKIE] = FeedPreference.HUMAN
    html = client.get(reverse("gallery:home")).content.decode()
    assert "under review" not in html and "badge-under-review" not in html
    assert "badge-hidden" not in html and "badge-removed" not in html
