"""The artwork use cases as services: the site and the API call the same one, and the rules
(who may like what, when a post can be hidden, what an alt text may hold) live there or in the
form, once."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from config.errors import Conflict
from config.text import SINGLE_LINE_MESSAGE
from gallery.models import Artwork, ArtworkImage, Like
from gallery.services.upload import artwork_upload
from gallery.services.upload_keys import UploadReplayed, upload_key_issue
from gallery.services.visibility import artwork_hide
from tests.api.clients import token_client
from tests.factories import ArtworkFactory, image_bytes

pytestmark = pytest.mark.django_db

EDIT = {"title": "Harbour", "medium": "drawing", "label": "human-made", "tags": "sea"}
ALT_ERROR = "Alt text: " + SINGLE_LINE_MESSAGE


def test_liking_a_post_that_is_not_public_is_a_404_even_for_its_artist(client, artist):
    # Its artist may open a removed post, so the refusal is like_set's, not the access check's.
    artwork = ArtworkFactory(artist=artist, status=Artwork.Status.REMOVED)
    client.force_login(artist)
    response = client.post(reverse("gallery:like", args=[artwork.pk]), {"liked": "1"})
    assert response.status_code == 404
    assert not Like.objects.exists()
    artwork.refresh_from_db()
    assert artwork.like_count == 0


def test_hiding_a_post_still_processing_is_a_conflict_and_changes_nothing(artist):
    artwork = ArtworkFactory(
        artist=artist, status=Artwork.Status.PROCESSING, published_at=None, with_image=False
    )
    with pytest.raises(Conflict):
        artwork_hide(artwork_id=artwork.pk, reason="Spam.")
    artwork.refresh_from_db()
    assert artwork.status == Artwork.Status.PROCESSING and artwork.status_reason == ""


def test_edit_page_shows_the_alt_text_error_and_saves_nothing(client, artist):
    artwork = ArtworkFactory(artist=artist, title="Before")
    image = artwork.images.get()
    client.force_login(artist)
    response = client.post(
        reverse("gallery:artwork_edit", args=[artwork.pk]), {**EDIT, f"alt_{image.pk}": "a\tb"}
    )
    assert response.status_code == 400
    assert ALT_ERROR in response.content.decode()
    artwork.refresh_from_db()
    image.refresh_from_db()
    assert artwork.title == "Before" and image.alt_text == ""


def test_site_edit_saves_alt_texts_of_its_own_images_only(client, artist, other_artist):
    artwork = ArtworkFactory(artist=artist)
    theirs = ArtworkFactory(artist=other_artist).images.get()
    mine = artwork.images.get()
    client.force_login(artist)
    response = client.post(
        reverse("gallery:artwork_edit", args=[artwork.pk]),
        {**EDIT, f"alt_{mine.pk}": "  Boats  ", f"alt_{theirs.pk}": "Forged"},
    )
    assert response.status_code == 302
    assert ArtworkImage.objects.get(pk=mine.pk).alt_text == "Boats"
    assert ArtworkImage.objects.get(pk=theirs.pk).alt_text == ""


def test_api_edit_refuses_a_multi_line_alt_text_on_its_field(artist):
    artwork = ArtworkFactory(artist=artist)
    image = artwork.images.get()
    response = token_client(artist).patch(
        f"/api/v1/artworks/{artwork.pk}/", {"alt_texts": {str(image.pk): "a\nb"}}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"alt_texts": [ALT_ERROR]}
    image.refresh_from_db()
    assert image.alt_text == ""


def test_upload_with_a_spent_key_answers_with_the_post_before_checking_files(artist):
    key = upload_key_issue()
    fields = {**EDIT, "description": "", "tags": [], "ai_stages": [], "ai_note": ""}
    jpeg = SimpleUploadedFile("a.jpg", image_bytes("JPEG"), content_type="image/jpeg")
    first = artwork_upload(
        artist=artist,
        fields={**fields, "alt_text": ["Boats"]},
        finals=[jpeg],
        process=[],
        idempotency_key=key,
    )
    assert first.images.get().alt_text == "Boats"
    # No files at all: the spent key answers before any file is looked at.
    with pytest.raises(UploadReplayed) as replay:
        artwork_upload(artist=artist, fields=fields, finals=[], process=[], idempotency_key=key)
    assert replay.value.artwork_id == first.pk
    assert Artwork.objects.count() == 1
