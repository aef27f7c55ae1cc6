"""The pages around comment cases (the report form, the queue, the case, the decision, the
audit log), for every role: anonymous, member, the comment's author, the post's artist,
trusted reviewer, moderator and suspended member."""

from __future__ import annotations

import pytest
from django.urls import reverse

from community.models import Comment
from moderation.models import Appeal, Case, Decision, Flag
from moderation.services.appeals import appeal_create
from moderation.services.decisions import case_decide
from moderation.services.flags import comment_flag_create
from tests.factories import ArtworkFactory, CommentFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "anonymous",
    "viewer",
    "commenter",
    "artist",
    "trusted_reviewer",
    "moderator",
    "suspended_user",
]


@pytest.fixture
def commenter(db):
    return UserFactory(handle="carl")


@pytest.fixture
def world(artist, commenter, viewer, moderator, trusted_reviewer, suspended_user):
    post = ArtworkFactory(artist=artist, title="Harbour")
    first = CommentFactory(artwork=post, author=viewer, body="Lovely light on the water.")
    comment = CommentFactory(
        artwork=post, author=commenter, parent=first, body="<script>alert(1)</script> you hack"
    )
    reporter = UserFactory(handle="rita")
    case = comment_flag_create(
        reporter=reporter, comment=comment, reason="harassment", note="Insults the artist."
    ).case
    decided = CommentFactory(artwork=post, author=commenter, body="Visit spam.example now")
    decided_case = comment_flag_create(reporter=reporter, comment=decided, reason="spam").case
    other_mod = ModeratorFactory(handle="otto")
    decision = case_decide(
        moderator=other_mod, case_id=decided_case.pk, action="hide", reason="Spam links."
    )
    appeal = appeal_create(appellant=commenter, decision=decision, statement="Not spam.")
    fresh = CommentFactory(artwork=post, author=commenter, body="A fresh comment.")
    return {
        "post": post, "first": first, "comment": comment, "case": case, "decision": decision,
        "appeal": appeal, "fresh": fresh,
    }  # fmt: skip


def _login(client, request, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


def _denied(response) -> bool:
    if response.status_code == 302:
        return "/accounts/" in response["Location"]
    return response.status_code in (403, 404)


# --- The report form -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_report_form_by_role(client, request, world, role):
    _login(client, request, role)
    fresh = world["fresh"]
    url = reverse("moderation:comment_report", args=[fresh.pk])
    page = client.get(url)
    response = client.post(url, {"reason": "off-topic", "note": "Not about the post."})
    flagged = Flag.objects.filter(comment=fresh).first()
    if role in ("viewer", "artist", "trusted_reviewer", "moderator"):
        assert page.status_code == 200 and 'name="reason"' in page.content.decode()
        assert response.status_code == 302
        assert response["Location"] == f"{world['post'].get_absolute_url()}#comment-{fresh.pk}"
        assert flagged.reporter == request.getfixturevalue(role)
        assert flagged.reason == "off-topic" and flagged.case.subject == "comment"
    elif role == "commenter":
        assert "cannot report your own comment" in page.content.decode()
        assert 'name="reason"' not in page.content.decode()
        assert response.status_code == 400 and flagged is None
    else:
        assert _denied(page) and _denied(response) and flagged is None


def test_the_form_offers_only_the_comment_reasons(client, viewer, world):
    client.force_login(viewer)
    html = client.get(reverse("moderation:comment_report", args=[world["fresh"].pk])).content
    html = html.decode()
    for value in ("spam", "harassment", "off-topic", "other"):
        assert f'value="{value}"' in html
    for value in ("stolen", "undisclosed-ai", "sensitive"):
        assert f'value="{value}"' not in html
    # The artwork's report form does not offer "off-topic".
    art = client.get(reverse("moderation:report", args=[world["post"].pk])).content.decode()
    assert 'value="off-topic"' not in art and 'value="stolen"' in art


def test_a_double_submit_makes_one_flag(client, viewer, world):
    client.force_login(viewer)
    url = reverse("moderation:comment_report", args=[world["fresh"].pk])
    first = client.post(url, {"reason": "spam"})
    second = client.post(url, {"reason": "spam"})
    assert first.status_code == 302 and second.status_code == 400
    assert "You reported this comment" in second.content.decode()
    assert Flag.objects.filter(comment=world["fresh"]).count() == 1


def test_a_deleted_comment_says_so_and_takes_no_report(client, viewer, world):
    fresh = world["fresh"]
    Comment.objects.filter(pk=fresh.pk).update(status="deleted")
    client.force_login(viewer)
    url = reverse("moderation:comment_report", args=[fresh.pk])
    page = client.get(url).content.decode()
    assert "deleted by its author" in page and 'name="reason"' not in page
    assert "A fresh comment." not in page
    assert client.post(url, {"reason": "spam"}).status_code == 400
    assert not Flag.objects.filter(comment=fresh).exists()


def test_a_bad_reason_is_a_form_error(client, viewer, world):
    client.force_login(viewer)
    url = reverse("moderation:comment_report", args=[world["fresh"].pk])
    response = client.post(url, {"reason": "stolen", "note": "x" * 5000})
    assert response.status_code == 400
    assert not Flag.objects.filter(comment=world["fresh"]).exists()


def test_a_comment_under_a_hidden_post_is_a_404(client, viewer, world):
    world["post"].__class__.objects.filter(pk=world["post"].pk).update(status="removed")
    client.force_login(viewer)
    url = reverse("moderation:comment_report", args=[world["fresh"].pk])
    assert client.get(url).status_code == 404
    assert client.get(reverse("moderation:comment_report", args=[999999])).status_code == 404


# --- Moderators' pages ---------------------------------------------------------------------------

MODERATOR_GETS = {
    "queue": lambda w: [],
    "case": lambda w: [w["case"].pk],
    "audit": lambda w: [],
    "appeals": lambda w: [],
    "appeal": lambda w: [w["appeal"].pk],
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(MODERATOR_GETS))
def test_moderator_pages_with_comment_cases(client, request, world, role, page):
    _login(client, request, role)
    url = reverse(f"moderation:{page}", args=MODERATOR_GETS[page](world))
    response = client.get(url + ("?subject=comment" if page == "queue" else ""))
    if role == "moderator":
        assert response.status_code == 200
    else:
        assert _denied(response), (role, page, response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_claim_and_decide_a_comment_case(client, request, world, role):
    _login(client, request, role)
    case = world["case"]
    client.post(reverse("moderation:claim", args=[case.pk]))
    client.post(reverse("moderation:decide", args=[case.pk]), {"action": "hide", "reason": "Rude."})
    case.refresh_from_db()
    decided = Decision.objects.filter(case=case).exists()
    assert decided == (role == "moderator")
    status = Comment.objects.values_list("status", flat=True).get(pk=world["comment"].pk)
    assert status == ("mod-hidden" if role == "moderator" else "visible")
    if role != "moderator":
        assert case.is_open and case.claimed_by is None


@pytest.mark.parametrize("role", ROLES)
def test_decision_page_and_appeal_of_a_comment_decision(client, request, world, role):
    _login(client, request, role)
    Appeal.objects.all().delete()
    url = reverse("moderation:decision", args=[world["decision"].pk])
    page = client.get(url)
    client.post(url, {"statement": "It was a joke."})
    appealed = Appeal.objects.filter(decision=world["decision"]).exists()
    if role == "commenter":
        html = page.content.decode()
        assert page.status_code == 200 and "Visit spam.example now" in html
        assert "Hide the comment" in html and appealed
    elif role == "moderator":
        assert page.status_code == 200 and not appealed
    else:
        assert _denied(page) and not appealed


def test_the_case_page_shows_the_comment_escaped_in_its_thread(client, moderator, world):
    client.force_login(moderator)
    html = client.get(reverse("moderation:case", args=[world["case"].pk])).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; you hack" in html
    assert "@carl" in html and world["post"].get_absolute_url() in html
    assert "Lovely light on the water." in html  # the comment it answers
    assert "Insults the artist." in html and "@rita" in html  # the flag and its reporter
    assert 'value="hide"' in html and "Hide the comment" in html
    assert 'value="relabel"' not in html and "Ask for process evidence" not in html
    assert "Community votes" not in html


def test_a_post_only_action_posted_anyway_is_refused_on_the_page(client, moderator, world):
    client.force_login(moderator)
    case = world["case"]
    response = client.post(
        reverse("moderation:decide", args=[case.pk]),
        {"action": "relabel", "new_label": "ai-generated", "reason": "x"},
    )
    assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).is_open


def test_the_queue_labels_comment_cases(client, moderator, world):
    client.force_login(moderator)
    html = client.get(reverse("moderation:queue") + "?subject=comment").content.decode()
    assert '<span class="badge badge-neutral">Comment</span>' in html
    assert "you hack" in html and "&lt;script&gt;" in html and "<script>alert" not in html
    assert 'aria-current="page">Comments' in html
    posts = client.get(reverse("moderation:queue") + "?subject=artwork").content.decode()
    assert "No open cases" in posts


def test_the_audit_log_reads_comment_decisions(client, moderator, world):
    client.force_login(moderator)
    html = client.get(reverse("moderation:audit")).content.decode()
    assert "Hide the comment" in html
    assert f"Comment {world['decision'].case.comment_id}: “Visit spam.example now”" in html
