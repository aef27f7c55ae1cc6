"""The listing grid in a real browser: reading order, fixed positions under infinite scroll,
columns by width, and each card's shape reserved before its image loads (issue 13, item 7)."""

from __future__ import annotations

from itertools import pairwise

import pytest
from playwright.sync_api import expect

from gallery.models import ArtworkImage
from gallery.selectors import PAGE_SIZE
from tests.factories import ArtworkFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.xdist_group("browser"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Portrait, landscape, square, tall and wide covers, in an order that leaves columns uneven.
SHAPES = [(600, 800), (800, 600), (700, 700), (500, 1000), (1200, 500), (640, 480), (900, 1200)]
CARDS = "#grid > li:not(.load-more-item)"
BOXES = f"""() => [...document.querySelectorAll({CARDS!r})].map(li => {{
    const r = li.querySelector('.art-card').getBoundingClientRect();
    return {{title: li.querySelector('.title').textContent, x: r.left + scrollX,
             y: r.top + scrollY, w: r.width, h: r.height}};
}})"""


@pytest.fixture
def many_artworks(artist):
    """Two pages and a bit of published artworks whose covers have assorted shapes."""
    artworks = ArtworkFactory.create_batch(PAGE_SIZE + 6, artist=artist)
    for n, artwork in enumerate(artworks):
        width, height = SHAPES[n % len(SHAPES)]
        ArtworkImage.objects.filter(pk=artwork.cover_id).update(width=width, height=height)
    return artworks


def _assert_reading_order(boxes: list[dict]) -> None:
    """Each card starts lower than the one before it, or level with it and to its right."""
    for before, after in pairwise(boxes):
        level = abs(after["y"] - before["y"]) < 1
        assert (level and after["x"] > before["x"]) or after["y"] > before["y"] + 1, (
            before,
            after,
        )


def test_infinite_scroll_appends_below_without_moving_a_card(page, many_artworks):
    page.goto("/")
    cards = page.locator(CARDS)
    expect(cards).to_have_count(PAGE_SIZE)
    first_page = page.evaluate(BOXES)
    # Newest first, left to right along the top row (CSS columns ran them down column 1).
    assert [b["title"] for b in first_page[:4]] == [a.title for a in many_artworks[::-1][:4]]
    assert len({round(b["y"]) for b in first_page[:4]}) == 1
    _assert_reading_order(first_page)

    page.locator("#load-more").scroll_into_view_if_needed()
    expect(cards).to_have_count(PAGE_SIZE + 6)
    expect(page.locator("#load-more")).to_have_count(0)
    both_pages = page.evaluate(BOXES)
    for before, after in zip(first_page, both_pages, strict=False):
        assert after["title"] == before["title"]
        for key in "xywh":
            assert after[key] == pytest.approx(before[key], abs=0.5), (before, after)
    lowest_before = max(b["y"] for b in first_page)
    assert all(b["y"] >= lowest_before for b in both_pages[PAGE_SIZE:])
    _assert_reading_order(both_pages)


def test_cards_reserve_their_image_shape_and_columns_follow_the_width(page, many_artworks):
    page.goto("/")
    boxes = page.evaluate(BOXES)
    assert len({round(b["x"]) for b in boxes}) == 4
    for box, artwork in zip(boxes, many_artworks[::-1], strict=False):
        image = ArtworkImage.objects.get(pk=artwork.cover_id)
        # Twentieths of the width, clamped between 1:2 and 2:1 (gallery_cards.card_rows).
        ratio = min(max(image.height / image.width, 0.5), 2.0)
        assert box["h"] / box["w"] == pytest.approx(ratio, abs=0.05), box

    page.set_viewport_size({"width": 390, "height": 844})
    phone = page.evaluate(BOXES)
    assert len({round(b["x"]) for b in phone}) == 2
    _assert_reading_order(phone)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
