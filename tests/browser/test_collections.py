"""The artwork page's Save menu: htmx opens it in place, a click saves (twice: once), and
the same forms work without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from community.collections import collection_create
from community.models import CollectionItem
from tests.browser.conftest import log_in_as
from tests.factories import ArtworkFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_save_menu_saves_in_place(page, log_in, viewer, other_artist):
    artwork = ArtworkFactory(artist=other_artist, title="Harbour")
    collection = collection_create(owner=viewer, title="Boats")
    log_in(viewer)
    page.goto(artwork.get_absolute_url())
    page.get_by_role("link", name="Save", exact=True).click()
    menu = page.get_by_role("region", name="Save to a collection")
    expect(menu).to_be_visible()
    assert "/save/" not in page.url  # htmx swapped the menu in; the page stayed
    menu.get_by_role("button", name="Boats").click()
    expect(page.get_by_role("status")).to_contain_text("Saved to “Boats”")
    expect(menu.get_by_role("button", name="✓ Boats")).to_have_attribute("aria-pressed", "true")
    assert CollectionItem.objects.filter(collection=collection, artwork=artwork).count() == 1
    menu.get_by_role("button", name="✓ Boats").click()
    expect(page.get_by_role("status")).to_contain_text("Taken out of “Boats”")
    assert not CollectionItem.objects.filter(collection=collection).exists()


def test_save_works_without_javascript(browser, live_server, viewer, other_artist):
    artwork = ArtworkFactory(artist=other_artist, title="Harbour")
    collection = collection_create(owner=viewer, title="Boats")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        log_in_as(context, live_server.url, viewer)
        page = context.new_page()
        page.goto(artwork.get_absolute_url())
        page.get_by_role("link", name="Save", exact=True).click()
        assert page.url.endswith(f"/artworks/{artwork.pk}/save/")
        page.get_by_role("button", name="Boats").click()
        assert page.url.endswith(artwork.get_absolute_url())
        assert CollectionItem.objects.filter(collection=collection, artwork=artwork).exists()
    finally:
        context.close()
