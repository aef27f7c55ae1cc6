"""The upload picker by keyboard only (issue 13, item 8): Tab reaches "Choose images", which
shows a focus ring, and Enter or Space opens the file chooser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from gallery.demo import painting
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, log_in_as

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _tab_to(page, selector: str, limit: int = 40) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    pytest.fail(f"Tab never reached {selector}")


@pytest.fixture
def lone_page(browser, live_server, artist):
    """A page alone in a browser of its own, signed in as the artist.

    Chromium opens a file chooser only for the focused window. In the shared browser an
    earlier test's window may still hold focus (as another app's window would for a person),
    and ``bring_to_front`` did not always win it back on CI; a browser with one window does.
    """
    own = browser.browser_type.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        context = own.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-GB")
        context.set_default_timeout(10_000)
        log_in_as(context, live_server.url, artist)
        yield context.new_page()
    finally:
        own.close()


def _next_chooser(page, choosers: list, seen: int, timeout_ms: int = 30_000):
    """The file chooser after the first ``seen``, once Chromium reports it."""
    for _ in range(timeout_ms // 100):
        if len(choosers) > seen:
            return choosers[seen]
        page.wait_for_timeout(100)
    pytest.fail(f"no file chooser opened (saw {seen})")


def test_choose_images_by_keyboard_shows_a_ring_and_opens_the_chooser(lone_page):
    page = lone_page
    # One listener for the whole test, added before the page loads. Playwright asks Chromium to
    # intercept file choosers only while a listener exists, and it asks without waiting for the
    # answer: a listener added just before the key press (``expect_file_chooser``) could lose
    # that race on a busy machine, and the chooser then opened unseen (CI did, twice).
    choosers: list = []
    page.on("filechooser", lambda chooser: choosers.append(chooser))
    page.goto("/upload/")
    label = page.locator("label[for=images]")
    expect(label).to_have_css("outline-style", "none")

    _tab_to(page, "#images")
    expect(label).to_have_css("outline-style", "solid")
    expect(label).to_have_css("outline-width", "3px")
    expect(label).to_be_in_viewport()
    # Chromium keeps one file chooser per page: each is answered before the next key (the
    # first with no file, as a person who closes the dialog), or the second never opens.
    for seen, (key, files) in enumerate(
        (
            ("Enter", []),
            (
                " ",
                [{"name": "dawn.jpg", "mimeType": "image/jpeg", "buffer": painting(1, (300, 200))}],
            ),
        )
    ):
        expect(page.locator("#images")).to_be_focused()
        page.keyboard.press(key)
        chooser = _next_chooser(page, choosers, seen)
        assert chooser.is_multiple()
        chooser.set_files(files)
    expect(page.locator("[data-file-list] li")).to_have_count(1)
    expect(page.get_by_label("Alt text for dawn.jpg")).to_be_visible()

    # The ring follows focus: Tab onwards (to the alt text field) takes it away.
    page.keyboard.press("Tab")
    expect(label).to_have_css("outline-style", "none")
