"""Listings in a real browser: the label filter, its cookie and the skip link."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gallery.models import Label

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_anonymous_label_filter_auto_submits_and_persists_in_a_cookie(
    page, context, artist, publish
):
    publish(artist, title="Hand-inked harbour", label=Label.HUMAN)
    publish(artist, title="Prompted nebula", label=Label.GENERATED)
    cards = page.locator("#grid .art-card")

    page.goto("/")
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Hand-inked harbour")
    expect(page.locator("#grid .badge-ai-generated")).to_have_count(0)
    # The script hides the Apply button: changing the select is enough.
    expect(page.locator(".filter-bar button[type=submit]")).to_be_hidden()

    with page.expect_navigation():
        page.get_by_label("Show").select_option(label="Everything, including AI-generated")
    expect(cards).to_have_count(2)
    expect(page.locator("#grid .badge-ai-generated")).to_contain_text("AI-generated")
    assert {c["name"]: c["value"] for c in context.cookies()}["atelier_feed"] == "all"

    page.reload()
    expect(cards).to_have_count(2)
    expect(page.get_by_label("Show")).to_have_value("all")


def test_tab_from_the_top_reaches_the_skip_link_which_moves_focus_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to content")
    expect(focused).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    # The next Tab continues from the main content, not from the header.
    page.keyboard.press("Tab")
    assert page.evaluate("document.querySelector('main').contains(document.activeElement)")


def test_the_label_filter_by_keyboard_browses_with_arrows_and_applies_with_enter(
    page, artist, publish
):
    publish(artist, title="Hand-inked harbour", label=Label.HUMAN)
    publish(artist, title="Prompted nebula", label=Label.GENERATED)
    page.goto("/")
    loads = []
    page.on("load", lambda _: loads.append(1))
    select = page.get_by_label("Show")
    select.focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(500)
    assert loads == [], "an arrow key reloaded the page"
    expect(page.locator(".filter-bar button[type=submit]")).to_be_visible()
    expect(page.locator("#grid .art-card")).to_have_count(1)
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(select).to_have_value("all")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#grid .art-card")).to_have_count(2)
