"""Comments flagged into the moderation queue: cases of their own kind, the same claims,
decisions, audit log, strikes and appeals as posts, with the post's comment count exact."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Notification
from community.models import Comment
from gallery.models import Artwork
from moderation import selectors
from moderation.models import AuditEntry, Case, Flag, Strike
from moderation.services import (
    ModerationConflict,
    ModerationForbidden,
    ModerationInvalid,
    ModerationRateLimited,
)
from moderation.services.appeals import appeal_create, appeal_decide
from moderation.services.decisions import case_claim, case_decide, case_request_evidence
from moderation.services.flags import comment_flag_create, flag_create
from tests.factories import ArtworkFactory, CommentFactory, ModeratorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def post(artist):
    return ArtworkFactory(artist=artist, title="Harbour")


@pytest.fixture
def commenter(db):
    return UserFactory(handle="carl", display_name="Carl Commenter")


@pytest.fixture
def comment(post, commenter):
    return CommentFactory(
        artwork=post, author=commenter, body="Buy cheap followers at spam.example"
    )


@pytest.fixture
def case(comment, viewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        flag = comment_flag_create(reporter=viewer, comment=comment, reason="spam", note="Ad.")
    return Case.objects.get(pk=flag.case_id)


def _count(post) -> int:
    return Artwork.objects.values_list("comment_count", flat=True).get(pk=post.pk)


def _status(comment) -> str:
    return Comment.objects.values_list("status", flat=True).get(pk=comment.pk)


# --- Flags ---------------------------------------------------------------------------------------


def test_a_flag_opens_a_comment_case_of_its_own_kind(case, comment, post, viewer):
    assert (case.subject, case.comment_id, case.artwork_id) == ("comment", comment.pk, None)
    assert case.reason == "spam" and not case.ai_question
    flag = Flag.objects.get()
    assert (flag.comment_id, flag.artwork_id, flag.reporter, flag.note) == (
        comment.pk, None, viewer, "Ad."
    )  # fmt: skip
    entry = AuditEntry.objects.get(action="flag")
    assert (entry.comment_id, entry.case_id, entry.actor) == (comment.pk, case.pk, viewer)
    assert entry.excerpt == "Buy cheap followers at spam.example"
    # A flag on the comment is not a flag on the post: the post has no case.
    assert not Case.objects.filter(artwork=post).exists()
    # Scored like any case (the task ran on commit): one newcomer reporter.
    assert case.risk_score > 0


def test_flags_from_several_members_gather_in_one_open_case(comment, case, other_artist):
    second = comment_flag_create(reporter=other_artist, comment=comment, reason="harassment")
    assert second.case_id == case.pk
    assert Case.objects.count() == 1


def test_post_and_comment_cases_stay_apart(post, comment, case, other_artist):
    post_case = flag_create(reporter=other_artist, artwork=post, reason="spam").case
    assert post_case.pk != case.pk and post_case.subject == "artwork"
    assert Case.objects.open().count() == 2


def test_comment_reasons_only(comment, viewer, post, other_artist):
    for reason in ("stolen", "undisclosed-ai", "sensitive", "nonsense"):
        with pytest.raises(ModerationInvalid, match="Choose a reason"):
            comment_flag_create(reporter=viewer, comment=comment, reason=reason)
    # ...and "off-topic" is a comment's reason only.
    with pytest.raises(ModerationInvalid, match="Choose a reason"):
        flag_create(reporter=other_artist, artwork=post, reason="off-topic")
    assert comment_flag_create(reporter=viewer, comment=comment, reason="off-topic")


def test_cannot_flag_own_comment(comment, commenter):
    with pytest.raises(ModerationInvalid, match="your own comment"):
        comment_flag_create(reporter=commenter, comment=comment, reason="spam")
    assert not Flag.objects.exists()


def test_a_deleted_comment_is_refused_with_a_clear_message(comment, viewer):
    Comment.objects.filter(pk=comment.pk).update(status="deleted")
    comment.refresh_from_db()
    with pytest.raises(ModerationInvalid, match="deleted by its author") as exc:
        comment_flag_create(reporter=viewer, comment=comment, reason="spam")
    assert exc.value.code == "deleted"
    assert not Flag.objects.exists() and not Case.objects.exists()


@pytest.mark.parametrize(
    ("status", "words"), [("removed", "already removed"), ("mod-hidden", "already hidden")]
)
def test_an_already_moderated_comment_is_refused(comment, viewer, status, words):
    Comment.objects.filter(pk=comment.pk).update(status=status)
    comment.refresh_from_db()
    with pytest.raises(ModerationInvalid, match=words):
        comment_flag_create(reporter=viewer, comment=comment, reason="spam")


def test_a_comment_the_artist_hid_can_be_reported_by_the_artist_only(comment, viewer, artist):
    Comment.objects.filter(pk=comment.pk).update(status="hidden")
    comment.refresh_from_db()
    with pytest.raises(ModerationInvalid, match="cannot be reported"):
        comment_flag_create(reporter=viewer, comment=comment, reason="harassment")
    assert comment_flag_create(reporter=artist, comment=comment, reason="harassment")


def test_a_comment_under_a_post_the_reporter_cannot_see_is_refused(comment, post, viewer):
    Artwork.objects.filter(pk=post.pk).update(status=Artwork.Status.REMOVED)
    comment.artwork.refresh_from_db()
    with pytest.raises(ModerationInvalid, match="cannot be reported"):
        comment_flag_create(reporter=viewer, comment=comment, reason="spam")


def test_suspended_members_cannot_flag(comment, suspended_user):
    with pytest.raises(ModerationForbidden, match="Suspended"):
        comment_flag_create(reporter=suspended_user, comment=comment, reason="spam")


def test_one_open_flag_per_reporter_and_comment(comment, viewer):
    comment_flag_create(reporter=viewer, comment=comment, reason="spam")
    with pytest.raises(ModerationInvalid, match="already reported this comment") as exc:
        comment_flag_create(reporter=viewer, comment=comment, reason="harassment")
    assert exc.value.code == "duplicate"
    assert Flag.objects.count() == 1


def test_the_database_refuses_a_second_open_flag_and_a_two_subject_flag(comment, case, viewer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(case=case, comment=comment, reporter=viewer, reason="spam")
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(case=case, comment=comment, artwork=comment.artwork, reason="spam")
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(subject="comment", comment=comment, reason="spam")  # one open
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(subject="comment", artwork=comment.artwork, reason="spam")
    with pytest.raises(IntegrityError), transaction.atomic():
        Flag.objects.create(case=case, comment=comment, reason="stolen")


def test_posts_and_comments_share_the_hourly_budget(viewer, settings):
    settings.MODERATION_FLAGS_PER_HOUR = 2
    flag_create(reporter=viewer, artwork=ArtworkFactory(), reason="spam")
    comment_flag_create(reporter=viewer, comment=CommentFactory(), reason="spam")
    with pytest.raises(ModerationRateLimited, match="many reports") as exc:
        comment_flag_create(reporter=viewer, comment=CommentFactory(), reason="spam")
    assert exc.value.retry_after > 0


# --- Claims and the own-comment rule -------------------------------------------------------------


def test_claims_work_as_for_posts(case, moderator):
    claimed = case_claim(moderator=moderator, case_id=case.pk)
    assert claimed.claimed_by == moderator
    other = ModeratorFactory(handle="otto")
    with pytest.raises(ModerationConflict):
        case_claim(moderator=other, case_id=case.pk)
    with pytest.raises(ModerationConflict, match="claimed"):
        case_decide(moderator=other, case_id=case.pk, action="hide", reason="Spam.")


@pytest.mark.parametrize(
    ("party", "words"),
    [("author", "your own comment"), ("artist", "your own post"), ("reporter", "You reported")],
)
def test_a_moderator_who_is_a_party_cannot_act(post, party, words, viewer):
    moderator = ModeratorFactory(handle="pat")
    if party == "author":
        comment = CommentFactory(artwork=post, author=moderator)
        case = comment_flag_create(reporter=viewer, comment=comment, reason="spam").case
    elif party == "artist":
        comment = CommentFactory(artwork=ArtworkFactory(artist=moderator))
        case = comment_flag_create(reporter=viewer, comment=comment, reason="spam").case
    else:
        comment = CommentFactory(artwork=post)
        case = comment_flag_create(reporter=moderator, comment=comment, reason="spam").case
    for act in (
        lambda: case_claim(moderator=moderator, case_id=case.pk),
        lambda: case_decide(moderator=moderator, case_id=case.pk, action="dismiss", reason="x"),
    ):
        with pytest.raises(ModerationForbidden, match=words):
            act()
    assert Case.objects.get(pk=case.pk).is_open


# --- Decisions -----------------------------------------------------------------------------------


def test_dismiss_leaves_the_comment_and_tells_the_reporter_only(case, comment, post, moderator):
    case_decide(moderator=moderator, case_id=case.pk, action="dismiss", reason="Fine.")
    assert (_status(comment), _count(post)) == ("visible", 1)
    assert Flag.objects.get().status == "dismissed"
    note = Notification.objects.get(kind="report-outcome")
    assert note.title == "Your report about a comment on “Harbour” was reviewed"
    assert "no action" in note.body and moderator.handle not in note.body
    assert not Notification.objects.filter(user=comment.author).exists()


@pytest.mark.parametrize(("action", "status"), [("hide", "mod-hidden"), ("remove", "removed")])
def test_hide_and_remove_take_the_comment_out_of_the_count(
    case, comment, post, moderator, viewer, action, status, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decision = case_decide(moderator=moderator, case_id=case.pk, action=action, reason="Spam.")
    comment.refresh_from_db()
    assert comment.status == status and comment.status_changed_at is not None
    assert _count(post) == 0
    case.refresh_from_db()
    assert not case.is_open and Flag.objects.get().status == "upheld"
    entry = AuditEntry.objects.get(action=action)
    assert (entry.comment_id, entry.subject_user_id, entry.actor) == (
        comment.pk, comment.author_id, moderator
    )  # fmt: skip
    assert entry.excerpt.startswith("Buy cheap followers")
    assert entry.before == {"status": "visible"} and entry.after == {"status": status}
    # The author is told, in the site and by email with the comment's own template.
    note = Notification.objects.get(user=comment.author, kind="decision")
    assert "your comment on “Harbour”" in note.title and note.url.endswith(f"/{decision.pk}/")
    (email,) = [m for m in mail.outbox if m.to == [comment.author.email]]
    assert "Buy cheap followers at spam.example" in email.body and "appeal" in email.body
    outcome = Notification.objects.get(user=viewer, kind="report-outcome")
    assert "comment was" in outcome.body


def test_hiding_a_comment_that_is_not_counted_keeps_the_count(case, comment, post, moderator):
    # The author deleted it after the report: nothing to take out of the count.
    Comment.objects.filter(pk=comment.pk).update(status="deleted")
    Artwork.objects.filter(pk=post.pk).update(comment_count=0)
    case_decide(moderator=moderator, case_id=case.pk, action="remove", reason="Spam.")
    assert (_status(comment), _count(post)) == ("removed", 0)


def test_warn_tells_the_author_and_changes_nothing_else(case, comment, post, moderator):
    case_decide(moderator=moderator, case_id=case.pk, action="warn", reason="Please stop.")
    assert (_status(comment), _count(post)) == ("visible", 1)
    note = Notification.objects.get(user=comment.author, kind="decision")
    assert "Warn the author" in note.title and note.body == "Please stop."


def test_strikes_count_toward_the_ladder(post, commenter, viewer, moderator, settings):
    settings.MODERATION_STRIKE_LADDER = ["warn", "suspend"]
    for n in range(2):
        comment = CommentFactory(artwork=post, author=commenter)
        case = comment_flag_create(reporter=viewer, comment=comment, reason="spam").case
        case_decide(
            moderator=moderator, case_id=case.pk, action="hide", reason="Spam.", strike=True
        )
        commenter.refresh_from_db()
        assert Strike.objects.filter(user=commenter).count() == n + 1
        assert commenter.is_suspended == (n == 1)
    entry = AuditEntry.objects.filter(action="hide").first()
    assert entry.after["strike"] == {"active_strikes": 2, "rung": "suspend"}


def test_suspend_suspends_the_author(case, comment, moderator):
    case_decide(moderator=moderator, case_id=case.pk, action="suspend", reason="Abuse.")
    comment.author.refresh_from_db()
    assert comment.author.is_suspended
    assert _status(comment) == "visible"


@pytest.mark.parametrize("action", ["relabel", "mark-mature", "request-evidence", "unsuspend"])
def test_post_only_actions_are_refused(case, moderator, action):
    with pytest.raises(ModerationInvalid):
        case_decide(
            moderator=moderator,
            case_id=case.pk,
            action=action,
            reason="x",
            new_label="ai-generated",
        )
    with pytest.raises(ModerationInvalid, match="not comments"):
        case_request_evidence(moderator=moderator, case_id=case.pk, reason="Show me.")
    assert Case.objects.get(pk=case.pk).is_open


def test_a_case_is_decided_once(case, moderator):
    case_decide(moderator=moderator, case_id=case.pk, action="hide", reason="Spam.")
    with pytest.raises(ModerationConflict):
        case_decide(moderator=moderator, case_id=case.pk, action="remove", reason="Spam.")
    assert _count(case.comment.artwork) == 0  # counted out once, not twice


# --- Appeals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["hide", "remove"])
def test_an_upheld_appeal_restores_the_comment_and_reverses_the_strike(
    case, comment, post, moderator, action
):
    decision = case_decide(
        moderator=moderator, case_id=case.pk, action=action, reason="Spam.", strike=True
    )
    appeal = appeal_create(appellant=comment.author, decision=decision, statement="Not spam.")
    assert AuditEntry.objects.filter(action="appeal", comment_id=comment.pk).exists()
    other = ModeratorFactory(handle="otto")
    appeal_decide(moderator=other, appeal_id=appeal.pk, uphold=True, response="You are right.")
    assert (_status(comment), _count(post)) == ("visible", 1)
    assert Strike.objects.get().reversed_at is not None
    entry = AuditEntry.objects.get(action="appeal-upheld")
    assert entry.comment_id == comment.pk and entry.after["status"] == "visible"
    note = Notification.objects.get(user=comment.author, kind="appeal")
    assert note.url.endswith(f"#comment-{comment.pk}")


def test_an_appeal_restores_a_comment_the_artist_had_hidden_as_hidden(
    comment, post, artist, moderator
):
    # The artist hid it on their post (out of the count), then reported it.
    Comment.objects.filter(pk=comment.pk).update(status="hidden")
    Artwork.objects.filter(pk=post.pk).update(comment_count=0)
    comment.refresh_from_db()
    case = comment_flag_create(reporter=artist, comment=comment, reason="harassment").case
    decision = case_decide(moderator=moderator, case_id=case.pk, action="remove", reason="x")
    appeal = appeal_create(appellant=comment.author, decision=decision, statement="No.")
    appeal_decide(
        moderator=ModeratorFactory(handle="otto"), appeal_id=appeal.pk, uphold=True, response="ok"
    )
    assert (_status(comment), _count(post)) == ("hidden", 0)


def test_a_denied_appeal_keeps_the_comment_hidden(case, comment, post, moderator):
    decision = case_decide(moderator=moderator, case_id=case.pk, action="hide", reason="Spam.")
    appeal = appeal_create(appellant=comment.author, decision=decision, statement="Not spam.")
    appeal_decide(
        moderator=ModeratorFactory(handle="otto"), appeal_id=appeal.pk, uphold=False, response="No"
    )
    assert (_status(comment), _count(post)) == ("mod-hidden", 0)


def test_only_the_author_may_appeal(case, comment, moderator, artist, viewer):
    decision = case_decide(moderator=moderator, case_id=case.pk, action="hide", reason="Spam.")
    for person in (artist, viewer):
        with pytest.raises(ModerationForbidden, match="comment's author"):
            appeal_create(appellant=person, decision=decision, statement="Please.")


def test_an_appeal_leaves_a_comment_its_author_deleted_since_alone(case, comment, post, moderator):
    decision = case_decide(moderator=moderator, case_id=case.pk, action="hide", reason="Spam.")
    appeal = appeal_create(appellant=comment.author, decision=decision, statement="Not spam.")
    Comment.objects.filter(pk=comment.pk).update(status="deleted")
    appeal_decide(
        moderator=ModeratorFactory(handle="otto"), appeal_id=appeal.pk, uphold=True, response="ok"
    )
    assert (_status(comment), _count(post)) == ("deleted", 0)


# --- Queues --------------------------------------------------------------------------------------


def test_comment_cases_never_reach_community_review(case, trusted_reviewer):
    assert list(selectors.review_queue(reviewer=trusted_reviewer)) == []


def test_the_queue_filters_by_kind(case, post, other_artist):
    post_case = flag_create(reporter=other_artist, artwork=post, reason="spam").case
    assert list(selectors.queue_cases(subject="comment")) == [case]
    assert list(selectors.queue_cases(subject="artwork")) == [post_case]
    assert set(selectors.queue_cases()) == {case, post_case}


def _fill(n: int) -> None:
    for _ in range(n):
        comment_flag_create(reporter=UserFactory(), comment=CommentFactory(), reason="spam")
        flag_create(reporter=UserFactory(), artwork=ArtworkFactory(), reason="spam")


@pytest.mark.parametrize("subject", ["", "comment"])
def test_the_queue_page_costs_the_same_whatever_its_length(
    client, moderator, django_assert_num_queries, subject
):
    client.force_login(moderator)
    url = reverse("moderation:queue") + (f"?subject={subject}" if subject else "")
    _fill(1)
    # The moderator with their checks (one query), the page of cases (the session comes from
    # the cache): no query per row.
    with django_assert_num_queries(2) as few:
        assert client.get(url).status_code == 200
    _fill(6)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count(">Comment</span>") == 7


# --- The comment's status and its post's count ---------------------------------------------------


def test_the_count_moves_only_when_a_comment_leaves_or_returns_to_visible(comment, post):
    from community.services_moderation import comment_set_status

    steps = [
        ("mod-hidden", 0, {"status": "visible"}),
        ("removed", 0, {"status": "mod-hidden"}),  # hidden to removed: not counted either way
        ("visible", 1, {"status": "removed"}),
        ("visible", 1, {"status": "visible"}),  # no change, no count move
        ("hidden", 0, {"status": "visible"}),
    ]
    for status, count, before in steps:
        assert comment_set_status(comment_id=comment.pk, status=status)[0] == before
        assert (_status(comment), _count(post)) == (status, count)
    with pytest.raises(ValueError):
        comment_set_status(comment_id=comment.pk, status="gone")
