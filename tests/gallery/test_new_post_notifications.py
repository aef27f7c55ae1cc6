"""New posts by followed artists: the publish transaction writes one fan-out row and nothing
per follower; a task tells followers in batches, once ever per post, honouring each one's
settings and blocks, and resumes after a killed worker without repeating anyone."""

from __future__ import annotations

import pytest
from django.core import mail

from accounts.models import (
    Block,
    EmailChoice,
    Follow,
    Notification,
    NotificationFanout,
    NotificationKind,
)
from accounts.services_notifications import (
    fanout_step,
    fanouts_sweep,
    followers_notify_start,
    notification_settings_set,
)
from gallery.models import Artwork
from gallery.services.visibility import artwork_hide, artwork_remove, artwork_restore
from tests.factories import ArtworkFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_POST = NotificationKind.NEW_POST


def _followers(artist, count: int) -> list:
    users = UserFactory.create_batch(count)
    Follow.objects.bulk_create(Follow(follower=u, artist=artist) for u in users)
    return users


def _waiting(artist, title="Dawn") -> Artwork:
    return ArtworkFactory(
        artist=artist, title=title, status=Artwork.Status.AWAITING_APPROVAL, published_at=None
    )


def test_publishing_tells_every_follower_once_after_the_commit(
    artist, django_capture_on_commit_callbacks
):
    followers = _followers(artist, 5)
    art = _waiting(artist)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        artwork_restore(artwork_id=art.pk)  # approved: public for the first time
    # Inside the publish transaction: one fan-out row, no follower touched.
    assert NotificationFanout.objects.count() == 1 and not Notification.objects.exists()
    for callback in callbacks:
        callback()
    notes = Notification.objects.filter(kind=NEW_POST)
    assert sorted(n.user_id for n in notes) == sorted(u.pk for u in followers)
    note = notes.first()
    assert note.title == f"{artist.name} posted “Dawn”" and note.actor == artist
    assert note.url == art.get_absolute_url()
    assert NotificationFanout.objects.get().done_at is not None


def test_republishing_after_a_hold_or_removal_tells_nobody_again(
    artist, django_capture_on_commit_callbacks
):
    _followers(artist, 3)
    art = _waiting(artist)
    with django_capture_on_commit_callbacks(execute=True):
        artwork_restore(artwork_id=art.pk)
    with django_capture_on_commit_callbacks(execute=True):
        artwork_hide(artwork_id=art.pk, reason="r")
        artwork_restore(artwork_id=art.pk)
        artwork_remove(artwork_id=art.pk, reason="r")
        artwork_restore(artwork_id=art.pk)
    assert Notification.objects.filter(kind=NEW_POST).count() == 3
    assert NotificationFanout.objects.count() == 1
    assert (
        followers_notify_start(
            artist_id=artist.pk, key=f"new-post:{art.pk}", kind=NEW_POST, title="t", url="/"
        )
        is False
    )


def test_each_followers_settings_and_blocks_apply(artist, django_capture_on_commit_callbacks):
    plain, blocked, blocker, silent, hidden, eager = _followers(artist, 6)
    Block.objects.create(blocker=artist, blocked=blocked)
    Block.objects.create(blocker=blocker, blocked=artist)
    notification_settings_set(user=silent, changes={NEW_POST: {"in_site": False, "email": "off"}})
    notification_settings_set(user=hidden, changes={NEW_POST: {"in_site": False}})
    notification_settings_set(user=eager, changes={NEW_POST: {"email": EmailChoice.IMMEDIATE}})
    with django_capture_on_commit_callbacks(execute=True):
        artwork_restore(artwork_id=_waiting(artist).pk)
    rows = {n.user_id: n for n in Notification.objects.filter(kind=NEW_POST)}
    assert set(rows) == {plain.pk, hidden.pk, eager.pk}
    assert rows[hidden.pk].in_site is False  # kept for the weekly digest only
    [email] = mail.outbox
    assert email.to == [eager.email] and "List-Unsubscribe" in email.extra_headers


def test_batches_resume_after_a_killed_worker_without_repeats(artist):
    followers = _followers(artist, 7)
    assert followers_notify_start(
        artist_id=artist.pk, key="new-post:1", kind=NEW_POST, title="{actor} posted", url="/"
    )
    fanout = NotificationFanout.objects.get()
    assert fanout_step(fanout_id=fanout.pk, size=3) is False
    # The worker dies here; the sweep (or redelivery) runs the task again from after_id.
    fanout.refresh_from_db()
    assert fanout.after_id == sorted(u.pk for u in followers)[2]
    while not fanout_step(fanout_id=fanout.pk, size=3):
        pass
    assert fanout_step(fanout_id=fanout.pk, size=3) is True  # a late duplicate does nothing
    counts = Notification.objects.values_list("user_id", flat=True)
    assert sorted(counts) == sorted(u.pk for u in followers)


def test_removal_before_the_fan_out_stops_it(artist, django_capture_on_commit_callbacks):
    _followers(artist, 3)
    art = _waiting(artist)
    with django_capture_on_commit_callbacks(execute=False):
        artwork_restore(artwork_id=art.pk)
        artwork_remove(artwork_id=art.pk, reason="spam")
    assert fanout_step(fanout_id=NotificationFanout.objects.get().pk) is True
    assert not Notification.objects.exists()


def test_the_sweep_re_enqueues_unfinished_fan_outs(artist):
    _followers(artist, 2)
    followers_notify_start(artist_id=artist.pk, key="new-post:9", kind=NEW_POST, title="t", url="/")
    NotificationFanout.objects.update(created_at="2000-01-01T00:00:00Z")
    # Tasks run in-process in the tests: the sweep's enqueue finishes the fan-out.
    assert fanouts_sweep() == 1
    assert Notification.objects.count() == 2
    assert NotificationFanout.objects.get().done_at is not None
    assert fanouts_sweep() == 0


def test_publish_cost_does_not_grow_with_followers(artist):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def publish_queries(count: int) -> int:
        art = _waiting(artist, title=f"T{count}")
        with CaptureQueriesContext(connection) as queries:
            artwork_restore(artwork_id=art.pk)
        return len(queries)

    _followers(artist, 2)
    few = publish_queries(2)
    _followers(artist, 200)
    assert publish_queries(202) == few


def test_an_upload_that_finishes_processing_tells_followers(
    client, artist, django_capture_on_commit_callbacks
):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from gallery.services import pipeline
    from tests.factories import image_bytes

    followers = _followers(artist, 2)
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("gallery:upload"),
            {
                "title": "Strip",
                "medium": "drawing",
                "label": "human-made",
                "images": [SimpleUploadedFile("a.jpg", image_bytes("JPEG", size=(300, 200)))],
            },
        )
    art = Artwork.objects.get()
    if art.status != Artwork.Status.PUBLISHED:  # the eager task may not have run it yet
        with django_capture_on_commit_callbacks(execute=True):
            pipeline.image_process(image_id=art.images.get().pk)
    art.refresh_from_db()
    assert art.status == Artwork.Status.PUBLISHED
    notes = Notification.objects.filter(kind=NEW_POST)
    assert sorted(n.user_id for n in notes) == sorted(u.pk for u in followers)
    assert notes.first().title == f"{artist.name} posted “Strip”"
