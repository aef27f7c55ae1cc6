"""The image pipeline's error classes, its processing lease and the lost-task sweep."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import InterfaceError, OperationalError
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from PIL import Image

from gallery import tasks
from gallery.models import Artwork, ArtworkImage
from gallery.services import pipeline
from gallery.tasks import process_image
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db

RUNNER_A = pipeline.Runner(node="celery@a", boot="boot1", pid=101)
RUNNER_B = pipeline.Runner(node="celery@b", boot="boot2", pid=202)


@pytest.fixture
def pending_image(client, artist, django_capture_on_commit_callbacks) -> ArtworkImage:
    """An image uploaded through the form whose task has not run yet."""
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("gallery:upload"),
            {
                "title": "Strip",
                "medium": "drawing",
                "label": "human-made",
                "images": [SimpleUploadedFile("a.jpg", image_bytes("JPEG", size=(700, 500)))],
            },
        )
    assert response.status_code == 302
    image = ArtworkImage.objects.get()
    assert image.state == ArtworkImage.State.PENDING
    return image


def _lease(image: ArtworkImage, runner: pipeline.Runner, *, seconds: int) -> None:
    ArtworkImage.objects.filter(pk=image.pk).update(
        state=ArtworkImage.State.PROCESSING,
        lease_owner=str(runner),
        lease_until=timezone.now() + timedelta(seconds=seconds),
        state_changed_at=timezone.now() - timedelta(hours=1),
    )


def _assert_failed_at_once(image: ArtworkImage, reason: str) -> None:
    image.refresh_from_db()
    artwork = Artwork.objects.get(pk=image.artwork_id)
    assert image.state == ArtworkImage.State.FAILED and image.error == reason
    assert artwork.status == Artwork.Status.FAILED and artwork.status_reason == reason
    assert image.attempts == 1 and image.lease_owner == ""
    assert (Path(settings.PRIVATE_MEDIA_ROOT) / image.original.name).exists()


# --- permanent errors fail at once --------------------------------------------------------------


def test_render_error_fails_image_and_artwork_at_once_with_a_reason(
    client, pending_image, monkeypatch, caplog
):
    # The file passes the upload checks; Pillow's WebP encoder then refuses it, as it does an
    # image over its 16383-pixel limit. Retrying cannot help: the artist must change the file.
    def refuse(im, fp, filename):
        raise ValueError("Image size exceeds WebP limit of 16383 pixels")

    monkeypatch.setitem(Image.SAVE, "WEBP", refuse)
    with caplog.at_level(logging.ERROR, logger="gallery.services.pipeline"):
        process_image.apply(args=[pending_image.pk])
        process_image.apply(args=[pending_image.pk])  # a second delivery changes nothing
    _assert_failed_at_once(pending_image, pipeline.FAILED_RENDER)
    assert "WebP limit" in caplog.text and "Traceback" in caplog.text
    page = client.get(reverse("gallery:artwork_status", args=[pending_image.artwork_id]))
    assert "display copies" in page.content.decode()


def test_truncated_original_fails_at_once_with_a_readable_reason(pending_image):
    path = Path(settings.PRIVATE_MEDIA_ROOT) / pending_image.original.name
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    process_image.apply(args=[pending_image.pk])
    process_image.apply(args=[pending_image.pk])
    _assert_failed_at_once(pending_image, f"{pipeline.FAILED_DECODE} (is damaged or incomplete)")


def test_missing_original_fails_at_once_asking_for_a_new_upload(pending_image):
    (Path(settings.PRIVATE_MEDIA_ROOT) / pending_image.original.name).unlink()
    process_image.apply(args=[pending_image.pk])
    pending_image.refresh_from_db()
    assert pending_image.state == ArtworkImage.State.FAILED
    assert pending_image.error == pipeline.FAILED_MISSING


# --- transient errors are retried, never left stuck ---------------------------------------------


@pytest.fixture
def broken_public_storage():
    """Public storage whose folder is a file: every derivative save raises a real OSError."""
    media = Path(settings.MEDIA_ROOT)
    shutil.rmtree(media, ignore_errors=True)
    media.parent.mkdir(parents=True, exist_ok=True)
    media.write_bytes(b"")
    yield
    media.unlink(missing_ok=True)


def test_storage_error_in_a_worker_gives_the_image_back_and_raises_for_a_retry(
    pending_image, broken_public_storage
):
    with pytest.raises(OSError):
        pipeline.image_process(
            image_id=pending_image.pk, runner=RUNNER_A, holder_alive=lambda holder: True
        )
    pending_image.refresh_from_db()
    # Released, so the retry claims it at once instead of waiting for the lease to expire.
    assert pending_image.state == ArtworkImage.State.PENDING and pending_image.lease_owner == ""
    assert pending_image.attempts == 1
    assert Artwork.objects.get().status == Artwork.Status.PROCESSING


def test_storage_error_in_eager_mode_fails_the_image_instead_of_leaving_it_stuck(
    pending_image, broken_public_storage
):
    # The embedded default has no worker to retry and no beat to sweep.
    process_image.apply(args=[pending_image.pk])
    pending_image.refresh_from_db()
    assert pending_image.state == ArtworkImage.State.FAILED
    assert Artwork.objects.get().status_reason == pipeline.FAILED_TRANSIENT


def test_the_task_retries_database_storage_and_broker_errors():
    for error in (OSError, OperationalError, InterfaceError, BrokerError):
        assert issubclass(error, process_image.autoretry_for), error
    assert not issubclass(ValueError, process_image.autoretry_for)


# --- the lease: one runner at a time ------------------------------------------------------------


def test_second_delivery_leaves_an_image_a_live_runner_holds_alone(pending_image):
    assert pipeline.image_claim(
        image_id=pending_image.pk, runner=RUNNER_A, holder_alive=lambda h: True
    )
    asked = []
    pipeline.image_process(
        image_id=pending_image.pk, runner=RUNNER_B, holder_alive=lambda h: asked.append(h) or True
    )
    pending_image.refresh_from_db()
    assert asked == [RUNNER_A]
    assert pending_image.state == ArtworkImage.State.PROCESSING
    assert pending_image.lease_owner == str(RUNNER_A) and pending_image.attempts == 1
    assert pending_image.derivatives == []


def test_a_dead_runners_lease_is_taken_over_and_the_dead_runner_cannot_write(pending_image):
    pipeline.image_claim(image_id=pending_image.pk, runner=RUNNER_A, holder_alive=lambda h: True)
    pipeline.image_process(image_id=pending_image.pk, runner=RUNNER_B, holder_alive=lambda h: False)
    pending_image.refresh_from_db()
    assert pending_image.state == ArtworkImage.State.READY and pending_image.attempts == 2
    assert Artwork.objects.get().status == Artwork.Status.PUBLISHED
    # Runner A wakes up and fails: it no longer holds the lease, so nothing changes.
    pipeline.image_fail(image_id=pending_image.pk, reason="late", runner=RUNNER_A)
    pending_image.refresh_from_db()
    assert pending_image.state == ArtworkImage.State.READY


def test_holder_liveness_by_worker_name_boot_and_process():
    me = pipeline.Runner(node="celery@w", boot="now", pid=1)
    sleeper = subprocess.Popen(["sleep", "30"])
    gone = subprocess.Popen(["true"])
    gone.wait()
    try:
        alive = pipeline.Runner(node="celery@w", boot="now", pid=sleeper.pid)
        killed = pipeline.Runner(node="celery@w", boot="now", pid=gone.pid)
        earlier_life = pipeline.Runner(node="celery@w", boot="before", pid=sleeper.pid)
        assert tasks._holder_alive(alive, me=me) is True
        assert tasks._holder_alive(killed, me=me) is False
        assert tasks._holder_alive(earlier_life, me=me) is False
    finally:
        sleeper.kill()
        sleeper.wait()


def test_runner_round_trips_through_the_lease_column():
    runner = pipeline.Runner(node="celery@host|odd", boot="b", pid=7)
    assert pipeline.Runner.parse(str(runner)) == runner
    assert pipeline.Runner.parse("") is None and pipeline.Runner.parse("a|b|c") is None


# --- the sweep and a restarted worker -----------------------------------------------------------


def test_sweep_hands_an_expired_lease_to_a_new_task_and_leaves_a_live_one(
    pending_image, django_capture_on_commit_callbacks
):
    _lease(pending_image, RUNNER_A, seconds=60)
    assert pipeline.images_sweep_stuck() == 0  # old, but its runner may still be working
    _lease(pending_image, RUNNER_A, seconds=-1)
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.images_sweep_stuck() == 1
    pending_image.refresh_from_db()
    assert pending_image.state == ArtworkImage.State.READY and pending_image.lease_owner == ""
    assert Artwork.objects.get().status == Artwork.Status.PUBLISHED


def test_sweep_does_not_fail_an_image_that_waits_in_a_long_queue(
    pending_image, django_capture_on_commit_callbacks
):
    for _ in range(pipeline.MAX_ATTEMPTS + 2):
        ArtworkImage.objects.filter(pk=pending_image.pk).update(
            state_changed_at=timezone.now() - timedelta(hours=1)
        )
        with django_capture_on_commit_callbacks(execute=False):
            assert pipeline.images_sweep_stuck() == 1
    pending_image.refresh_from_db()
    assert pending_image.state == ArtworkImage.State.PENDING and pending_image.attempts == 0


def test_image_claimed_too_often_is_failed_by_the_next_delivery(pending_image):
    ArtworkImage.objects.filter(pk=pending_image.pk).update(attempts=pipeline.MAX_ATTEMPTS)
    process_image.apply(args=[pending_image.pk])
    pending_image.refresh_from_db()
    assert pending_image.state == ArtworkImage.State.FAILED
    assert pending_image.error == pipeline.FAILED_ATTEMPTS


def test_restarted_worker_requeues_what_its_previous_life_held(
    pending_image, django_capture_on_commit_callbacks
):
    previous = pipeline.Runner(node="celery@w", boot="old", pid=4242)
    _lease(pending_image, previous, seconds=600)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        # Another worker's live lease and this life's own are not orphans.
        assert pipeline.images_requeue_orphans(node="celery@other", boot="new") == 0
        assert pipeline.images_requeue_orphans(node="celery@w", boot="old") == 0
        assert pipeline.images_requeue_orphans(node="celery@w", boot="new") == 1
    assert len(callbacks) == 1
    # The re-enqueued task, in the new life's pool, takes the lease over at once.
    me = pipeline.Runner(node="celery@w", boot="new", pid=os.getpid())
    pipeline.image_process(
        image_id=pending_image.pk, runner=me, holder_alive=partial(tasks._holder_alive, me=me)
    )
    pending_image.refresh_from_db()
    assert pending_image.state == ArtworkImage.State.READY
    assert Artwork.objects.get().status == Artwork.Status.PUBLISHED
