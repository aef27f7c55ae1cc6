"""Artwork cards for listings, rendered once and kept in the cache.

Rendering 24 cards through the template engine was most of a listing page's CPU time (about
9 ms of 11; docs/performance.md). A card depends only on its artwork, so each one is cached under
a key that changes whenever what it shows changes: one ``get_many`` round trip per page.
"""

from __future__ import annotations

from django import template
from django.core.cache import cache
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from gallery import state

register = template.Library()

CARD_TTL = 600  # seconds; bounds how long an artist's renamed display name can lag

# The listing grid (static/css/atelier.css, "Grid of cards") measures heights in rows of one
# twentieth of a column's width, so a card's row count depends only on its image's shape. The
# shape is clamped so a panorama or a long strip stays a usable tile (the image is cropped to fit).
ROWS_PER_WIDTH = 20
MIN_ROWS, MAX_ROWS = 10, 40


def card_key(artwork, eager: bool) -> str:
    # updated_at moves on every edit, label change, publication and moderation status change;
    # likes move only like_count, and the artist's name is bounded by CARD_TTL. The badge's
    # own inputs are in the key too, so no write path can leave a stale badge behind.
    stamp = artwork.updated_at.timestamp() if artwork.updated_at else 0
    facts = state.Facts.of(artwork)
    flags = f"{facts.label_mismatch:d}{facts.held:d}{facts.relabeled:d}"
    shape = f"{facts.status}:{facts.label}:{flags}"
    return (
        f"card:v3:{artwork.pk}:{stamp}:{shape}:{artwork.like_count}:{artwork.cover_id}:{int(eager)}"
    )


@register.simple_tag
def artwork_badge(artwork) -> state.Badge:
    """The badge this artwork wears (gallery.state): ``{% artwork_badge artwork as badge %}``."""
    return state.badge(state.Facts.of(artwork))


@register.filter
def card_rows(image) -> int:
    """Grid rows a card spans: its image's height in twentieths of the column width, plus one
    row of gap below. An image without known dimensions (still processing) is a 4:3 tile."""
    width, height = (getattr(image, "width", None), getattr(image, "height", None))
    if not width or not height:
        width, height = 4, 3
    rows = round(ROWS_PER_WIDTH * height / width)
    return min(max(rows, MIN_ROWS), MAX_ROWS) + 1


@register.simple_tag
def artwork_cards(artworks, eager_first: int = 0) -> str:
    """The cards of ``artworks``; the first ``eager_first`` load their image eagerly."""
    artworks = list(artworks)
    keys = [card_key(a, i < eager_first) for i, a in enumerate(artworks)]
    found = cache.get_many(keys)
    missing: dict[str, str] = {}
    card = get_template("gallery/_card.html")
    parts = []
    for index, (artwork, key) in enumerate(zip(artworks, keys, strict=True)):
        html = found.get(key)
        if html is None:
            html = card.render({"artwork": artwork, "eager": index < eager_first})
            missing[key] = html
        parts.append(html)
    if missing:
        cache.set_many(missing, CARD_TTL)
    return mark_safe("".join(parts))  # noqa: S308 - rendered by our own autoescaping template
