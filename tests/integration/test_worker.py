"""The upload pipeline through a real Celery worker process, Redis and PostgreSQL."""

from __future__ import annotations

import io
import os
import random
import signal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gallery.models import Artwork, ArtworkImage
from tests.factories import UserFactory, image_bytes
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("worker")]


def _noise_png(size=(5000, 3500)) -> bytes:
    """A photo-like PNG big enough that processing takes a noticeable moment."""
    rng = random.Random(7)
    small = Image.frombytes(
        "RGB", (size[0] // 8, size[1] // 8), rng.randbytes(size[0] * size[1] * 3 // 64)
    )
    out = io.BytesIO()
    small.resize(size, Image.Resampling.BILINEAR).save(out, "PNG", compress_level=1)
    return out.getvalue()


def _upload(client, data: bytes, name: str) -> Artwork:
    response = client.post(
        reverse("gallery:upload"),
        {
            "title": "Through the worker",
            "medium": "digital-painting",
            "label": "human-made",
            "images": [SimpleUploadedFile(name, data)],
        },
    )
    assert response.status_code == 302, response.content[:2000]
    return Artwork.objects.latest("pk")


def test_upload_through_the_web_form_is_published_by_the_worker(client, celery_worker):
    artist = UserFactory()
    client.force_login(artist)
    artwork = _upload(client, image_bytes("JPEG", size=(2400, 1600)), "photo.jpg")
    wait_for(
        lambda: Artwork.objects.get(pk=artwork.pk).status == Artwork.Status.PUBLISHED,
        timeout=60,
        what="the artwork to be published\n" + celery_worker.output(),
    )
    image = ArtworkImage.objects.get(artwork=artwork)
    assert image.state == ArtworkImage.State.READY
    assert sorted({d["width"] for d in image.public_derivatives}) == [320, 640, 1280, 2048]
    # And the zoom copy, at the image's own size (never upscaled), outside the srcset.
    assert (image.zoom_derivative["width"], image.zoom_derivative["height"]) == (2400, 1600)
    for d in image.derivatives:
        assert (Path(settings.MEDIA_ROOT) / d["name"]).stat().st_size > 0
    assert "process_image" in celery_worker.output()


def test_worker_killed_mid_task_still_leaves_the_image_processed(client, celery_worker):
    artist = UserFactory()
    client.force_login(artist)
    artwork = _upload(client, _noise_png(), "big.png")
    image = ArtworkImage.objects.get(artwork=artwork)
    # The task has claimed the image (state "processing"): kill the pool process doing it.
    wait_for(
        lambda: ArtworkImage.objects.get(pk=image.pk).state == ArtworkImage.State.PROCESSING,
        timeout=60,
        interval=0.01,
        what="the task to start",
    )
    victims = celery_worker.pool_pids
    assert victims, "no pool process to kill"
    for pid in victims:
        os.kill(pid, signal.SIGKILL)
    assert ArtworkImage.objects.get(pk=image.pk).state != ArtworkImage.State.READY
    wait_for(
        lambda: Artwork.objects.get(pk=artwork.pk).status == Artwork.Status.PUBLISHED,
        timeout=120,
        what="the redelivered task to finish\n" + celery_worker.output(),
    )
    image.refresh_from_db()
    assert image.state == ArtworkImage.State.READY and image.derivatives
    log = celery_worker.output()
    assert "WorkerLostError" in log or "exited prematurely" in log, log
