"""Mature work in a real browser: blurred behind a control that works by keyboard alone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gallery.models import Label

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's accessible text contains ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if name in (page.evaluate("document.activeElement.textContent") or ""):
            return
    raise AssertionError(f"never reached {name!r} by Tab")


def test_card_reveals_by_keyboard_and_focus_moves_to_the_card(page, artist, publish):
    publish(artist, title="Quiet harbour", label=Label.HUMAN)
    publish(artist, title="Bare figure", label=Label.HUMAN, mature=True)
    page.goto("/")
    card = page.locator("#grid li", has_text="Bare figure")
    expect(card).to_have_attribute("data-mature", "")
    image = card.locator("img")
    assert "blur" in image.evaluate("el => getComputedStyle(el).filter")
    # The blurred card's link is inert: Tab skips it and lands on the reveal control.
    control = card.get_by_role("button", name="Mature content — show “Bare figure”")
    expect(control).to_be_visible()

    _tab_to(page, "Mature content — show")
    expect(control).to_be_focused()
    page.keyboard.press("Enter")

    expect(card).not_to_have_attribute("data-mature", "")
    expect(control).to_have_count(0)
    assert image.evaluate("el => getComputedStyle(el).filter") == "none"
    # Focus moved to the uncovered card, whose image kept its alt text; no page load.
    expect(card.locator("a.art-card")).to_be_focused()
    expect(image).to_have_attribute("alt", "Bare figure, image 1")
    assert page.url.endswith("/")
    expect(page.locator("#grid li", has_text="Quiet harbour")).not_to_have_attribute(
        "data-mature", ""
    )


def test_artwork_page_reveals_with_space_and_then_opens_the_image(page, artist, publish):
    artwork = publish(artist, title="Bare figure", label=Label.HUMAN, mature=True)
    page.goto(artwork.get_absolute_url())
    control = page.get_by_role("button", name="Mature content — show “Bare figure”")
    _tab_to(page, "Mature content — show")
    expect(control).to_be_focused()
    page.keyboard.press("Space")
    expect(control).to_have_count(0)
    zoom = page.locator(".artwork-images button.zoom").first
    expect(zoom).to_be_focused()
    expect(zoom.locator("img")).to_have_attribute("alt", "Bare figure, image 1")
    page.keyboard.press("Enter")
    expect(page.locator(".lightbox")).to_be_visible()


def test_without_javascript_the_control_opens_the_revealed_page(
    browser, live_server, artist, publish
):
    artwork = publish(artist, title="Bare figure", label=Label.HUMAN, mature=True)
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/")
        page.get_by_role("link", name="Mature content — show “Bare figure”").click()
        page.wait_for_url(f"**{artwork.get_absolute_url()}?mature=show")
        expect(page.locator(".artwork-images")).not_to_have_attribute("data-mature", "")
        expect(page.locator(".artwork-images img").first).to_have_attribute(
            "alt", "Bare figure, image 1"
        )
    finally:
        context.close()
