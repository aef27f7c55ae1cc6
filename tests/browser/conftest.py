"""Real Chromium driven by Playwright against Django's live server.

Debian's chromium is used (Playwright's own browser download does not work everywhere):
``ATELIER_CHROMIUM`` points at another binary. pytest-playwright is not a dependency; the few
fixtures below are all these tests need.

The tests are transactional (the live server runs in another thread, and ``on_commit`` runs the
eager pipeline for real). They use ``serialized_rollback=True``: each starts with the data the
migrations made (the Moderators group) and its flush leaves no half-restored tables behind, so a
later serialized test can restore that data again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

import imaging
from gallery.demo import painting
from gallery.models import Artwork, ArtworkImage, Label, Medium
from gallery.services.upload import IncomingImage, artwork_create

CHROMIUM = os.environ.get("ATELIER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1366, "height": 900}
CSP_VIOLATION = re.compile(r"Content Security Policy|Refused to (load|apply|execute|connect)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "screenshots: writes docs/screenshots/ (runs only with ATELIER_SCREENSHOTS=1)"
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"No Chromium at {CHROMIUM}: install Debian's chromium or set ATELIER_CHROMIUM")
    # Playwright's sync API keeps an event loop running in this thread, which makes Django refuse
    # the ORM calls the tests make meanwhile; they are ordinary synchronous code.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ConsoleLog:
    """Console errors and uncaught exceptions of every page opened in one browser context."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def watch(self, page: Page) -> None:
        page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))

    def serious(self) -> list[str]:
        """CSP violations and uncaught exceptions: a bug on any page, in any test."""
        return [e for e in self.errors if CSP_VIOLATION.search(e) or e.startswith("uncaught:")]


@pytest.fixture
def console() -> ConsoleLog:
    return ConsoleLog()


@pytest.fixture
def context(browser, live_server, console) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=live_server.url, viewport=DESKTOP, locale="en-GB")
    context.set_default_timeout(10_000)
    context.on("page", console.watch)
    yield context
    context.close()
    assert console.serious() == [], "CSP violations or uncaught exceptions"


@pytest.fixture
def page(context) -> Page:
    return context.new_page()


def log_in_as(context: BrowserContext, base_url: str, user) -> None:
    """Sign a browser context in by session cookie, skipping the login form."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": base_url}])


@pytest.fixture
def log_in(context, live_server) -> Callable:
    """``log_in(user)`` signs the test's browser in (one test goes through the form itself)."""
    return lambda user: log_in_as(context, live_server.url, user)


def jpeg_upload(seed: int, size=(800, 600), name: str = "art.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, painting(seed, size), content_type="image/jpeg")


@pytest.fixture
def publish() -> Callable[..., Artwork]:
    """Post an artwork through the real upload service; the pipeline runs eagerly on commit."""

    def publish(artist, *, title: str, label: str = Label.HUMAN, images: int = 1, **extra):
        incoming = []
        for n in range(images):
            upload = jpeg_upload(seed=len(title) + n)
            probe = imaging.probe(upload, max_bytes=10**8, max_pixels=10**8, max_frames=1)
            upload.seek(0)
            incoming.append(
                IncomingImage(
                    file=upload,
                    probe=probe,
                    alt_text=f"{title}, image {n + 1}",
                    kind=ArtworkImage.Kind.FINAL,
                )
            )
        fields = {
            "description": "",
            "medium": Medium.DIGITAL_PAINTING,
            "tags": [],
            "ai_stages": ["reference"] if label == Label.ASSISTED else [],
            "ai_note": "",
            **extra,
        }
        artwork = artwork_create(artist=artist, title=title, label=label, images=incoming, **fields)
        artwork.refresh_from_db()
        assert artwork.status == Artwork.Status.PUBLISHED, artwork.status_reason
        return artwork

    return publish
