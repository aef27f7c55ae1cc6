"""/api/v1/ for comment cases: reporting a comment, and the moderators' cases endpoints on
comment cases, for every role (the post's artist is "owner"; the comment's author is
"author")."""

from __future__ import annotations

import pytest

from community.models import Comment
from moderation.models import Appeal, Case, Decision, Flag
from moderation.services.appeals import appeal_create
from moderation.services.decisions import case_decide
from moderation.services.flags import comment_flag_create
from tests.api.clients import ROLES, token_client
from tests.factories import ArtworkFactory, CommentFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
ALL_ROLES = [*ROLES, "author"]
MODERATORS_ONLY = {
    "anonymous": 401,
    "member": 403,
    "owner": 403,
    "author": 403,
    "trusted_reviewer": 403,
    "suspended": 403,
}


@pytest.fixture
def commenter(db):
    return UserFactory(handle="carl")


@pytest.fixture
def post(artist):
    return ArtworkFactory(artist=artist, title="Harbour")


@pytest.fixture
def comment(post, commenter):
    return CommentFactory(artwork=post, author=commenter, body="Cheap followers at spam.example")


@pytest.fixture
def case(comment):
    return comment_flag_create(
        reporter=UserFactory(handle="rita"), comment=comment, reason="spam"
    ).case


@pytest.fixture
def client_as(client_for, commenter):
    def make(role: str):
        return token_client(commenter) if role == "author" else client_for(role)

    return make


@pytest.mark.parametrize("role", ALL_ROLES)
def test_flag_a_comment_by_role(client_as, role, comment):
    client = client_as(role)
    response = client.post(
        f"{API}/comments/{comment.pk}/flags/",
        {"reason": "harassment", "note": "Rude."},
        format="json",
    )
    expected = {
        "anonymous": 401,
        "member": 201,
        "owner": 201,
        "author": 400,
        "trusted_reviewer": 201,
        "moderator": 201,
        "suspended": 403,
    }[role]
    assert response.status_code == expected, response.json()
    body = response.json()
    if expected == 201:
        flag = Flag.objects.get(reporter=client.user)
        assert body["id"] == flag.pk and body["comment"] == comment.pk
        assert body["artwork"] is None and body["reason"] == "harassment"
        assert flag.case.subject == "comment"
    else:
        assert not Flag.objects.exists()
        if role == "author":
            assert "your own comment" in body["detail"]


def test_flag_a_comment_twice_and_with_a_post_reason(client_as, comment):
    client = client_as("member")
    url = f"{API}/comments/{comment.pk}/flags/"
    assert client.post(url, {"reason": "stolen"}, format="json").status_code == 400
    assert client.post(url, {"reason": "spam"}, format="json").status_code == 201
    again = client.post(url, {"reason": "spam"}, format="json")
    assert again.status_code == 400 and "already reported" in again.json()["detail"]
    assert Flag.objects.count() == 1


def test_flag_a_deleted_comment_is_400_with_the_reason(client_as, comment):
    Comment.objects.filter(pk=comment.pk).update(status="deleted")
    response = client_as("member").post(
        f"{API}/comments/{comment.pk}/flags/", {"reason": "spam"}, format="json"
    )
    assert response.status_code == 400
    assert "deleted by its author" in response.json()["detail"]


def test_flag_a_comment_under_a_post_you_cannot_see_is_404(client_as, comment, post):
    post.__class__.objects.filter(pk=post.pk).update(status="removed")
    client = client_as("member")
    assert (
        client.post(f"{API}/comments/{comment.pk}/flags/", {"reason": "spam"}, format="json")
    ).status_code == 404
    assert (
        client.post(f"{API}/comments/999999/flags/", {"reason": "spam"}, format="json")
    ).status_code == 404


def test_flag_a_comment_rate_limited(client_as, settings):
    settings.MODERATION_FLAGS_PER_HOUR = 1
    client = client_as("member")
    first, second = CommentFactory(), CommentFactory()
    assert (
        client.post(f"{API}/comments/{first.pk}/flags/", {"reason": "spam"}, format="json")
    ).status_code == 201
    refused = client.post(f"{API}/comments/{second.pk}/flags/", {"reason": "spam"}, format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


@pytest.mark.parametrize("role", ALL_ROLES)
def test_case_list_and_detail_by_role(client_as, role, case, comment):
    client = client_as(role)
    listing = client.get(f"{API}/cases/", {"subject": "comment"})
    detail = client.get(f"{API}/cases/{case.pk}/")
    if role != "moderator":
        assert listing.status_code == detail.status_code == MODERATORS_ONLY[role]
        return
    assert listing.status_code == 200 and detail.status_code == 200
    (row,) = listing.json()["results"]
    assert row["subject"] == "comment" and row["artwork"] is None
    assert row["comment"]["body"] == "Cheap followers at spam.example"
    assert row["comment"]["author"] == "carl" and row["comment"]["artwork"] == comment.artwork_id
    assert row["comment"]["url"].endswith(f"#comment-{comment.pk}")
    body = detail.json()
    assert body["comment"]["id"] == comment.pk
    assert body["flags"][0]["comment"] == comment.pk and body["flags"][0]["reporter"] == "rita"


def test_case_list_filters_by_subject(client_as, case, post):
    from moderation.services.flags import flag_create

    post_case = flag_create(reporter=UserFactory(), artwork=post, reason="spam").case
    client = client_as("moderator")

    def ids(**params):
        return {r["id"] for r in client.get(f"{API}/cases/", params).json()["results"]}

    assert ids(subject="comment") == {case.pk}
    assert ids(subject="artwork") == {post_case.pk}
    assert ids() == {case.pk, post_case.pk}
    assert client.get(f"{API}/cases/", {"subject": "nope"}).status_code == 400


@pytest.mark.parametrize("role", ALL_ROLES)
def test_claim_and_decide_a_comment_case_by_role(client_as, role, case, comment, post):
    client = client_as(role)
    claim = client.post(f"{API}/cases/{case.pk}/claim/")
    decide = client.post(
        f"{API}/cases/{case.pk}/decide/",
        {"action": "remove", "reason": "Spam.", "strike": True},
        format="json",
    )
    if role != "moderator":
        assert claim.status_code == decide.status_code == MODERATORS_ONLY[role]
        assert Case.objects.get(pk=case.pk).is_open
        return
    assert claim.status_code == 200 and claim.json()["subject"] == "comment"
    assert decide.status_code == 201, decide.json()
    assert decide.json()["action"] == "remove" and decide.json()["strike"] is True
    assert Comment.objects.get(pk=comment.pk).status == "removed"
    post.refresh_from_db()
    assert post.comment_count == 0


def test_decide_refuses_post_actions_on_a_comment_case(client_as, case):
    response = client_as("moderator").post(
        f"{API}/cases/{case.pk}/decide/",
        {"action": "relabel", "new_label": "ai-generated", "reason": "x"},
        format="json",
    )
    assert (
        response.status_code == 400 and "does not apply to a comment" in response.json()["detail"]
    )
    assert not Decision.objects.exists()


def test_a_moderator_cannot_decide_on_their_own_comment(post):
    moderator = ModeratorFactory(handle="pat")
    comment = CommentFactory(artwork=post, author=moderator)
    case = comment_flag_create(reporter=UserFactory(), comment=comment, reason="spam").case
    client = token_client(moderator)
    assert client.post(f"{API}/cases/{case.pk}/claim/").status_code == 403
    response = client.post(
        f"{API}/cases/{case.pk}/decide/", {"action": "dismiss", "reason": "x"}, format="json"
    )
    assert response.status_code == 403 and "your own comment" in response.json()["detail"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_appeal_a_comment_decision_by_role(client_as, role, case, comment, post):
    decision = case_decide(
        moderator=ModeratorFactory(handle="otto"), case_id=case.pk, action="hide", reason="Spam."
    )
    response = client_as(role).post(
        f"{API}/decisions/{decision.pk}/appeal/", {"statement": "Not spam."}, format="json"
    )
    expected = {"anonymous": 401, "author": 201}.get(role, 404)
    assert response.status_code == expected, response.json()
    assert Appeal.objects.exists() == (role == "author")


def test_appeals_list_shows_the_comment(client_as, case, commenter):
    decision = case_decide(
        moderator=ModeratorFactory(handle="otto"), case_id=case.pk, action="hide", reason="Spam."
    )
    appeal_create(appellant=commenter, decision=decision, statement="Not spam.")
    (row,) = client_as("moderator").get(f"{API}/appeals/").json()["results"]
    assert row["artwork"] is None and row["comment"]["author"] == "carl"


def test_the_case_list_costs_the_same_whatever_its_length(client_as, django_assert_num_queries):
    client = client_as("moderator")

    def fill(n):
        for _ in range(n):
            comment_flag_create(reporter=UserFactory(), comment=CommentFactory(), reason="spam")

    fill(1)
    client.get(f"{API}/cases/")  # the token's first use records it; later calls do not
    # The token, the member's checks (one query) and the page: none per row.
    with django_assert_num_queries(3) as few:
        assert client.get(f"{API}/cases/").status_code == 200
    fill(5)
    with django_assert_num_queries(len(few.captured_queries)):
        assert len(client.get(f"{API}/cases/").json()["results"]) == 6
