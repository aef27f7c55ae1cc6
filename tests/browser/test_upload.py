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


# Posting runs the whole pipeline eagerly in the live server: on a busy two-core machine that
# takes longer than expect()'s default 5 seconds.
POSTED = 30_000


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

    expect(page).to_have_url(re.compile(r"/artworks/\d+/status/$"), timeout=POSTED)
    expect(page.locator("#status")).to_contain_text("Published.", timeout=POSTED)
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


def _fill_post(page, *, title: str = "Harbour at night", label: str = "Human-made") -> None:
    page.get_by_label("Title").fill(title)
    page.get_by_label("Medium").select_option("digital-painting")
    if label:
        page.locator("label.label-choice", has_text=label).click()


def _count_upload_posts(page) -> list:
    """Every POST the page sends to the upload view, to prove what never left the browser."""
    sent: list = []
    page.on("request", lambda r: r.method == "POST" and "/upload/" in r.url and sent.append(r))
    return sent


def test_double_click_on_post_makes_one_post(page, artist, log_in):
    log_in(artist)
    page.goto("/upload/")
    page.set_input_files("#images", [_file("night.jpg", painting(3, (600, 400)))])
    _fill_post(page)
    sent = _count_upload_posts(page)
    page.get_by_role("button", name="Post", exact=True).dblclick()

    expect(page).to_have_url(re.compile(r"/artworks/\d+/status/$"), timeout=POSTED)
    expect(page.locator("#status")).to_contain_text("Published.", timeout=POSTED)
    assert len(sent) == 1
    assert Artwork.objects.filter(artist=artist).count() == 1


def test_back_after_posting_says_already_posted_and_posts_nothing_more(page, artist, log_in):
    log_in(artist)
    page.goto("/upload/")
    page.set_input_files("#images", [_file("night.jpg", painting(4, (600, 400)))])
    _fill_post(page)
    page.get_by_role("button", name="Post", exact=True).click()
    expect(page).to_have_url(re.compile(r"/artworks/\d+/status/$"), timeout=POSTED)
    status_url = page.url
    artwork = Artwork.objects.get(artist=artist)

    page.go_back()
    expect(page).to_have_url(re.compile(r"/upload/$"))
    notice = page.locator("[data-already-posted]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("You already posted this form")
    expect(notice.get_by_role("link", name="See that post")).to_have_attribute("href", status_url)
    expect(page.get_by_role("button", name="Post", exact=True)).to_be_disabled()
    # Pressing it anyway, or submitting by Enter, sends nothing.
    sent = _count_upload_posts(page)
    page.get_by_role("button", name="Post", exact=True).click(force=True)
    page.get_by_label("Title").press("Enter")
    page.wait_for_timeout(300)
    assert sent == []
    assert list(Artwork.objects.filter(artist=artist)) == [artwork]

    notice.get_by_role("link", name="See that post").click()
    expect(page).to_have_url(status_url)


def test_images_chosen_in_two_batches_are_all_listed_and_posted(page, artist, log_in):
    first, second, third = (painting(n, (500, 400)) for n in (5, 6, 7))
    log_in(artist)
    page.goto("/upload/")
    page.set_input_files("#images", [_file("one.jpg", first), _file("two.jpg", second)])
    page.set_input_files("#images", [_file("three.jpg", third)])
    rows = page.locator("[data-file-list] li")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Cover · one.jpg")
    expect(rows.nth(2)).to_contain_text("three.jpg")
    _fill_post(page)
    page.get_by_role("button", name="Post", exact=True).click()

    expect(page).to_have_url(re.compile(r"/artworks/\d+/status/$"), timeout=POSTED)
    images = ArtworkImage.objects.filter(artwork__artist=artist).order_by("position")
    assert [i.sha256 for i in images] == [
        hashlib.sha256(data).hexdigest() for data in (first, second, third)
    ]


@pytest.mark.parametrize(
    ("label", "field", "message"),
    [
        ("AI-assisted", "ai_stages", "Tick at least one step where AI was used."),
        ("", "label", "This field is required."),
    ],
    ids=["ai-assisted-without-a-step", "no-label"],
)
def test_label_errors_appear_beside_the_field_below_the_header(
    page, artist, log_in, label, field, message
):
    page.set_viewport_size({"width": 1366, "height": 600})
    log_in(artist)
    page.goto("/upload/")
    page.set_input_files("#images", [_file("night.jpg", painting(8, (600, 400)))])
    _fill_post(page, label=label)
    # Start from the bottom of the page, so showing the error means scrolling up to it.
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    page.get_by_role("button", name="Post", exact=True).click()

    box = page.locator(f'[data-field="{field}"]')
    expect(box.locator(".errors")).to_have_text(message)
    expect(box).to_have_class(re.compile(r"\bfield-invalid\b"))
    # Focus moved into the field in error, and the field is not under the sticky header.
    assert page.evaluate(f"!!document.activeElement.closest('[data-field=\"{field}\"]')")
    header = page.locator(".site-header").bounding_box()
    shown = box.bounding_box()
    assert shown["y"] >= header["y"] + header["height"]
    assert not Artwork.objects.exists()


def test_oversized_image_is_refused_in_the_browser_before_any_upload(
    page, artist, log_in, settings
):
    settings.ATELIER_MAX_UPLOAD_BYTES = 100 * 1024
    log_in(artist)
    page.goto("/upload/")
    sent = _count_upload_posts(page)
    big = painting(9, (400, 300)) + b"\x00" * (150 * 1024)
    page.set_input_files(
        "#images", [_file("huge.jpg", big), _file("fine.jpg", painting(10, (400, 300)))]
    )
    errors = page.locator('[data-field="images"] .errors')
    expect(errors).to_contain_text("huge.jpg: is")
    expect(errors).to_contain_text("over the 100 KB limit")
    rows = page.locator("[data-file-list] li")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("fine.jpg")

    page.set_input_files("#process_images", [_file("layers.png", b"x" * 1000, "text/plain")])
    expect(page.locator('[data-field="process_images"] .errors')).to_contain_text(
        "layers.png: is not a JPEG, PNG, WebP or GIF image"
    )
    assert page.evaluate("document.querySelector('#process_images').files.length") == 0
    assert sent == []
    assert not Artwork.objects.exists()


def test_save_as_draft_through_the_script_keeps_an_unlisted_draft(page, artist, log_in):
    log_in(artist)
    page.goto("/upload/")
    page.set_input_files("#images", [_file("study.jpg", painting(3, (600, 400)))])
    page.get_by_label("Title").fill("Quiet study")
    page.locator("label.label-choice", has_text="Human-made").click()
    page.get_by_label("Unlisted: only people with the link").check()
    page.get_by_role("button", name="Save as draft").click()

    expect(page).to_have_url(re.compile(r"/artworks/\d+/status/$"), timeout=POSTED)
    expect(page.locator("#status")).to_contain_text("Saved as a draft.", timeout=POSTED)
    artwork = Artwork.objects.get(artist=artist)
    assert artwork.status == Artwork.Status.DRAFT and artwork.is_unlisted

    page.get_by_role("button", name="Publish now").click()
    expect(page.locator("body")).to_contain_text("Published.")
    artwork.refresh_from_db()
    assert artwork.status == Artwork.Status.PUBLISHED and artwork.is_unlisted
