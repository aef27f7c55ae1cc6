"""The comment services: threads one level deep, the edit window, soft deletes, hiding,
comments off, blocks, suspension, exact counts under double submits, and notifications."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.models import Block, Notification, NotificationKind, TrustLevel
from community.models import Comment
from community.services import (
    comment_create,
    comment_delete,
    comment_edit,
    comment_hide,
    comment_unhide,
    comments_enabled_set,
)
from config.errors import Conflict, Invalid, NotAllowed, NotFound, RateLimited
from gallery.models import Artwork
from tests.factories import ArtworkFactory, UserFactory

Status = Comment.Status


def count(artwork) -> int:
    return Artwork.objects.values_list("comment_count", flat=True).get(pk=artwork.pk)


def post(author, artwork, body="Lovely light.", parent=None):
    return comment_create(author=author, artwork=artwork, body=body, parent=parent).comment


def test_a_comment_is_stored_as_typed_and_counted(viewer, artwork):
    comment = post(viewer, artwork, body="  Lovely <b>light</b>\r\nand water.  ")
    comment.refresh_from_db()
    assert comment.body == "  Lovely <b>light</b>\nand water.  "
    assert comment.status == Status.VISIBLE and comment.parent is None
    assert count(artwork) == 1


def test_a_reply_to_a_reply_attaches_to_the_top_level_comment(
    viewer, other_artist, artwork, artist
):
    top = post(viewer, artwork)
    reply = post(other_artist, artwork, body="Agreed.", parent=top)
    again = post(artist, artwork, body="Thank you both!", parent=reply)
    assert reply.parent_id == top.pk and again.parent_id == top.pk
    assert count(artwork) == 3
    # Both the top-level author and the author replied to are told, once each.
    replies = Notification.objects.filter(kind=NotificationKind.REPLY)
    assert sorted(replies.values_list("user__handle", flat=True)) == ["bruno", "vic", "vic"]


def test_a_parent_on_another_post_is_refused(viewer, artwork, artist):
    elsewhere = post(viewer, ArtworkFactory(artist=artist))
    with pytest.raises(Invalid) as refused:
        post(viewer, artwork, parent=elsewhere)
    assert "another post" in refused.value.messages[0]


def test_replies_to_a_hidden_comment_are_refused(viewer, other_artist, artwork, artist):
    top = post(viewer, artwork)
    comment_hide(artist=artist, comment=top)
    with pytest.raises(Conflict):
        post(other_artist, artwork, parent=top)


def test_replies_under_a_deleted_comment_go_on(viewer, other_artist, artwork):
    top = post(viewer, artwork)
    comment_delete(member=viewer, comment=top)
    assert post(other_artist, artwork, parent=top).parent_id == top.pk


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ("", "cannot be empty"),
        ("   \n\t ", "cannot be empty"),
        ("x" * 2001, "at most 2,000"),
        ("hello\x00world", "NUL"),
        ("bell\x07", "control characters"),
        (None, "Expected text"),
    ],
)
def test_bad_text_is_refused_with_a_clear_message_and_nothing_stored(viewer, artwork, body, words):
    with pytest.raises(Invalid) as refused:
        post(viewer, artwork, body=body)
    assert words in " ".join(refused.value.messages)
    assert not Comment.objects.exists() and count(artwork) == 0


def test_exactly_2000_characters_are_accepted(viewer, artwork):
    assert len(post(viewer, artwork, body="é" * 2000).body) == 2000


def test_a_double_submit_makes_one_comment(viewer, artwork):
    first = comment_create(author=viewer, artwork=artwork, body="Wow")
    second = comment_create(author=viewer, artwork=artwork, body="Wow")
    assert first.created and not second.created
    assert second.comment.pk == first.comment.pk
    assert Comment.objects.count() == 1 and count(artwork) == 1


def test_the_same_text_later_is_a_new_comment(viewer, artwork):
    first = post(viewer, artwork, body="Wow")
    Comment.objects.filter(pk=first.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    post(viewer, artwork, body="Wow")
    assert count(artwork) == 2


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_identical_submits_make_one_comment_and_count_one(viewer, artist):
    artwork = ArtworkFactory(artist=artist)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def submit():
        try:
            barrier.wait()
            results.append(comment_create(author=viewer, artwork=artwork, body="Same").created)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(results) == [False, True]
    assert Comment.objects.count() == 1 and count(artwork) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_hides_move_the_count_once(viewer, artist):
    artwork = ArtworkFactory(artist=artist)
    comment = post(viewer, artwork)
    barrier = threading.Barrier(3)

    def hide():
        try:
            barrier.wait()
            comment_hide(
                artist=artist, comment=Comment.objects.select_related("artwork").get(pk=comment.pk)
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=hide) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert count(artwork) == 0


def test_edit_within_the_window_sets_edited_at(viewer, artwork):
    comment = post(viewer, artwork)
    comment_edit(editor=viewer, comment=comment, body="Lovely light, and the water!")
    comment.refresh_from_db()
    assert comment.body == "Lovely light, and the water!" and comment.edited_at is not None


def test_edit_after_the_window_is_refused(viewer, artwork):
    comment = post(viewer, artwork)
    Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=16))
    comment.refresh_from_db()
    with pytest.raises(Conflict) as refused:
        comment_edit(editor=viewer, comment=comment, body="Changed")
    assert "15 minutes" in refused.value.message
    comment.refresh_from_db()
    assert comment.body == "Lovely light." and comment.edited_at is None


def test_only_the_author_edits_or_deletes(viewer, other_artist, artist, artwork):
    comment = post(viewer, artwork)
    for someone in (other_artist, artist):
        with pytest.raises(NotAllowed):
            comment_edit(editor=someone, comment=comment, body="Mine now")
        with pytest.raises(NotAllowed):
            comment_delete(member=someone, comment=comment)
    comment.refresh_from_db()
    assert comment.body == "Lovely light." and comment.status == Status.VISIBLE


def test_delete_is_soft_counts_down_once_and_is_idempotent(viewer, artwork):
    comment = post(viewer, artwork)
    comment_delete(member=viewer, comment=comment)
    comment_delete(member=viewer, comment=comment)
    comment.refresh_from_db()
    assert comment.status == Status.DELETED and comment.status_changed_at is not None
    assert count(artwork) == 0


def test_deleting_a_hidden_comment_leaves_the_count(viewer, artist, artwork):
    comment = post(viewer, artwork)
    post(artist, artwork, body="Thanks")
    comment_hide(artist=artist, comment=comment)
    assert count(artwork) == 1
    comment_delete(member=viewer, comment=comment)
    assert count(artwork) == 1


def test_a_comment_moderators_took_down_cannot_be_deleted_or_unhidden(viewer, artist, artwork):
    comment = post(viewer, artwork)
    Comment.objects.filter(pk=comment.pk).update(status=Status.MOD_HIDDEN)
    comment.refresh_from_db()
    with pytest.raises(Conflict):
        comment_delete(member=viewer, comment=comment)
    with pytest.raises(Conflict):
        comment_unhide(artist=artist, comment=comment)


def test_the_artist_hides_and_unhides_on_their_own_post_only(viewer, artist, other_artist, artwork):
    comment = post(viewer, artwork)
    with pytest.raises(NotAllowed):
        comment_hide(artist=other_artist, comment=comment)
    comment_hide(artist=artist, comment=comment)
    comment_hide(artist=artist, comment=comment)
    comment.refresh_from_db()
    assert comment.status == Status.HIDDEN and count(artwork) == 0
    comment_unhide(artist=artist, comment=comment)
    comment_unhide(artist=artist, comment=comment)
    comment.refresh_from_db()
    assert comment.status == Status.VISIBLE and count(artwork) == 1


def test_comments_off_refuses_new_comments_and_replies_and_keeps_the_old(viewer, artist, artwork):
    top = post(viewer, artwork)
    comments_enabled_set(artist=artist, artwork=artwork, enabled=False)
    artwork.refresh_from_db()
    for parent in (None, top):
        with pytest.raises(NotAllowed) as refused:
            post(viewer, artwork, body="More", parent=parent)
        assert refused.value.code == "comments_off"
    top.refresh_from_db()
    assert top.status == Status.VISIBLE and count(artwork) == 1
    comments_enabled_set(artist=artist, artwork=artwork, enabled=True)
    artwork.refresh_from_db()
    post(viewer, artwork, body="More")


def test_only_the_artist_turns_comments_off(viewer, artwork):
    with pytest.raises(NotAllowed):
        comments_enabled_set(artist=viewer, artwork=artwork, enabled=False)
    assert Artwork.objects.get(pk=artwork.pk).comments_enabled


def test_blocked_either_way_cannot_comment(blocked_member, artist, viewer):
    artwork = ArtworkFactory(artist=artist)
    with pytest.raises(NotAllowed):
        post(blocked_member, artwork)
    Block.objects.create(blocker=viewer, blocked=artist)
    with pytest.raises(NotAllowed):
        post(viewer, artwork)
    assert not Comment.objects.exists()


def test_a_member_blocked_by_the_parents_author_cannot_reply(viewer, other_artist, artwork):
    top = post(viewer, artwork)
    Block.objects.create(blocker=viewer, blocked=other_artist)
    with pytest.raises(NotAllowed):
        post(other_artist, artwork, body="Reply", parent=top)


def test_suspended_members_cannot_comment_edit_or_hide_but_can_delete(
    suspended_user, artist, artwork
):
    with pytest.raises(NotAllowed):
        post(suspended_user, artwork)
    type(suspended_user).objects.filter(pk=suspended_user.pk).update(suspended_until=None)
    suspended_user.refresh_from_db()
    comment = post(suspended_user, artwork)
    own = ArtworkFactory(artist=suspended_user)
    on_own = post(artist, own)
    type(suspended_user).objects.filter(pk=suspended_user.pk).update(
        suspended_until=timezone.now() + timedelta(days=1)
    )
    suspended_user.refresh_from_db()
    with pytest.raises(NotAllowed):
        comment_edit(editor=suspended_user, comment=comment, body="x")
    with pytest.raises(NotAllowed):
        comment_hide(artist=suspended_user, comment=on_own)
    comment_delete(member=suspended_user, comment=comment)
    assert Comment.objects.get(pk=comment.pk).status == Status.DELETED


@pytest.mark.parametrize("status", [Artwork.Status.PROCESSING, Artwork.Status.REMOVED])
def test_posts_that_are_not_public_take_no_comments(viewer, artist, status):
    artwork = ArtworkFactory(artist=artist, status=status)
    with pytest.raises(NotFound):
        post(viewer, artwork)
    with pytest.raises(Conflict):  # its artist sees it, but nobody could read the thread
        post(artist, artwork)


def test_a_hidden_post_keeps_its_comments_open(viewer, artist):
    artwork = ArtworkFactory(artist=artist, status=Artwork.Status.HIDDEN)
    post(viewer, artwork)
    assert count(artwork) == 1


def test_a_top_level_comment_notifies_the_artist_but_not_their_own(viewer, artist, artwork):
    post(viewer, artwork)
    post(artist, artwork, body="Thanks!")
    told = Notification.objects.filter(kind=NotificationKind.COMMENT)
    assert list(told.values_list("user__handle", flat=True)) == ["ana"]
    note = told.get()
    assert "Harbour at dusk" in note.title and note.url.endswith(
        f"#comment-{Comment.objects.first().pk}"
    )


def test_mentions_notify_each_existing_member_once(viewer, artist, other_artist, artwork):
    UserFactory(handle="cleo")
    post(viewer, artwork, body="@cleo @CLEO look, and @bruno too; @nobody @vic ana@example.com")
    mentions = Notification.objects.filter(kind=NotificationKind.MENTION)
    assert sorted(mentions.values_list("user__handle", flat=True)) == ["bruno", "cleo"]
    # The artist got COMMENT for it, and no MENTION on top even when named.
    post(viewer, artwork, body="@ana what brush?")
    assert not mentions.filter(user=artist).exists()


def test_mentions_skip_members_blocked_either_way(viewer, artwork):
    cleo, dan = UserFactory(handle="cleo"), UserFactory(handle="dan")
    Block.objects.create(blocker=cleo, blocked=viewer)
    Block.objects.create(blocker=viewer, blocked=dan)
    post(viewer, artwork, body="@cleo @dan")
    assert not Notification.objects.filter(kind=NotificationKind.MENTION).exists()


def test_at_most_ten_mentions_are_notified(viewer, artwork):
    handles = [f"m{i:02d}" for i in range(15)]
    for handle in handles:
        UserFactory(handle=handle)
    post(viewer, artwork, body=" ".join(f"@{h}" for h in handles))
    told = Notification.objects.filter(kind=NotificationKind.MENTION)
    assert sorted(told.values_list("user__handle", flat=True)) == handles[:10]


def test_an_edit_notifies_only_newly_added_mentions(viewer, artwork):
    UserFactory(handle="cleo"), UserFactory(handle="dan")
    comment = post(viewer, artwork, body="@cleo hi")
    comment_edit(editor=viewer, comment=comment, body="@cleo hi, and @dan")
    comment_edit(editor=viewer, comment=comment, body="@cleo hi, and @dan!")
    told = Notification.objects.filter(kind=NotificationKind.MENTION)
    assert sorted(told.values_list("user__handle", flat=True)) == ["cleo", "dan"]


def test_the_comment_rate_limit_answers_with_the_wait(viewer, artwork, settings):
    settings.COMMENT_RATE = "2/h"
    post(viewer, artwork, body="one")
    post(viewer, artwork, body="two")
    with pytest.raises(RateLimited) as refused:
        post(viewer, artwork, body="three")
    assert refused.value.code == "comment_rate"
    assert 1700 <= refused.value.retry_after <= 1800
    assert "wait 30 minutes" in refused.value.message
    assert count(artwork) == 2


def test_a_double_submit_spends_no_token(viewer, artwork, settings):
    settings.COMMENT_RATE = "1/h"
    post(viewer, artwork, body="one")
    assert not comment_create(author=viewer, artwork=artwork, body="one").created


def test_new_accounts_wait_between_comments_on_one_post(artist, artwork, settings):
    settings.COMMENT_NEW_MEMBER_COOLDOWN = 60
    newcomer = UserFactory(handle="nia", trust_level=TrustLevel.NEW)
    post(newcomer, artwork, body="first")
    with pytest.raises(RateLimited) as refused:
        post(newcomer, artwork, body="second")
    assert refused.value.code == "comment_cooldown" and 55 <= refused.value.retry_after <= 60
    # Another post is fine, and so is this one once the cooldown is over.
    post(newcomer, ArtworkFactory(artist=artist), body="elsewhere")
    Comment.objects.filter(author=newcomer).update(
        created_at=timezone.now() - timedelta(seconds=61)
    )
    post(newcomer, artwork, body="second")


def test_members_past_new_have_no_cooldown(viewer, artwork, settings):
    settings.COMMENT_NEW_MEMBER_COOLDOWN = 60
    post(viewer, artwork, body="first")
    post(viewer, artwork, body="second")
