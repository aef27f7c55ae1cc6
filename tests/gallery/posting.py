"""Helpers shared by the posting-after-the-fact tests (images, drafts, unlisted posts)."""

from __future__ import annotations

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gallery.models import Artwork


def photo(seed: int, size=(640, 480)) -> bytes:
    """A noisy JPEG whose perceptual hash differs from every other seed's."""
    rng = random.Random(seed)
    im = Image.frombytes("RGB", (64, 48), rng.randbytes(64 * 48 * 3)).resize(size)
    out = io.BytesIO()
    im.save(out, "JPEG", quality=90)
    return out.getvalue()


def jpeg_file(data: bytes, name: str = "art.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def upload(client, user, capture, *, data: bytes | None = None, **extra) -> Artwork:
    """Post through the upload form and run what the commit enqueues (eager tasks)."""
    client.force_login(user)
    fields = {
        "title": "Harbour",
        "medium": "drawing",
        "label": "human-made",
        "tags": "sea",
        "images": [jpeg_file(data or photo(1))],
        **extra,
    }
    with capture(execute=True):
        response = client.post(reverse("gallery:upload"), fields)
    assert response.status_code == 302, response.content[:2000]
    return Artwork.objects.filter(artist=user).latest("pk")


def add_images(client, artwork, capture, *, finals=(), process=(), execute=True, **extra):
    """Post the edit page's "Add images" form; with ``execute`` the images are processed."""
    data = {
        "images": [jpeg_file(d, f"f{i}.jpg") for i, d in enumerate(finals)],
        "process_images": [jpeg_file(d, f"p{i}.jpg") for i, d in enumerate(process)],
        **extra,
    }
    with capture(execute=execute):
        return client.post(reverse("gallery:images_add", args=[artwork.pk]), data)
