"""Who may use each block, mute and follower-list page and endpoint: every role, one table.

"blocked" is a member the profile's owner (ana) blocked; "owner" is ana herself. Blocking
and muting are safety tools, so suspended members may use them; the blocked side gets the
plain 404 for ana's profile and lists; nothing here is moderators-only.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.services import block_set
from tests.api.clients import token_client
from tests.factories import ArtworkFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "member", "owner", "blocked", "moderator", "suspended"]
PERSONA = {
    "member": "viewer",
    "owner": "artist",
    "moderator": "moderator",
    "suspended": "suspended_user",
}


@pytest.fixture
def setup(artist):
    ArtworkFactory(artist=artist).tags.set(["sea"])
    blocked = UserFactory(handle="blk")
    block_set(blocker=artist, blocked=blocked, blocking=True)
    return blocked


def person(request, role, setup):
    if role == "anonymous":
        return None
    if role == "blocked":
        from accounts.models import User

        return User.objects.get(pk=setup.pk)
    return request.getfixturevalue(PERSONA[role])


LOGIN = 302  # anonymous visitors are sent to log in
SITE = [
    # (method, url, data, {role: status}); roles not named answer `default`.
    ("get", "/settings/blocks/", None, {"anonymous": LOGIN}, 200),
    ("get", "/settings/blocks/ana/", None, {"anonymous": LOGIN, "owner": 400}, 200),
    ("post", "/settings/blocks/ana/", {"blocking": "1"}, {"owner": 400}, 302),
    ("post", "/settings/blocks/ana/", {"blocking": "0"}, {"owner": 400}, 302),
    ("post", "/settings/mutes/artists/ana/", {"muting": "1"}, {"owner": 400}, 302),
    ("post", "/settings/mutes/tags/sea/", {"muting": "1"}, {}, 302),
    ("post", "/settings/mutes/tags/no-such/", {"muting": "1"}, {"anonymous": LOGIN}, 404),
    ("get", "/@ana/", None, {"blocked": 404}, 200),
    ("get", "/@ana/followers/", None, {"blocked": 404}, 200),
    ("get", "/@ana/following/", None, {"blocked": 404}, 200),
    # ana blocked blk: she gets the "You blocked @blk" page instead of the list.
    ("get", "/@blk/followers/", None, {}, 200),
    ("get", "/@blk/", None, {}, 200),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "data", "special", "default"), SITE)
def test_site_permission_table(client, request, setup, role, method, url, data, special, default):
    user = person(request, role, setup)
    if user is not None:
        client.force_login(user)
    response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
    expected = special.get(role, LOGIN if role == "anonymous" and method == "post" else default)
    assert response.status_code == expected, response.content[:300]
    if role == "anonymous" and expected == LOGIN:
        assert reverse("account_login") in response["Location"]
    elif expected == 302:
        assert reverse("account_login") not in response["Location"]


API = [
    ("post", "/api/v1/artists/ana/block/", {"owner": 400}, 200),
    ("delete", "/api/v1/artists/ana/block/", {"owner": 400}, 200),
    ("post", "/api/v1/artists/ana/mute/", {"owner": 400}, 200),
    ("delete", "/api/v1/artists/ana/mute/", {"owner": 400}, 200),
    ("post", "/api/v1/tags/sea/mute/", {}, 200),
    ("delete", "/api/v1/tags/sea/mute/", {}, 200),
    ("get", "/api/v1/me/blocks/", {}, 200),
    ("get", "/api/v1/me/mutes/", {}, 200),
    ("get", "/api/v1/artists/ana/", {"anonymous": 200, "blocked": 404}, 200),
    ("get", "/api/v1/artists/ana/followers/", {"anonymous": 200, "blocked": 404}, 200),
    ("get", "/api/v1/artists/ana/following/", {"anonymous": 200, "blocked": 404}, 200),
    ("get", "/api/v1/artists/blk/followers/", {"anonymous": 200, "owner": 404}, 200),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "url", "special", "default"), API)
def test_api_permission_table(request, setup, role, method, url, special, default):
    from rest_framework.test import APIClient

    user = person(request, role, setup)
    client = APIClient() if user is None else token_client(user)
    response = getattr(client, method)(url)
    expected = special.get(role, 401 if role == "anonymous" else default)
    assert response.status_code == expected, response.content[:300]


@pytest.mark.parametrize("url", ["/api/v1/artists/ana/block/", "/api/v1/tags/sea/mute/"])
def test_read_only_token_cannot_block_or_mute(setup, viewer, url):
    client = token_client(viewer, scope="read")
    assert client.post(url).status_code == 403


def test_double_click_on_block_form_blocks_once(client, viewer, artist):
    from accounts.models import Block

    client.force_login(viewer)
    for _ in range(2):
        response = client.post("/settings/blocks/ana/", {"blocking": "1", "next": "/@ana/"})
        assert response.status_code == 302
        assert response["Location"] == "/@ana/"
    assert Block.objects.filter(blocker=viewer, blocked=artist).count() == 1


def test_hostile_next_is_ignored(client, viewer, artist):
    client.force_login(viewer)
    response = client.post(
        "/settings/mutes/artists/ana/", {"muting": "1", "next": "//evil.example/"}
    )
    assert response["Location"] == reverse("accounts:blocks")


@pytest.mark.parametrize(
    "url", ["/settings/blocks/%00x/", "/settings/mutes/artists/%00/", "/@a%00b/followers/"]
)
def test_hostile_handles_are_404_not_500(client, viewer, url):
    client.force_login(viewer)
    for method in ("get", "post"):
        assert getattr(client, method)(url).status_code in (400, 404, 405)


def test_huge_cursor_is_a_400(client, artist):
    assert client.get("/@ana/followers/?after=" + "A" * 5000).status_code == 400
