"""The edit page's Images section in a real browser: drag to reorder, the buttons, the cover."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from gallery.models import ArtworkImage
from tests.factories import ArtworkFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _post_with_two_images(artist):
    artwork = ArtworkFactory(artist=artist, title="Pair")
    ArtworkImage.objects.create(
        artwork=artwork, kind="final", position=1, derivative_key=f"second{artwork.pk}",
        original="originals/test/second.jpg", format="JPEG", bytes=100, sha256="1" * 64,
        width=640, height=480, state="ready", placeholder="#663399",
        derivatives=[{"name": f"art/second{artwork.pk}/320.jpg", "width": 320, "height": 240,
                      "format": "jpeg"}],
    )  # fmt: skip
    return artwork


def _order(artwork) -> list[int]:
    return list(
        artwork.images.filter(kind="final").order_by("position").values_list("pk", flat=True)
    )


def test_dragging_a_row_reorders_the_images(page, artist, log_in):
    artwork = _post_with_two_images(artist)
    first, second = _order(artwork)
    log_in(artist)
    page.goto(f"/artworks/{artwork.pk}/edit/")
    page.locator(f"#image-{second}").drag_to(page.locator(f"#image-{first}"))
    # The drop posts the new order; the server's page comes back scrolled to the images.
    expect(page).to_have_url(re.compile(r"/edit/#images$"))
    expect(page.locator("ol[data-reorder=final] li").first).to_have_id(f"image-{second}")
    assert _order(artwork) == [second, first]


def test_the_down_button_and_make_cover_work_by_keyboard(page, artist, log_in):
    artwork = _post_with_two_images(artist)
    first, second = _order(artwork)
    log_in(artist)
    page.goto(f"/artworks/{artwork.pk}/edit/")
    down = page.get_by_role("button", name="Move image 1 down")
    down.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/edit/#images$"))
    expect(page.locator("ol[data-reorder=final] li").first).to_have_id(f"image-{second}")
    assert _order(artwork) == [second, first]
    page.locator(f"#image-{second}").get_by_role("button", name="Make cover").click()
    expect(page.locator("body")).to_contain_text("The cover is changed.")
    artwork.refresh_from_db()
    assert artwork.cover_id == second
