"""notify(): each member's settings per kind decide in-site and email; blocks and oneself drop
it; likes and follows batch; immediate emails carry one-click unsubscribe headers."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import (
    Block,
    EmailChoice,
    Notification,
    NotificationKind,
    NotificationSetting,
)
from accounts.services import follow_set, notifications_mark_read, notify
from accounts.services_notifications import notification_settings_set
from gallery.services.artworks import like_set
from moderation.services.notify import tell_artist
from tests.factories import ArtworkFactory, UserFactory

pytestmark = pytest.mark.django_db

DECISION, LIKE = NotificationKind.DECISION, NotificationKind.LIKE


def _set(user, kind, *, in_site=None, email=None):
    change = {}
    if in_site is not None:
        change["in_site"] = in_site
    if email is not None:
        change["email"] = email
    notification_settings_set(user=user, changes={kind: change})


def _unread_badge(client) -> int:
    return client.get(reverse("notifications")).context["unread_notifications"]


def test_moderation_kind_by_default_is_in_site_and_emailed_with_unsubscribe_headers(
    artist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=artist, kind=DECISION, title="Your post was hidden", body="Spam", url="/x/")
    assert Notification.objects.get(user=artist).in_site
    [email] = mail.outbox
    assert email.to == [artist.email] and email.subject == "[Atelier] Your post was hidden"
    unsubscribe = email.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http") and "/unsubscribe/" in unsubscribe
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in email.body
    html = email.alternatives[0][0]
    assert "Stop these emails" in html and "Spam" in html


def test_email_goes_only_after_the_commit(artist, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(user=artist, kind=DECISION, title="t")
    assert mail.outbox == [] and len(callbacks) == 1


def test_social_kind_by_default_is_in_site_without_immediate_email(
    artist, viewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=artist, kind=NotificationKind.FOLLOW, title="Vic followed you", actor=viewer)
    assert Notification.objects.filter(user=artist, in_site=True).count() == 1
    assert mail.outbox == []


def test_in_site_off_with_a_digest_keeps_a_hidden_row_out_of_list_and_badge(client, artist, viewer):
    _set(artist, LIKE, in_site=False, email=EmailChoice.WEEKLY)
    notify(user=artist, kind=LIKE, title="Vic liked it", actor=viewer)
    note = Notification.objects.get(user=artist)
    assert note.in_site is False
    client.force_login(artist)
    response = client.get(reverse("notifications"))
    assert response.context["items"] == [] and response.context["unread_notifications"] == 0


def test_in_site_off_and_email_off_writes_nothing(artist, viewer):
    _set(artist, LIKE, in_site=False, email=EmailChoice.OFF)
    assert notify(user=artist, kind=LIKE, title="t", actor=viewer) is None
    assert not Notification.objects.exists()


def test_in_site_off_and_immediate_email_sends_without_a_row(
    artist, viewer, django_capture_on_commit_callbacks
):
    _set(artist, NotificationKind.COMMENT, in_site=False, email=EmailChoice.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=artist, kind=NotificationKind.COMMENT, title="Vic commented", actor=viewer)
    assert not Notification.objects.exists()
    assert len(mail.outbox) == 1


def test_a_locked_kind_reaches_the_list_even_with_a_hand_made_row(artist):
    NotificationSetting.objects.create(user=artist, kind=DECISION, in_site=False, email="off")
    note = notify(user=artist, kind=DECISION, title="Decided")
    assert note is not None and note.in_site


def test_the_actor_never_notifies_themselves(artist):
    assert notify(user=artist, kind=LIKE, title="t", actor=artist) is None
    assert not Notification.objects.exists()


@pytest.mark.parametrize("direction", ["recipient_blocked_actor", "actor_blocked_recipient"])
def test_a_block_either_way_drops_the_notification_and_its_email(
    artist, viewer, direction, django_capture_on_commit_callbacks
):
    if direction == "recipient_blocked_actor":
        Block.objects.create(blocker=artist, blocked=viewer)
    else:
        Block.objects.create(blocker=viewer, blocked=artist)
    _set(artist, NotificationKind.FOLLOW, email=EmailChoice.IMMEDIATE)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify(user=artist, kind=NotificationKind.FOLLOW, title="t", actor=viewer) is None
    assert not Notification.objects.exists() and mail.outbox == []
    # A third member is not affected by the block.
    notify(user=artist, kind=NotificationKind.FOLLOW, title="t", actor=UserFactory())
    assert Notification.objects.count() == 1


def test_notify_costs_two_queries(artist, viewer, django_assert_num_queries):
    # One for the recipient's choice and the blocks, one insert: it runs inside other
    # services' transactions.
    with django_assert_num_queries(2):
        notify(user=artist, kind=NotificationKind.COMMENT, title="t", actor=viewer)


def test_unknown_kind_raises_before_writing(artist):
    with pytest.raises(ValueError):
        notify(user=artist, kind="nonsense", title="t")
    assert not Notification.objects.exists()


# --- Batching -----------------------------------------------------------------------------------


def test_likes_on_one_post_collapse_into_one_unread_row(artist):
    art = ArtworkFactory(artist=artist, title="Dusk")
    likers = UserFactory.create_batch(12)
    for liker in likers:
        like_set(user=liker, artwork=art, liked=True)
    note = Notification.objects.get(user=artist)
    assert note.kind == LIKE and note.count == 12
    assert note.title == "12 people liked “Dusk”"
    assert note.actor == likers[-1] and note.actor_ids == [u.pk for u in likers]
    assert note.url == art.get_absolute_url()


def test_unlike_and_like_again_does_not_spam(artist, viewer, django_capture_on_commit_callbacks):
    _set(artist, LIKE, email=EmailChoice.IMMEDIATE)
    art = ArtworkFactory(artist=artist, title="Dusk")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            like_set(user=viewer, artwork=art, liked=True)
            like_set(user=viewer, artwork=art, liked=False)
        like_set(user=viewer, artwork=art, liked=True)
    note = Notification.objects.get(user=artist)
    assert note.count == 1 and note.title == f"{viewer.name} liked “Dusk”"
    assert len(mail.outbox) == 1  # the batch's first like emails; nothing after


def test_a_read_batch_closes_and_the_next_like_opens_a_new_one(artist, viewer, other_artist):
    art = ArtworkFactory(artist=artist)
    like_set(user=viewer, artwork=art, liked=True)
    notifications_mark_read(user=artist)
    like_set(user=other_artist, artwork=art, liked=True)
    assert Notification.objects.filter(user=artist).count() == 2
    assert Notification.objects.get(user=artist, read_at__isnull=True).count == 1


def test_likes_on_two_posts_are_two_batches_and_own_likes_none(artist, viewer):
    one, two = ArtworkFactory(artist=artist), ArtworkFactory(artist=artist)
    like_set(user=viewer, artwork=one, liked=True)
    like_set(user=viewer, artwork=two, liked=True)
    like_set(user=artist, artwork=one, liked=True)
    assert sorted(Notification.objects.values_list("count", flat=True)) == [1, 1]


def test_a_like_from_a_blocked_member_counts_but_tells_nothing(artist, viewer):
    Block.objects.create(blocker=artist, blocked=viewer)
    art = ArtworkFactory(artist=artist)
    like_set(user=viewer, artwork=art, liked=True)
    assert not Notification.objects.exists()


def test_follow_notifies_once_even_after_unfollow_and_follow(artist, viewer):
    for _ in range(3):
        follow_set(follower=viewer, artist=artist, following=True)
        follow_set(follower=viewer, artist=artist, following=False)
    follow_set(follower=viewer, artist=artist, following=True)
    note = Notification.objects.get(user=artist)
    assert note.kind == NotificationKind.FOLLOW and note.actor == viewer
    assert note.url == viewer.get_absolute_url()


# --- Moderation's notices go through the same routing ------------------------------------------


def test_tell_artist_email_honours_the_setting_and_carries_the_unsubscribe_link(
    artist, django_capture_on_commit_callbacks
):
    def tell():
        tell_artist(
            user=artist, title="Decided", body="Because.", url="/d/", template=DECISION,
            context={"strike": False, "strike_days": 0},
        )  # fmt: skip

    with django_capture_on_commit_callbacks(execute=True):
        tell()
    [email] = mail.outbox
    assert "Because." in email.body and "List-Unsubscribe" in email.extra_headers
    assert "Stop these emails" in email.alternatives[0][0]
    _set(artist, DECISION, email=EmailChoice.OFF)
    with django_capture_on_commit_callbacks(execute=True):
        tell()
    assert len(mail.outbox) == 1
    assert Notification.objects.filter(user=artist, in_site=True).count() == 2
