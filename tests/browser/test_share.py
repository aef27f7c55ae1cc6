"""Share on the artwork page copies the link, says so, then reads "Share" again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import ArtworkFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_share_copies_the_link_and_its_label_comes_back(page, context, artist, live_server):
    artwork = ArtworkFactory(artist=artist, title="Harbour")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(artwork.get_absolute_url())
    button = page.locator("button[data-share]")
    expect(button).to_have_text("Share")
    button.click()
    expect(button).to_have_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()").endswith(artwork.get_absolute_url())
    expect(button).to_have_text("Share", timeout=6000)
    # A second click works the same way (the label it comes back to is still "Share").
    button.click()
    expect(button).to_have_text("Link copied")
    expect(button).to_have_text("Share", timeout=6000)
