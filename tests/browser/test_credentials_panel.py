"""The Content Credentials panel and the no-AI badge in a real browser (issue 14, 7 and 8)."""

from __future__ import annotations

import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

import imaging
from gallery import provenance
from gallery.demo import painting
from gallery.models import Artwork, ArtworkImage, Label, Medium
from gallery.services.upload import IncomingImage, artwork_create
from tests.gallery import credentials_files as cf
from tests.gallery import provenance_files as pf

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_badge_and_panel_show_beside_the_label(page, artist, tmp_path):
    chain = pf.signing_chain()
    provenance.set_trust_anchors(cf.ca_pem(chain))
    try:
        signed = cf.camera_capture(chain, painting(7, (900, 600)))
        upload = SimpleUploadedFile("harbour.jpg", signed)
        probe = imaging.probe(upload, max_bytes=10**8, max_pixels=10**8, max_frames=1)
        upload.seek(0)
        incoming = [IncomingImage(file=upload, probe=probe, alt_text="Harbour", kind="final")]
        artwork = artwork_create(
            artist=artist,
            title="Harbour at six",
            label=Label.HUMAN,
            images=incoming,
            description="",
            medium=Medium.PHOTOGRAPHY,
            tags=[],
            ai_stages=[],
            ai_note="",
        )
    finally:
        provenance.set_trust_anchors(None)
    artwork.refresh_from_db()
    assert artwork.status == Artwork.Status.PUBLISHED
    assert ArtworkImage.objects.get(artwork=artwork).provenance["credentials"]["trusted"]

    page.goto(artwork.get_absolute_url())

    badge = page.locator("#credentials-badge")
    expect(badge).to_be_visible()
    expect(badge).to_have_text("Content Credentials: no generative AI recorded")
    panel = page.get_by_role("region", name="Content Credentials", exact=True)
    expect(panel).to_contain_text("Signer is on our trust list")
    expect(panel).to_contain_text("Created with a digital camera — Test camera firmware 2.1")
    shot = os.environ.get("ATELIER_CREDENTIALS_SHOT") or str(tmp_path / "credentials.png")
    page.locator(".label-box").screenshot(path=shot)
