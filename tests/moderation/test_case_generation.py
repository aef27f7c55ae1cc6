"""The case page shows what a generator wrote into the file, escaped, in a <details>."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from gallery.models import Artwork
from moderation.models import Case
from tests.gallery import provenance_files as pf

pytestmark = pytest.mark.django_db

PROMPT = '<script>alert("x")</script> a lighthouse & a "storm"'
PARAMETERS = (
    f"{PROMPT}\n"
    "Negative prompt: <b>blurry</b>\n"
    "Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 4242, "
    "Size: 16x16, Model: dreamshaper_8, Version: v1.10.1"
)


def _upload(artist, data: bytes, capture) -> Artwork:
    name = "storm.png" if data.startswith(b"\x89PNG") else "storm.jpg"
    client = Client()
    client.force_login(artist)
    with capture(execute=True):
        response = client.post(
            reverse("gallery:upload"),
            {
                "title": "Storm",
                "medium": "digital-painting",
                "label": "human-made",
                "images": [SimpleUploadedFile(name, data)],
            },
        )
    assert response.status_code == 302
    return Artwork.objects.latest("pk")


def test_case_page_shows_a1111_prompt_and_seed_escaped(
    artist, moderator, django_capture_on_commit_callbacks
):
    artwork = _upload(
        artist, pf.png_text(parameters=PARAMETERS), django_capture_on_commit_callbacks
    )
    image = artwork.images.get()
    (block,) = image.generation
    assert block["prompt"] == PROMPT and block["seed"] == "4242"
    case = Case.objects.get(artwork=artwork)

    client = Client()
    client.force_login(moderator)
    html = client.get(reverse("moderation:case", args=[case.pk])).content.decode()
    details = re.search(r'<details class="generation">.*?</details>', html, re.DOTALL).group(0)
    assert "AUTOMATIC1111 Stable Diffusion web UI v1.10.1" in details
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; a lighthouse &amp; a" in details
    assert "<script>alert" not in html
    assert "&lt;b&gt;blurry&lt;/b&gt;" in details
    for shown in ("<dd>4242</dd>", "<dd>dreamshaper_8</dd>", "<dd>DPM++ 2M Karras</dd>"):
        assert shown in details
    assert "<dt>CFG scale</dt>" in details and "<dd>6.5</dd>" in details


def test_case_page_without_parameters_has_no_details(
    artist, moderator, django_capture_on_commit_callbacks
):
    # An IPTC "generative AI" source type contradicts the label but carries no settings.
    jpeg = pf.jpeg(xmp=pf.iptc_dst_xmp("trainedAlgorithmicMedia"))
    artwork = _upload(artist, jpeg, django_capture_on_commit_callbacks)
    assert artwork.images.get().generation == []
    case = Case.objects.get(artwork=artwork)
    client = Client()
    client.force_login(moderator)
    html = client.get(reverse("moderation:case", args=[case.pk])).content.decode()
    assert "trainedAlgorithmicMedia" in html or "generative AI" in html
    assert '<details class="generation">' not in html
