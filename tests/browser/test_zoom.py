"""Zoom and pan in the lightbox (issue 17, item 5) in real Chromium: mouse wheel, drag, the
keyboard, and on a phone viewport a swipe to the next image and a pinch, driven through the
DevTools protocol's touch input so the page's own pointer handlers run."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from playwright.sync_api import expect

import imaging
from gallery.demo import painting
from gallery.models import Artwork, ArtworkImage, Label, Medium
from gallery.services.upload import IncomingImage, artwork_create

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# The transform the lightbox sets on its image, read as numbers.
TRANSFORM = """img => {
  const m = new DOMMatrix(getComputedStyle(img).transform === 'none' ? '' : img.style.transform);
  return {scale: m.a, tx: m.e, ty: m.f, source: img.getAttribute('data-source'),
          src: img.currentSrc, width: img.getBoundingClientRect().width};
}"""


def big_jpeg(size=(3200, 2000)) -> bytes:
    im = Image.merge(
        "RGB",
        (
            Image.linear_gradient("L").resize(size),
            Image.radial_gradient("L").resize(size),
            Image.effect_noise((size[0] // 16, size[1] // 16), 80).resize(size),
        ),
    )
    out = io.BytesIO()
    im.save(out, "JPEG", quality=85)
    return out.getvalue()


def publish_large(artist) -> Artwork:
    """A post of two images: a large one (zoom copy 3200 px wide) and a small one."""
    incoming = []
    for n, data in enumerate((big_jpeg(), painting(3, (800, 600)))):
        upload = SimpleUploadedFile(f"art{n}.jpg", data, content_type="image/jpeg")
        probe = imaging.probe(upload, max_bytes=10**8, max_pixels=10**8, max_frames=1)
        upload.seek(0)
        incoming.append(
            IncomingImage(file=upload, probe=probe, alt_text=f"Shore, image {n + 1}", kind="final")
        )
    artwork = artwork_create(
        artist=artist,
        title="Shore",
        label=Label.HUMAN,
        images=incoming,
        description="",
        medium=Medium.DIGITAL_PAINTING,
        tags=[],
        ai_stages=[],
        ai_note="",
    )
    artwork.refresh_from_db()
    assert artwork.status == Artwork.Status.PUBLISHED, artwork.status_reason
    assert artwork.images.filter(kind=ArtworkImage.Kind.FINAL).first().zoom_derivative
    return artwork


def open_lightbox(page, artwork):
    page.goto(artwork.get_absolute_url())
    page.locator(".artwork-images img").first.click()
    lightbox = page.get_by_role("dialog", name="Image viewer")
    expect(lightbox).to_be_visible()
    image = lightbox.locator("img")
    # Fitted once the full-size copy has loaded: its size is then fixed in pixels.
    expect(image).to_have_attribute("data-source", "full")
    page.wait_for_function(
        "() => { const i = document.querySelector('.lightbox img');"
        " return i.complete && i.naturalWidth > 0 && i.style.width !== ''; }"
    )
    return lightbox, image


def state(image) -> dict:
    return image.evaluate(TRANSFORM)


def centre(image) -> tuple[float, float]:
    box = image.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_zoom_and_pan_by_mouse_and_keyboard_load_the_zoom_copy(page, artist):
    artist.allow_zoom = True
    artist.save(update_fields=["allow_zoom"])
    artwork = publish_large(artist)
    zoom_copy = artwork.images.get(position=0, kind="final").zoom_derivative["name"]
    fetched = []
    page.on("request", lambda r: fetched.append(r.url))
    lightbox, image = open_lightbox(page, artwork)
    status = lightbox.get_by_role("status")
    caption = lightbox.locator(".caption")
    expect(caption).to_have_text("1 / 2 — Shore, image 1")
    expect(lightbox.get_by_role("button", name="Zoom out")).to_be_disabled()
    # Opening fetches the ordinary full-size copy only; the zoom copy waits for a zoom.
    assert not any(zoom_copy in url for url in fetched)
    start = state(image)
    assert start["scale"] == 1 and start["source"] == "full"

    # The mouse wheel zooms about the pointer, up to one image pixel per CSS pixel of the
    # 3200 px zoom copy, and the zoom copy replaces the full-size one.
    x, y = centre(image)
    page.mouse.move(x + 100, y + 50)
    page.mouse.wheel(0, -300)
    expect(image).to_have_attribute("data-source", "zoom")
    zoomed = state(image)
    fitted = start["width"]
    assert zoomed["scale"] == pytest.approx(3200 / fitted, rel=0.01)
    # The point under the pointer stayed put: the image moved away from it.
    assert zoomed["tx"] < 0 and zoomed["ty"] < 0
    assert zoom_copy in zoomed["src"]
    assert any(zoom_copy in url for url in fetched)
    expect(status).to_have_text(f"Zoom {round(zoomed['scale'] * 100)}%")
    expect(lightbox.get_by_role("button", name="Zoom in")).to_be_disabled()

    # Dragging with the mouse pans by as much as the pointer moved.
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 150, y - 60, steps=5)
    page.mouse.up()
    dragged = state(image)
    assert dragged["scale"] == zoomed["scale"]
    assert dragged["tx"] == pytest.approx(zoomed["tx"] - 150, abs=1)
    assert dragged["ty"] == pytest.approx(zoomed["ty"] - 60, abs=1)
    expect(lightbox).to_be_visible()  # a drag ending on the backdrop does not close it

    # The keyboard: 0 resets, + zooms in about the centre, arrows pan while zoomed...
    page.keyboard.press("0")
    assert state(image)["scale"] == 1
    expect(status).to_have_text("Zoom 100%")
    page.keyboard.press("+")
    keyed = state(image)
    assert keyed["scale"] == pytest.approx(1.5)
    assert keyed["tx"] == pytest.approx(0, abs=1) and keyed["ty"] == pytest.approx(0, abs=1)
    expect(status).to_have_text("Zoom 150%")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    panned = state(image)
    assert panned["tx"] == pytest.approx(keyed["tx"] - 80)
    assert panned["ty"] == pytest.approx(keyed["ty"] - 80)
    expect(caption).to_have_text("1 / 2 — Shore, image 1")
    page.keyboard.press("ArrowLeft")
    assert state(image)["tx"] == pytest.approx(keyed["tx"])
    # ...and change image when not zoomed.
    page.keyboard.press("-")
    assert state(image)["scale"] == 1
    page.keyboard.press("ArrowRight")
    expect(caption).to_have_text("2 / 2 — Shore, image 2")
    expect(image).to_have_attribute("data-source", "full")

    # The buttons do the same, and Reset puts it back.
    page.keyboard.press("ArrowLeft")
    expect(caption).to_have_text("1 / 2 — Shore, image 1")
    lightbox.get_by_role("button", name="Zoom in").click()
    assert state(image)["scale"] == pytest.approx(1.5)
    lightbox.get_by_role("button", name="Reset zoom").click()
    assert state(image)["scale"] == 1
    # A click on the image leaves the viewer open; a double click zooms in where it points;
    # the focus never left the dialog.
    image.click()
    expect(lightbox).to_be_visible()
    image.dblclick()
    expect(lightbox).to_be_visible()
    assert state(image)["scale"] == pytest.approx(2)
    assert page.evaluate("document.querySelector('.lightbox').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()


def test_without_the_artists_permission_zoom_stops_at_the_full_size_copy(page, artist):
    artwork = publish_large(artist)
    zoom_copy = artwork.images.get(position=0, kind="final").zoom_derivative["name"]
    fetched = []
    page.on("request", lambda r: fetched.append(r.url))
    lightbox, image = open_lightbox(page, artwork)
    assert "data-lightbox-zoom" not in page.content()
    fitted = state(image)["width"]

    x, y = centre(image)
    page.mouse.move(x, y)
    page.mouse.wheel(0, -600)
    zoomed = state(image)
    # The largest public copy (2048 px) at its natural size, and no request for the zoom copy.
    assert zoomed["scale"] == pytest.approx(2048 / fitted, rel=0.01)
    assert zoomed["source"] == "full"
    expect(lightbox.get_by_role("status")).to_have_text(f"Zoom {round(zoomed['scale'] * 100)}%")
    expect(lightbox.get_by_role("button", name="Zoom in")).to_be_disabled()
    page.wait_for_timeout(300)
    assert not any(zoom_copy.rsplit("/", 1)[-1] in url for url in fetched)


def touch(cdp, kind: str, points: list[tuple[float, float]]) -> None:
    cdp.send(
        "Input.dispatchTouchEvent",
        {
            "type": kind,
            "touchPoints": [{"x": x, "y": y, "id": n} for n, (x, y) in enumerate(points)],
        },
    )


def test_phone_swipe_changes_image_and_pinch_zooms(browser, live_server, artist, console):
    artist.allow_zoom = True
    artist.save(update_fields=["allow_zoom"])
    artwork = publish_large(artist)
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **PHONE)
    context.set_default_timeout(10_000)
    context.on("page", console.watch)
    page = context.new_page()
    try:
        page.goto(artwork.get_absolute_url())
        page.locator(".artwork-images img").first.tap()
        lightbox = page.get_by_role("dialog", name="Image viewer")
        image = lightbox.locator("img")
        caption = lightbox.locator(".caption")
        expect(caption).to_have_text("1 / 2 — Shore, image 1")
        page.wait_for_function("() => document.querySelector('.lightbox img').style.width !== ''")
        cdp = context.new_cdp_session(page)
        x, y = centre(image)

        # A finger swiping left over the unzoomed image brings the next one.
        touch(cdp, "touchStart", [(x + 80, y)])
        for step in range(1, 6):
            touch(cdp, "touchMove", [(x + 80 - step * 30, y + step)])
        touch(cdp, "touchEnd", [])
        expect(caption).to_have_text("2 / 2 — Shore, image 2")
        # And right, back to the first.
        touch(cdp, "touchStart", [(x - 80, y)])
        for step in range(1, 6):
            touch(cdp, "touchMove", [(x - 80 + step * 30, y)])
        touch(cdp, "touchEnd", [])
        expect(caption).to_have_text("1 / 2 — Shore, image 1")
        page.wait_for_function("() => document.querySelector('.lightbox img').style.width !== ''")
        assert state(image)["scale"] == 1

        # Two fingers moving apart zoom in, about their midpoint: past what the 2048 px copy
        # holds, so the zoom copy comes in.
        touch(cdp, "touchStart", [(x - 20, y), (x + 20, y)])
        for step in range(1, 6):
            touch(cdp, "touchMove", [(x - 20 - step * 20, y), (x + 20 + step * 20, y)])
        touch(cdp, "touchEnd", [])
        pinched = state(image)
        assert pinched["scale"] == pytest.approx(240 / 40, rel=0.02)
        assert pinched["tx"] == pytest.approx(0, abs=2)
        expect(lightbox.get_by_role("status")).to_have_text(
            f"Zoom {round(pinched['scale'] * 100)}%"
        )
        expect(image).to_have_attribute("data-source", "zoom")

        # Zoomed, one finger pans instead of changing image.
        touch(cdp, "touchStart", [(x, y)])
        for step in range(1, 6):
            touch(cdp, "touchMove", [(x - step * 20, y)])
        touch(cdp, "touchEnd", [])
        panned = state(image)
        assert panned["tx"] == pytest.approx(pinched["tx"] - 100, abs=1)
        expect(caption).to_have_text("1 / 2 — Shore, image 1")
        # The controls fit the phone's width, clear of the close button.
        controls = lightbox.locator(".zoom-controls").bounding_box()
        close = lightbox.get_by_role("button", name="Close").bounding_box()
        assert controls["x"] >= 0 and controls["x"] + controls["width"] <= 390
        assert controls["y"] > close["y"] + close["height"]
        assert re.match(r"^Zoom \d+%$", lightbox.get_by_role("status").inner_text())
    finally:
        context.close()
    assert console.serious() == []
