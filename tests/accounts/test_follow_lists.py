"""Followers and following lists on profiles: keyset pages, blocks honoured, fixed queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Follow, User
from accounts.services import block_set, follow_set
from gallery.views.people import PEOPLE_PAGE_SIZE
from tests.api.clients import token_client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def handles(html: str) -> list[str]:
    return re.findall(r'<span class="muted">@([\w-]+)</span>', html)


def test_profile_counts_link_to_the_lists(client, artist):
    page = client.get(artist.get_absolute_url()).text
    assert reverse("gallery:followers", args=["ana"]) in page
    assert reverse("gallery:following_list", args=["ana"]) in page


def test_lists_show_followers_and_following_newest_first(client, artist, viewer, other_artist):
    follow_set(follower=viewer, artist=artist, following=True)
    follow_set(follower=other_artist, artist=artist, following=True)
    follow_set(follower=artist, artist=other_artist, following=True)
    assert handles(client.get(reverse("gallery:followers", args=["ana"])).text) == [
        "bruno",
        "vic",
    ]
    assert handles(client.get(reverse("gallery:following_list", args=["ana"])).text) == ["bruno"]
    UserFactory(handle="loner")
    empty = client.get(reverse("gallery:following_list", args=["loner"]))
    assert "Not following anyone to show" in empty.text


def test_a_blocked_member_is_left_out_of_lists_the_other_side_views(
    client, artist, viewer, other_artist
):
    follow_set(follower=viewer, artist=artist, following=True)
    follow_set(follower=other_artist, artist=artist, following=True)
    block_set(blocker=other_artist, blocked=viewer, blocking=True)
    client.force_login(other_artist)
    assert handles(client.get(reverse("gallery:followers", args=["ana"])).text) == ["bruno"]
    client.force_login(viewer)
    assert handles(client.get(reverse("gallery:followers", args=["ana"])).text) == ["vic"]
    client.logout()
    assert handles(client.get(reverse("gallery:followers", args=["ana"])).text) == [
        "bruno",
        "vic",
    ]


def test_the_blocked_side_cannot_view_the_blockers_lists(client, artist, viewer):
    block_set(blocker=artist, blocked=viewer, blocking=True)
    client.force_login(viewer)
    for name in ("gallery:followers", "gallery:following_list"):
        assert client.get(reverse(name, args=["ana"])).status_code == 404
    client.force_login(artist)
    response = client.get(reverse("gallery:followers", args=["vic"]))
    assert response.status_code == 200
    assert not handles(response.text)
    assert "You blocked @vic" in response.text


def test_unknown_member_and_bad_cursor(client):
    assert client.get(reverse("gallery:followers", args=["nobody"])).status_code == 404
    UserFactory(handle="somebody")
    url = reverse("gallery:followers", args=["somebody"])
    assert client.get(url + "?after=%00garbage").status_code == 400


@pytest.fixture
def famous(artist):
    """ana with 10,000 followers (one follow a second, newest first by id too)."""
    now = timezone.now()
    users = User.objects.bulk_create(
        User(handle=f"fan{i}", email=f"fan{i}@example.com", display_name=f"Fan {i}")
        for i in range(10_000)
    )
    follows = Follow.objects.bulk_create(Follow(follower=user, artist=artist) for user in users)
    # auto_now_add stamped them all alike: spread them so the keyset walks real times, with
    # some ties to exercise the id tie-break.
    for i, follow in enumerate(follows):
        follow.created_at = now - timedelta(seconds=i // 3)
    Follow.objects.bulk_update(follows, ["created_at"], batch_size=2000)
    User.objects.filter(pk=artist.pk).update(follower_count=10_000)
    return artist


@pytest.mark.parametrize("signed_in", [False, True])
def test_follower_list_queries_are_fixed_at_10000_follows(
    client, famous, viewer, signed_in, django_assert_num_queries
):
    url = reverse("gallery:followers", args=["ana"])
    if signed_in:
        block_set(blocker=viewer, blocked=User.objects.get(handle="fan5"), blocking=True)
        client.force_login(viewer)
        client.get(url)  # session and the viewer's filters warm
    # Anonymous: the member, the page. Signed in, as every member page: the viewer with the
    # unread count and the moderator check of the menu (one query); then the member and the
    # page. The session and the viewer's blocks come from the cache.
    expected = 3 if signed_in else 2
    with django_assert_num_queries(expected):
        first = client.get(url)
    seen = handles(first.text)
    assert len(seen) == PEOPLE_PAGE_SIZE
    cursor = re.search(r'href="\?after=([^"]+)"', first.text).group(1)
    # htmx's next rows: the same (the menu's moderator check is no query of its own now).
    with django_assert_num_queries(expected):
        second = client.get(f"{url}?after={cursor}", HTTP_HX_REQUEST="true")
    more = handles(second.text)
    assert len(more) == PEOPLE_PAGE_SIZE
    assert not set(seen) & set(more)
    assert ("fan5" in seen + more) is not signed_in


def test_walking_every_page_lists_each_follower_once(client, famous):
    url = reverse("gallery:followers", args=["ana"])
    seen: list[str] = []
    after = ""
    for _ in range(10_000 // PEOPLE_PAGE_SIZE + 2):
        text = client.get(url + (f"?after={after}" if after else "")).text
        seen += handles(text)
        found = re.search(r'href="\?after=([^"]+)"', text)
        if not found:
            break
        after = found.group(1)
    assert len(seen) == 10_000 == len(set(seen))


def test_api_follower_list_pages_and_honours_blocks(famous, viewer):
    client = token_client(viewer)
    first = client.get("/api/v1/artists/ana/followers/?page_size=100").json()
    assert len(first["results"]) == 100
    # fan0-fan2 followed in the same second: the newer id comes first.
    assert [p["handle"] for p in first["results"][:4]] == ["fan2", "fan1", "fan0", "fan5"]
    second = client.get(first["next"]).json()
    assert {p["handle"] for p in first["results"]}.isdisjoint(
        p["handle"] for p in second["results"]
    )
    block_set(blocker=User.objects.get(handle="fan2"), blocked=viewer, blocking=True)
    again = client.get("/api/v1/artists/ana/followers/?page_size=100").json()
    assert again["results"][0]["handle"] == "fan1"
    assert client.get("/api/v1/artists/fan2/following/").status_code == 404
    assert client.get("/api/v1/artists/ana/following/").json() == {"results": [], "next": None}


def test_api_follower_list_queries_are_fixed(famous, django_assert_num_queries):
    with django_assert_num_queries(2):  # the member, the page
        response = APIClient().get("/api/v1/artists/ana/followers/?page_size=100")
    assert len(response.json()["results"]) == 100
