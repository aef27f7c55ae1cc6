"""An artwork's page in a real browser: the lightbox and the like button."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gallery.models import Like

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_lightbox_opens_pages_with_arrow_keys_and_returns_focus_on_escape(page, artist, publish):
    artwork = publish(artist, title="Tide tables", images=2)
    page.goto(artwork.get_absolute_url())
    lightbox = page.get_by_role("dialog", name="Image viewer")
    opener = page.get_by_role("button", name="Open image 1 of 2 full screen")
    expect(lightbox).to_be_hidden()

    page.locator(".artwork-images img").first.click()
    expect(lightbox).to_be_visible()
    expect(lightbox.get_by_role("button", name="Close")).to_be_focused()
    expect(lightbox.locator(".caption")).to_have_text("1 / 2 — Tide tables, image 1")
    expect(lightbox.locator("img")).to_have_attribute("alt", "Tide tables, image 1")
    assert lightbox.locator("img").evaluate("img => img.complete && img.naturalWidth > 0")

    page.keyboard.press("ArrowRight")
    expect(lightbox.locator(".caption")).to_have_text("2 / 2 — Tide tables, image 2")
    expect(lightbox.locator("img")).to_have_attribute("alt", "Tide tables, image 2")

    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()
    expect(opener).to_be_focused()


def test_like_button_toggles_and_counts_without_reloading(page, artist, viewer, publish, log_in):
    artwork = publish(artist, title="Kite over the marsh")
    log_in(viewer)
    page.goto(artwork.get_absolute_url())
    page.evaluate("window.notReloaded = true")
    like = page.locator(".actions form[hx-post$='/like/'] button")
    expect(like).to_have_text("♥ Like · 0")
    expect(like).to_have_attribute("aria-pressed", "false")

    like.click()
    expect(like).to_have_text("♥ Liked · 1")
    expect(like).to_have_attribute("aria-pressed", "true")
    assert Like.objects.filter(user=viewer, artwork=artwork).exists()

    like.click()
    expect(like).to_have_attribute("aria-pressed", "false")
    assert not Like.objects.filter(user=viewer, artwork=artwork).exists()
    artwork.refresh_from_db()
    assert artwork.like_count == 0
    expect(like).to_have_text("♥ Like · 0")
    assert page.evaluate("window.notReloaded") is True
