"""Posting art in a real browser: the login form, the upload page's script and the status page."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from gallery.demo import painting
from gallery.models import Artwork, ArtworkImage
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _file(name: str, data: bytes, mime: str = "image/jpeg") -> dict:
    return {"name": name, "mimeType": mime, "buffer": data}


def test_artist_logs_in_and_posts_two_images_in_the_order_chosen(page, artist):
    first, second = painting(1, (900, 600)), painting(2, (600, 900))
    page.goto("/accounts/login/?next=/upload/")
    page.get_by_label("Login").fill(artist.handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/upload/$"))

    page.set_input_files("#images", [_file("dawn.jpg", first), _file("dusk.jpg", second)])
    page.get_by_label("Alt text for dawn.jpg").fill("Pale hills at dawn")
    page.get_by_label("Alt text for dusk.jpg").fill("Red sky over the dunes at dusk")
    page.get_by_role("button", name="Move down dawn.jpg").click()
    expect(page.locator("[data-file-list] li").first).to_contain_text("Cover · dusk.jpg")
    page.get_by_label("Title").fill("Two dunes")
    page.get_by_label("Medium").select_option("digital-painting")
    page.locator("label.label-choice", has_text="Human-made").click()
    page.get_by_role("button", name="Post", exact=True).click()

    expect(page).to_have_url(re.compile(r"/artworks/\d+/status/$"))
    expect(page.locator("#status")).to_contain_text("Published.")
    artwork = Artwork.objects.get(artist=artist)
    assert artwork.status == Artwork.Status.PUBLISHED
    images = list(artwork.images.order_by("position"))
    assert [i.sha256 for i in images] == [
        hashlib.sha256(second).hexdigest(),
        hashlib.sha256(first).hexdigest(),
    ]
    assert [i.alt_text for i in images] == ["Red sky over the dunes at dusk", "Pale hills at dawn"]

    page.get_by_role("link", name="View your artwork").click()
    expect(page.locator(".artwork-images img").first).to_have_attribute(
        "alt", "Red sky over the dunes at dusk"
    )


def test_bad_file_is_named_without_leaving_the_page_and_nothing_is_stored(page, artist, log_in):
    log_in(artist)
    page.goto("/upload/")
    page.set_input_files("#images", [_file("notes.png", b"just some text", "image/png")])
    page.get_by_label("Title").fill("Not really a picture")
    page.locator("label.label-choice", has_text="Human-made").click()
    page.evaluate("window.stillHere = true")
    page.get_by_role("button", name="Post", exact=True).click()

    errors = page.locator("#upload-errors")
    expect(errors).to_contain_text("Nothing was uploaded")
    expect(errors).to_contain_text("notes.png:")
    assert page.url.endswith("/upload/")
    assert page.evaluate("window.stillHere") is True
    expect(page.get_by_label("Title")).to_have_value("Not really a picture")
    assert not Artwork.objects.exists()
    assert not ArtworkImage.objects.exists()
    private = Path(settings.PRIVATE_MEDIA_ROOT)
    assert not private.exists() or not any(p.is_file() for p in private.rglob("*"))
