"""The portfolio page by keyboard alone (issue 17 item 4): every control is a button in a
plain form, so Tab and Enter pin, reorder and file works with no script involved; the artist
page then shows them in that order. Runs with JavaScript off to prove it needs none."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gallery.models import PortfolioSection
from gallery.services import portfolio as services
from tests.browser.conftest import DESKTOP, log_in_as

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _press(page, name: str) -> None:
    """Focus the button by Tab (as a keyboard user would reach it), then press Enter."""
    button = page.get_by_role("button", name=name, exact=True)
    for _ in range(200):
        page.keyboard.press("Tab")
        if button.evaluate("b => b === document.activeElement"):
            with page.expect_navigation():  # the POST, then the redirect back to the page
                page.keyboard.press("Enter")
            return
    pytest.fail(f"Tab never reached {name!r}")


def test_pin_reorder_and_file_works_by_keyboard_without_javascript(
    browser, live_server, artist, publish
):
    first = publish(artist, title="First light")
    second = publish(artist, title="Second wind")
    services.section_create(artist=artist, title="Sea")
    context = browser.new_context(
        base_url=live_server.url, viewport=DESKTOP, locale="en-GB", java_script_enabled=False
    )
    try:
        log_in_as(context, live_server.url, artist)
        page = context.new_page()
        page.goto("/portfolio/")
        _press(page, "Pin First light")
        expect(page.get_by_role("status")).to_contain_text("Pinned.")
        _press(page, "Pin Second wind")
        _press(page, "Move Second wind up")
        assert services.pins_of(artist) == [second.pk, first.pk]
        _press(page, "Add First light to the chosen section")
        section = PortfolioSection.objects.get()
        assert services.section_works_of(section) == [first.pk]
        page.goto(f"/@{artist.handle}/")
        pinned = page.locator(".portfolio-pinned .title")
        expect(pinned).to_have_text(["Second wind", "First light"])
        expect(page.locator(".portfolio-section h2")).to_have_text("Sea")
    finally:
        context.close()
