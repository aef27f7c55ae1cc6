"""The comment endpoints' behaviour beyond permissions: shapes, paging, double submits,
hostile input, the rate limits and refusals as JSON."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from community.models import Comment
from community.services import comment_create
from tests.api.clients import token_client
from tests.factories import ArtworkFactory, UserFactory


@pytest.fixture
def api(viewer):
    return token_client(viewer)


def url(artwork) -> str:
    return f"/api/v1/artworks/{artwork.pk}/comments/"


def test_the_thread_nests_the_first_replies_and_pages_with_next(api, artwork, viewer, other_artist):
    top = comment_create(author=viewer, artwork=artwork, body="Top @bruno").comment
    for i in range(5):
        comment_create(author=other_artist, artwork=artwork, body=f"Reply {i}", parent=top)
    for i in range(3):
        comment_create(author=other_artist, artwork=artwork, body=f"Later {i}")
    first = api.get(url(artwork), {"page_size": 2}).json()
    assert [c["body"] for c in first["results"]] == ["Later 2", "Later 1"]
    second = api.get(first["next"]).json()
    assert second["next"] is None and second["results"][0]["body"] == "Later 0"
    found = second["results"][1]
    assert found["id"] == top.pk and found["more_replies"] == 2
    assert [r["body"] for r in found["replies"]] == ["Reply 0", "Reply 1", "Reply 2"]
    assert found["replies"][0]["parent"] == top.pk
    assert '<a class="mention" href="/@bruno/">@bruno</a>' in found["body_html"]
    assert found["author"]["handle"] == "vic" and found["can_edit"] and found["can_delete"]
    replies = api.get(f"/api/v1/comments/{top.pk}/replies/", {"page_size": 4}).json()
    rest = api.get(replies["next"]).json()
    assert [r["body"] for r in replies["results"] + rest["results"]] == [
        f"Reply {i}" for i in range(5)
    ]


def test_a_deleted_comment_with_replies_has_no_body_or_author(api, artwork, viewer, other_artist):
    top = comment_create(author=viewer, artwork=artwork, body="Gone soon").comment
    comment_create(author=other_artist, artwork=artwork, body="Still here", parent=top)
    assert api.delete(f"/api/v1/comments/{top.pk}/").status_code == 204
    found = api.get(url(artwork)).json()["results"][0]
    assert found["body"] is None and found["author"] is None and found["body_html"] is None
    assert found["placeholder"] == "This comment was deleted." and found["status"] == "deleted"
    assert found["replies"][0]["body"] == "Still here"


def test_a_retried_post_answers_200_with_the_first_comment(api, artwork):
    first = api.post(url(artwork), {"body": "Once"}, format="json")
    again = api.post(url(artwork), {"body": "Once"}, format="json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", "cannot be empty"),
        ("  \n ", "cannot be empty"),
        ("x" * 5000, "at most 2,000"),
        ("a\x00b", "Null characters"),
        (["a list"], "Not a valid string"),
        (12, None),
    ],
)
def test_bad_bodies_are_400s_naming_the_field(api, artwork, body, words):
    response = api.post(url(artwork), {"body": body}, format="json")
    if words is None:  # DRF reads a number as its text: a comment "12" is fine
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.content
    assert words in " ".join(response.json()["errors"]["body"])


def test_a_script_body_comes_back_escaped(api, artwork):
    data = api.post(url(artwork), {"body": "<script>x</script> javascript:alert(1)"}, format="json")
    assert data.json()["body"] == "<script>x</script> javascript:alert(1)"
    assert data.json()["body_html"] == "&lt;script&gt;x&lt;/script&gt; javascript:alert(1)"


@pytest.mark.parametrize("parent", ["nine", -1, 2**70])
def test_a_bad_parent_is_a_400(api, artwork, parent):
    assert api.post(url(artwork), {"body": "x", "parent": parent}, format="json").status_code == 400


def test_a_parent_nobody_can_see_is_a_404_and_one_elsewhere_a_400(api, artwork, artist, viewer):
    assert api.post(url(artwork), {"body": "x", "parent": 999999}, format="json").status_code == 404
    elsewhere = comment_create(author=viewer, artwork=ArtworkFactory(artist=artist), body="y")
    response = api.post(url(artwork), {"body": "x", "parent": elsewhere.comment.pk}, format="json")
    assert response.status_code == 400 and "another post" in response.json()["errors"]["parent"][0]


def test_the_comment_rate_is_a_429_with_retry_after(api, artwork, settings):
    settings.COMMENT_RATE = "2/min"
    for body in ("one", "two"):
        assert api.post(url(artwork), {"body": body}, format="json").status_code == 201
    refused = api.post(url(artwork), {"body": "three"}, format="json")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 30
    assert "faster than the site allows" in refused.json()["detail"]


def test_new_accounts_get_the_cooldown_as_a_429(artwork, settings):
    settings.COMMENT_NEW_MEMBER_COOLDOWN = 120
    newcomer = token_client(UserFactory(handle="nia", trust_level=0))
    assert newcomer.post(url(artwork), {"body": "one"}, format="json").status_code == 201
    refused = newcomer.post(url(artwork), {"body": "two"}, format="json")
    assert refused.status_code == 429 and 100 <= int(refused["Retry-After"]) <= 120


def test_an_edit_past_the_window_is_a_409(api, artwork, viewer):
    comment = comment_create(author=viewer, artwork=artwork, body="Old").comment
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(hours=2))
    response = api.patch(f"/api/v1/comments/{comment.pk}/", {"body": "New"}, format="json")
    assert response.status_code == 409 and "15 minutes" in response.json()["detail"]


def test_an_edit_within_the_window_says_edited(api, artwork, viewer):
    comment = comment_create(author=viewer, artwork=artwork, body="Old").comment
    data = api.patch(f"/api/v1/comments/{comment.pk}/", {"body": "New"}, format="json").json()
    assert data["body"] == "New" and data["edited_at"] is not None


def test_comments_off_is_a_403_and_reads_on(artist, artwork, api):
    owner = token_client(artist)
    off = owner.put(f"{url(artwork)}enabled/", {"enabled": False}, format="json")
    assert off.status_code == 200 and off.json() == {"enabled": False}
    refused = api.post(url(artwork), {"body": "x"}, format="json")
    assert refused.status_code == 403 and "turned comments off" in refused.json()["detail"]
    assert api.get(url(artwork)).status_code == 200
    assert api.get(f"/api/v1/artworks/{artwork.pk}/").json()["comments_enabled"] is False


def test_a_read_only_token_cannot_comment(viewer, artwork):
    from accounts.models import ApiToken

    reader = token_client(viewer, ApiToken.Scope.READ)
    assert reader.post(url(artwork), {"body": "x"}, format="json").status_code == 403
    assert reader.get(url(artwork)).status_code == 200


def test_a_tampered_cursor_is_a_400(api, artwork):
    response = api.get(url(artwork), {"after": "garbage!!"})
    assert response.status_code == 400 and "after" in response.json()["errors"]


def test_the_artwork_says_its_comment_count(api, artwork, viewer):
    comment_create(author=viewer, artwork=artwork, body="x")
    assert api.get(f"/api/v1/artworks/{artwork.pk}/").json()["comment_count"] == 1
