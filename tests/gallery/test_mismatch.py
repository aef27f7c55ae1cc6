"""When the files' own metadata contradicts the label (issue: provenance, point 5)."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from gallery.models import Artwork, LabelChange
from gallery.signals import artwork_scanned
from tests.gallery import provenance_files as pf

pytestmark = pytest.mark.django_db

AI_CREATED = [{"action": "c2pa.created", "digitalSourceType": pf.DST + "trainedAlgorithmicMedia"}]


@pytest.fixture
def post(client, artist, django_capture_on_commit_callbacks):
    def run(data: bytes, *, label: str = "human-made", name: str = "art.jpg", **extra) -> Artwork:
        client.force_login(artist)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("gallery:upload"),
                {
                    "title": "Evening",
                    "medium": "digital-painting",
                    "label": label,
                    "images": [SimpleUploadedFile(name, data)],
                    **extra,
                },
            )
        assert response.status_code == 302, response.context and response.context["file_errors"]
        return Artwork.objects.latest("pk")

    return run


def _titles(client, path="/") -> list[str]:
    return re.findall(r'<span class="title">([^<]+)</span>', client.get(path).content.decode())


def test_human_made_with_iptc_generative_ai_code_is_kept_out_of_human_feeds(client, post):
    artwork = post(pf.jpeg(xmp=pf.iptc_dst_xmp("trainedAlgorithmicMedia")))
    assert artwork.status == Artwork.Status.PUBLISHED
    assert artwork.provenance_verdict == "ai-generated"
    assert artwork.label_mismatch
    client.logout()
    assert "Evening" not in _titles(client)
    client.post(reverse("gallery:preference"), {"preference": "assisted"})
    assert "Evening" not in _titles(client)
    client.post(reverse("gallery:preference"), {"preference": "all"})
    assert "Evening" in _titles(client)


def test_human_made_with_c2pa_ai_manifest_is_kept_out_and_artist_sees_evidence(
    client, artist, post
):
    signed = pf.c2pa_signed(pf.jpeg(), "image/jpeg", pf.signing_chain(), AI_CREATED)
    artwork = post(signed)
    assert artwork.label_mismatch and artwork.provenance_verdict == "ai-generated"
    image = artwork.images.get()
    assert image.provenance["c2pa"]["validation_state"] == "untrusted"
    status_page = client.get(reverse("gallery:artwork_status", args=[artwork.pk])).content.decode()
    assert "Your files say something different from your label" in status_page
    assert "Content Credentials" in status_page
    assert reverse("gallery:artwork_edit", args=[artwork.pk]) in status_page
    client.logout()
    assert "Evening" not in _titles(client)


def test_ai_assisted_post_with_generated_evidence_is_a_mismatch(post):
    artwork = post(
        pf.jpeg(xmp=pf.iptc_dst_xmp("trainedAlgorithmicMedia")),
        label="ai-assisted",
        ai_stages=["background"],
    )
    assert artwork.label_mismatch


def test_algorithmic_media_is_not_generative_ai(post):
    artwork = post(pf.jpeg(xmp=pf.iptc_dst_xmp("algorithmicMedia")))
    assert not artwork.label_mismatch


def test_artist_relabel_resolves_the_mismatch_and_is_recorded(client, artist, post):
    artwork = post(
        pf.png_text(parameters="a castle\nSteps: 20, Sampler: Euler a, Seed: 1"), name="a.png"
    )
    assert artwork.label_mismatch
    response = client.post(
        reverse("gallery:artwork_edit", args=[artwork.pk]),
        {
            "title": "Evening",
            "medium": "digital-painting",
            "label": "ai-generated",
            "reason": "Oops",
        },
    )
    assert response.status_code == 302
    artwork.refresh_from_db()
    assert artwork.label == "ai-generated" and not artwork.label_mismatch
    change = LabelChange.objects.filter(artwork=artwork).last()
    assert (change.from_label, change.to_label, change.by) == (
        "human-made",
        "ai-generated",
        "artist",
    )


def test_camera_exif_is_shown_as_human_evidence(client, post):
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "Canon EOS R5"
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (1, 2, 3)).save(out, "JPEG", exif=exif.tobytes())
    artwork = post(out.getvalue())
    assert artwork.provenance_verdict == "human-evidence" and not artwork.label_mismatch
    client.logout()
    page = client.get(artwork.get_absolute_url()).content.decode()
    assert "Camera: Canon EOS R5" in page
    assert "Evening" in _titles(client)


def test_scanned_signal_tells_other_apps_about_the_mismatch(post):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    artwork_scanned.connect(receiver, dispatch_uid="test-mismatch")
    try:
        artwork = post(pf.jpeg(xmp=pf.iptc_dst_xmp("trainedAlgorithmicMedia")))
    finally:
        artwork_scanned.disconnect(dispatch_uid="test-mismatch")
    assert len(received) == 1
    assert received[0]["artwork_id"] == artwork.pk and received[0]["mismatch"] is True
    assert received[0]["evidence"]


@pytest.mark.parametrize(
    ("label", "iptc"),
    [
        ("human-made", "digitalCreation"),
        ("ai-assisted", "compositeWithTrainedAlgorithmicMedia"),
        ("ai-generated", "trainedAlgorithmicMedia"),
    ],
)
def test_json_ld_states_the_labels_iptc_source_type(client, post, label, iptc):
    extra = {"ai_stages": ["sketch"]} if label == "ai-assisted" else {}
    artwork = post(pf.jpeg(), label=label, **extra)
    client.logout()
    page = client.get(artwork.get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', page, re.S)
    data = json.loads(block.group(1))
    assert data["digitalSourceType"] == "http://cv.iptc.org/newscodes/digitalsourcetype/" + iptc
    assert data["@type"] == "VisualArtwork"
