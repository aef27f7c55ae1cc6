"""Content Credentials on the artwork page, the API and JSON-LD, and the no-AI badge
(issue 14, points 7 and 8). Files are signed here with a test CA loaded as the trust list.
"""

from __future__ import annotations

import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gallery import credentials, provenance
from gallery.models import Artwork, ArtworkImage
from tests.gallery import credentials_files as cf
from tests.gallery import provenance_files as pf

pytestmark = pytest.mark.django_db

BADGE = "Content Credentials: no generative AI recorded"
TRAINED = cf.DST + "trainedAlgorithmicMedia"


@pytest.fixture(scope="module")
def chain() -> pf.SigningChain:
    return pf.signing_chain()


@pytest.fixture(scope="module")
def stranger() -> pf.SigningChain:
    return pf.signing_chain()


@pytest.fixture(autouse=True)
def trust_list(chain):
    provenance.set_trust_anchors(cf.ca_pem(chain))
    yield
    provenance.set_trust_anchors(None)


@pytest.fixture
def post(client, artist, django_capture_on_commit_callbacks):
    def run(*files: bytes, label: str = "human-made") -> Artwork:
        client.force_login(artist)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("gallery:upload"),
                {
                    "title": "Harbour",
                    "medium": "photography",
                    "label": label,
                    "images": [SimpleUploadedFile(f"{i}.jpg", f) for i, f in enumerate(files)],
                },
            )
        assert response.status_code == 302
        client.logout()
        return Artwork.objects.latest("pk")

    return run


def page(client, artwork: Artwork) -> str:
    response = client.get(artwork.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def json_ld(html: str) -> dict:
    block = re.search(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def api(client, artwork: Artwork) -> dict:
    response = client.get(f"/api/v1/artworks/{artwork.pk}/")
    assert response.status_code == 200
    return response.json()


def test_trusted_camera_capture_earns_the_badge_everywhere(client, post, chain, monkeypatch):
    artwork = post(cf.camera_capture(chain))

    stored = ArtworkImage.objects.get(artwork=artwork).provenance["credentials"]
    assert stored["trusted"] is True and stored["records_human"] is True
    # The page reads the stored summary: no C2PA work per request.
    import c2pa

    monkeypatch.setattr(c2pa, "Reader", None)
    html = page(client, artwork)
    assert 'id="credentials-badge"' in html and BADGE in html
    assert "Signature valid" in html
    assert "Image unchanged since it was signed" in html
    assert "Signer is on our trust list" in html
    assert "signed by Atelier test signer" in html
    assert "Created with a digital camera — Test camera firmware 2.1" in html
    assert "Tools: Atelier test camera 1.0, Test camera firmware 2.1" in html
    assert json_ld(html)["additionalProperty"]["value"] == BADGE
    assert api(client, artwork)["content_credentials_no_ai"] is True


def test_same_file_with_an_ai_ingredient_gets_no_badge(client, post, chain, stranger):
    generated = cf.signed(
        pf.jpeg(),
        "image/jpeg",
        stranger,
        actions=[{"action": "c2pa.created", "digitalSourceType": TRAINED}],
    )
    sky = ({"title": "sky.jpg", "relationship": "componentOf"}, generated, "image/jpeg")
    artwork = post(cf.camera_capture(chain, ingredients=[sky]))

    html = page(client, artwork)
    assert 'id="credentials-badge"' not in html
    assert "Includes “sky.jpg”: generative AI recorded" in html
    assert "These credentials record generative AI." in html
    assert "additionalProperty" not in json_ld(html)
    assert api(client, artwork)["content_credentials_no_ai"] is False
    artwork.refresh_from_db()
    assert artwork.label_mismatch is True


def test_same_file_signed_by_an_untrusted_key_gets_no_badge(client, post, stranger):
    artwork = post(cf.camera_capture(stranger))

    html = page(client, artwork)
    assert 'id="credentials-badge"' not in html
    assert "Signer is not on our trust list" in html
    assert "Signature valid" in html
    assert api(client, artwork)["content_credentials_no_ai"] is False


def test_one_unsigned_final_image_withholds_the_badge(client, post, chain):
    artwork = post(cf.camera_capture(chain), pf.jpeg())

    html = page(client, artwork)
    assert 'id="credentials-badge"' not in html
    assert html.count('class="credentials-image"') == 1
    assert api(client, artwork)["content_credentials_no_ai"] is False


def test_ai_evidence_outside_the_manifest_withholds_the_badge(chain):
    image = ArtworkImage(
        kind=ArtworkImage.Kind.FINAL,
        state=ArtworkImage.State.READY,
        provenance={"credentials": _vouching()},
        provenance_verdict="human-evidence",
    )
    process = ArtworkImage(
        kind=ArtworkImage.Kind.PROCESS,
        state=ArtworkImage.State.READY,
        provenance={},
        provenance_verdict="ai-assisted",
    )

    assert credentials.no_ai_recorded([image]) is True
    assert credentials.no_ai_recorded([image, process]) is False
    image.state = ArtworkImage.State.PROCESSING
    assert credentials.no_ai_recorded([image]) is False


def _vouching() -> dict:
    return {
        "trusted": True,
        "signature_valid": True,
        "hashes_valid": True,
        "state": "valid",
        "records_human": True,
        "ai": False,
    }


def test_artwork_without_credentials_shows_no_panel(client, post):
    artwork = post(pf.jpeg())

    html = page(client, artwork)
    assert 'id="credentials"' not in html
    assert 'id="credentials-badge"' not in html
