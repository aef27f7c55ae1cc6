"""Screenshots of the main pages for docs/screenshots/, from the demo content.

Skipped unless ``ATELIER_SCREENSHOTS=1``::

    ATELIER_SCREENSHOTS=1 .venv/bin/pytest tests/browser/test_screenshots.py -q

The main pages of issue 13's list (listings, artwork, sign-up and login, upload, processing,
edit, settings, notifications, report, and the moderators' queue, case, audit log, dashboard and
transparency page), each opened by the member who would open it, are taken full-page in light
and dark, at desktop (1366 px) and phone (390 px) widths.
The PNGs are reduced to a 256-colour palette so they stay small enough to keep in the repository.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from accounts.models import User
from gallery.demo import demo_load, painting
from gallery.models import Artwork, ArtworkImage, Label
from moderation.models import Case
from moderation.services.decisions import case_decide
from moderation.services.flags import flag_create
from moderation.services.reports import reports_build_current
from tests.browser.conftest import DESKTOP, log_in_as

pytestmark = [
    pytest.mark.screenshots,
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        os.environ.get("ATELIER_SCREENSHOTS") != "1", reason="set ATELIER_SCREENSHOTS=1"
    ),
]

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
SIZES = {
    "desktop": {"viewport": DESKTOP},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
MAX_BYTES = 300_000


def _save(png: bytes, path: Path) -> None:
    """A dithered 256-colour PNG; a page too long for the size budget keeps only its top."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    while True:
        palette = image.quantize(256, method=Image.Quantize.MEDIANCUT)
        out = io.BytesIO()
        image.quantize(palette=palette, dither=Image.Dither.FLOYDSTEINBERG).save(
            out, "PNG", optimize=True
        )
        if out.tell() <= MAX_BYTES:
            break
        image = image.crop((0, 0, image.width, image.height * 5 // 6))
    path.write_bytes(out.getvalue())


def _shoot(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    viewport = page.viewport_size
    if viewport["width"] >= DESKTOP["width"]:
        _settle(page)
        png = page.screenshot(full_page=True, animations="disabled", caret="initial")
    else:
        # Playwright's full-page capture resets a phone's touch emulation for a moment, which
        # hides the card captions that ``(hover: none)`` shows: grow the viewport instead.
        height = page.evaluate("document.documentElement.scrollHeight")
        page.set_viewport_size({"width": viewport["width"], "height": height})
        _settle(page)
        png = page.screenshot(animations="disabled", caret="initial")
        page.set_viewport_size(viewport)
    _save(png, OUT / name)


def _settle(page) -> None:
    """Scroll through the page so lazy images load, then wait for them and the fonts."""
    for _ in range(0, page.evaluate("document.documentElement.scrollHeight"), 600):
        page.mouse.wheel(0, 600)
    page.wait_for_load_state("networkidle")
    page.evaluate("window.scrollTo({top: 0, behavior: 'instant'})")
    page.wait_for_function("() => window.scrollY === 0")
    page.wait_for_function("() => [...document.images].every(i => i.complete)")
    page.evaluate("document.fonts.ready")


def test_screenshots(browser, live_server):
    demo_load()
    OUT.mkdir(parents=True, exist_ok=True)
    people = {h: User.objects.get(handle=h) for h in ("rafa", "mira", "viewer", "moderator")}
    rafa, mira = people["rafa"], people["mira"]
    assisted = Artwork.objects.filter(artist=rafa, label=Label.ASSISTED).order_by("pk").first()
    # Something in the audit log and in mira's notifications: a report a moderator acted on.
    reported, other = Artwork.objects.filter(artist=mira).order_by("pk")[:2]
    case = flag_create(reporter=people["viewer"], artwork=reported, reason="undisclosed-ai").case
    case_decide(
        moderator=people["moderator"], case_id=case.pk, action="hide", reason="Looks generated."
    )
    reports_build_current()
    night = Case.objects.filter(artwork__title="Night market").order_by("pk").first()
    pages = [
        ("home", None, "/"),
        ("artist", None, "/@rafa/"),
        ("artwork", None, assisted.get_absolute_url()),
        ("tag", None, "/tags/sea/"),
        ("search", None, "/search/?q=harbour"),
        ("login", None, "/accounts/login/"),
        ("signup", None, "/accounts/signup/"),
        ("transparency", None, "/transparency/"),
        ("report", "viewer", f"/moderation/report/{other.pk}/"),
        ("notifications", "mira", "/notifications/"),
        ("queue", "moderator", "/moderation/"),
        ("case", "moderator", f"/moderation/cases/{night.pk}/"),
        ("audit", "moderator", "/moderation/audit/"),
        ("dashboard", "moderator", "/moderation/dashboard/"),
        ("edit", "rafa", f"/artworks/{assisted.pk}/edit/"),
        ("settings", "rafa", "/settings/profile/"),
    ]
    for size, options in SIZES.items():
        for scheme in ("light", "dark"):
            context = browser.new_context(
                base_url=live_server.url, color_scheme=scheme, locale="en-GB", **options
            )
            try:
                suffix = f"{size}-{scheme}.png"
                page = context.new_page()
                for name, who, url in pages:
                    context.clear_cookies()
                    if who:
                        log_in_as(context, live_server.url, people[who])
                    page.goto(url)
                    _shoot(page, f"{name}-{suffix}")
                _shoot_upload_and_processing(context, page, live_server.url, suffix, rafa, assisted)
            finally:
                context.close()


def _shoot_upload_and_processing(context, page, base_url: str, suffix: str, rafa, assisted):
    context.clear_cookies()
    log_in_as(context, base_url, rafa)
    page.goto("/upload/")
    files = [
        {"name": f"harbour-{n}.jpg", "mimeType": "image/jpeg", "buffer": painting(n, (800, 600))}
        for n in (3, 7)
    ]
    page.set_input_files("#images", files)
    page.get_by_label("Alt text for harbour-3.jpg").fill("Boats asleep in a grey harbour")
    page.get_by_label("Title").fill("Harbour, early")
    page.locator("label.label-choice", has_text="AI-assisted").click()
    page.get_by_label("Ideation or reference").check()
    _shoot(page, f"upload-{suffix}")

    # The processing page as the artist first sees it, before the worker is done.
    Artwork.objects.filter(pk=assisted.pk).update(status=Artwork.Status.PROCESSING)
    ArtworkImage.objects.filter(artwork=assisted).update(state=ArtworkImage.State.PROCESSING)
    try:
        page.goto(f"/artworks/{assisted.pk}/status/")
        _shoot(page, f"processing-{suffix}")
    finally:
        Artwork.objects.filter(pk=assisted.pk).update(status=Artwork.Status.PUBLISHED)
        ArtworkImage.objects.filter(artwork=assisted).update(state=ArtworkImage.State.READY)
