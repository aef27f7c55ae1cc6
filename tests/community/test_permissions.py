"""Every comment page and endpoint against every role: anonymous, member (the comment's
author), owner (the post's artist), a member the artist blocked, a trusted reviewer, a
moderator and a suspended member. The site and the API answer the same rules."""

from __future__ import annotations

import pytest

from community.models import Comment
from community.services import comment_create
from tests.api.clients import token_client

ROLES = ["anonymous", "member", "owner", "blocked", "trusted_reviewer", "moderator", "suspended"]
PERSONA = {
    "member": "viewer",
    "owner": "artist",
    "blocked": "blocked_member",
    "trusted_reviewer": "trusted_reviewer",
    "moderator": "moderator",
    "suspended": "suspended_user",
}
LOGIN = 302  # the site sends anonymous visitors to log in


@pytest.fixture
def scene(artwork, viewer):
    """The post and a comment on it by the member (vic)."""
    comment = comment_create(author=viewer, artwork=artwork, body="A comment").comment
    return artwork, comment


def site_client(request, client, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(PERSONA[role]))
    return client


def api_client(request, role):
    from rest_framework.test import APIClient

    if role == "anonymous":
        return APIClient()
    return token_client(request.getfixturevalue(PERSONA[role]))


NEW = {"body": "Hello there"}
REPLY = {"body": "A reply", "parent": "{c}"}
EDIT = {"body": "Changed"}
OFF, API_OFF = {"enabled": "0"}, {"enabled": False}
THREAD, API_THREAD = "/comments/artworks/{a}/", "/api/v1/artworks/{a}/comments/"

# (method, url template, data, expected statuses in ROLES order: anonymous, member, owner,
# blocked, trusted reviewer, moderator, suspended), on the site.
SITE = {
    "page": ("get", "{page}", None, (200, 200, 200, 200, 200, 200, 200)),
    "list": ("get", "/comments/artworks/{a}/", None, (200, 200, 200, 200, 200, 200, 200)),
    "replies": ("get", "/comments/{c}/replies/", None, (200, 200, 200, 200, 200, 200, 200)),
    "create": ("post", THREAD, NEW, (LOGIN, 302, 302, 403, 302, 302, 403)),
    "reply": ("post", THREAD, REPLY, (LOGIN, 302, 302, 403, 302, 302, 403)),
    "edit-form": ("get", "/comments/{c}/edit/", None, (LOGIN, 200, 403, 403, 403, 403, 403)),
    "edit": ("post", "/comments/{c}/edit/", EDIT, (LOGIN, 302, 403, 403, 403, 403, 403)),
    "delete": ("post", "/comments/{c}/delete/", {}, (LOGIN, 302, 403, 403, 403, 403, 403)),
    "hide": ("post", "/comments/{c}/hide/", {}, (LOGIN, 403, 302, 403, 403, 403, 403)),
    # A hidden comment is not shown to anyone but its author and the artist: 404 for the rest.
    "unhide": ("post", "/comments/{c}/unhide/", {}, (LOGIN, 403, 302, 404, 404, 404, 403)),
    "switch": ("post", THREAD + "settings/", OFF, (LOGIN, 403, 302, 403, 403, 403, 403)),
}  # fmt: skip

API = {
    "list": ("get", "/api/v1/artworks/{a}/comments/", None, (200, 200, 200, 200, 200, 200, 200)),
    "one": ("get", "/api/v1/comments/{c}/", None, (200, 200, 200, 200, 200, 200, 200)),
    "replies": ("get", "/api/v1/comments/{c}/replies/", None, (200, 200, 200, 200, 200, 200, 200)),
    "create": ("post", API_THREAD, NEW, (401, 201, 201, 403, 201, 201, 403)),
    "reply": ("post", API_THREAD, REPLY, (401, 201, 201, 403, 201, 201, 403)),
    "edit": ("patch", "/api/v1/comments/{c}/", EDIT, (401, 200, 403, 403, 403, 403, 403)),
    "delete": ("delete", "/api/v1/comments/{c}/", None, (401, 204, 403, 403, 403, 403, 403)),
    "hide": ("post", "/api/v1/comments/{c}/hide/", None, (401, 403, 200, 403, 403, 403, 403)),
    "unhide": ("post", "/api/v1/comments/{c}/unhide/", None, (401, 403, 200, 404, 404, 404, 403)),
    "switch": ("put", API_THREAD + "enabled/", API_OFF, (401, 403, 200, 403, 403, 403, 403)),
}  # fmt: skip


def _fill(template, artwork, comment):
    return template.format(a=artwork.pk, c=comment.pk, page=artwork.get_absolute_url())


def _data(data, artwork, comment):
    if data is None:
        return None
    return {k: (_fill(v, artwork, comment) if isinstance(v, str) else v) for k, v in data.items()}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("what", list(SITE))
def test_site_permissions(request, client, scene, blocked_member, what, role):
    artwork, comment = scene
    if what == "unhide":
        Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.HIDDEN)
    method, url, data, statuses = SITE[what]
    expected = dict(zip(ROLES, statuses, strict=True))
    client = site_client(request, client, role)
    url = _fill(url, artwork, comment)
    response = getattr(client, method)(url, _data(data, artwork, comment) or {})
    assert response.status_code == expected[role], (what, role, response.status_code)
    if role == "anonymous" and expected[role] == LOGIN:
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("what", list(API))
def test_api_permissions(request, scene, blocked_member, what, role):
    artwork, comment = scene
    if what == "unhide":
        Comment.objects.filter(pk=comment.pk).update(status=Comment.Status.HIDDEN)
    method, url, data, statuses = API[what]
    expected = dict(zip(ROLES, statuses, strict=True))
    client = api_client(request, role)
    url = _fill(url, artwork, comment)
    response = getattr(client, method)(url, _data(data, artwork, comment), format="json")
    assert response.status_code == expected[role], (what, role, response.content)


def test_the_refusals_change_nothing(request, client, scene, blocked_member, moderator):
    artwork, comment = scene
    for role in ("blocked", "moderator", "suspended"):
        api = api_client(request, role)
        api.patch(f"/api/v1/comments/{comment.pk}/", {"body": "Vandalised"}, format="json")
        api.delete(f"/api/v1/comments/{comment.pk}/")
        api.post(f"/api/v1/comments/{comment.pk}/hide/")
    comment.refresh_from_db()
    artwork.refresh_from_db()
    assert comment.body == "A comment" and comment.status == Comment.Status.VISIBLE
    assert artwork.comment_count == 1 and artwork.comments_enabled


def test_a_suspended_author_may_delete_their_comment(request, client, artwork, suspended_user):
    from datetime import timedelta

    from django.utils import timezone

    type(suspended_user).objects.filter(pk=suspended_user.pk).update(suspended_until=None)
    suspended_user.refresh_from_db()
    first = comment_create(author=suspended_user, artwork=artwork, body="one").comment
    second = comment_create(author=suspended_user, artwork=artwork, body="two").comment
    type(suspended_user).objects.filter(pk=suspended_user.pk).update(
        suspended_until=timezone.now() + timedelta(days=3)
    )
    client.force_login(suspended_user)
    assert client.post(f"/comments/{first.pk}/delete/").status_code == 302
    assert token_client(suspended_user).delete(f"/api/v1/comments/{second.pk}/").status_code == 204
    assert set(Comment.objects.values_list("status", flat=True)) == {Comment.Status.DELETED}


def test_posts_nobody_else_may_see_hide_their_comments(client, viewer, artist):
    from gallery.models import Artwork
    from tests.factories import ArtworkFactory

    artwork = ArtworkFactory(artist=artist)
    comment = comment_create(author=viewer, artwork=artwork, body="Seen").comment
    Artwork.objects.filter(pk=artwork.pk).update(status=Artwork.Status.REMOVED)
    client.force_login(viewer)
    assert client.get(f"/comments/artworks/{artwork.pk}/").status_code == 404
    assert client.get(f"/comments/{comment.pk}/replies/").status_code == 404
    assert token_client(viewer).get(f"/api/v1/comments/{comment.pk}/").status_code == 404


def test_comments_by_a_blocked_member_are_left_out_for_the_blocker(client, artwork, viewer, artist):
    from accounts.models import Block

    Block.objects.create(blocker=artist, blocked=viewer)
    client.force_login(artist)
    body = client.get(artwork.get_absolute_url()).content.decode()
    assert "A comment" not in body
    data = token_client(artist).get(f"/api/v1/artworks/{artwork.pk}/comments/").json()
    assert data["results"] == []


def test_blocked_readers_do_not_see_the_blockers_comments(
    client, scene, blocked_member, artist, artwork
):
    comment_create(author=artist, artwork=artwork, body="Artist speaking")
    client.force_login(blocked_member)
    body = client.get(artwork.get_absolute_url()).content.decode()
    assert "A comment" in body and "Artist speaking" not in body
