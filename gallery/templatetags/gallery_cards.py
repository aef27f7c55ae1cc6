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

from accounts.models import MaturePreference
from gallery import state

register = template.Library()

CARD_TTL = 600  # seconds; bounds how long an artist's renamed display name can lag

# The listing grid (static/css/atelier.css, "Grid of cards") measures heights in rows of one
# twentieth of a column's width, so a card's row count depends only on its image's shape. The
# shape is clamped so a panorama or a long strip stays a usable tile (the image is cropped to fit).
ROWS_PER_WIDTH = 20
MIN_ROWS, MAX_ROWS = 10, 40


def card_key(artwork, eager: bool, blurred: bool = False) -> str:
    # updated_at moves on every edit, label change, publication and moderation status change;
    # likes and comments move only their counts, and the artist's name is bounded by CARD_TTL.
    # The badge's own inputs are in the key too, so no write path can leave a stale badge.
    stamp = artwork.updated_at.timestamp() if artwork.updated_at else 0
    facts = state.Facts.of(artwork)
    flags = f"{facts.label_mismatch:d}{facts.held:d}{facts.relabeled:d}"
    shape = f"{facts.status}:{facts.label}:{flags}"
    # The mature flag is in the shape, and whether this viewer gets the card blurred beside
    # ``eager``: one artwork has a plain and a blurred card.
    return (
        f"card:v5:{artwork.pk}:{stamp}:{shape}:{facts.mature:d}:{artwork.like_count}:"
        f"{artwork.comment_count}:{artwork.cover_id}:{int(eager)}{int(blurred)}"
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


def card_blurred(artwork, *, viewer_id: int | None, mature_preference: str) -> bool:
    """Whether this viewer's card of ``artwork`` in a listing is blurred (gallery.state)."""
    if not artwork.mature:
        return False
    role = state.Role.OWNER if viewer_id == artwork.artist_id else state.Role.MEMBER
    treatment = state.mature_treatment(
        state.Facts.of(artwork),
        surface=state.Surface.FEED,
        role=role,
        mature_preference=mature_preference,
    )
    return treatment == state.MatureTreatment.BLURRED


def _viewer(context) -> tuple[int | None, str]:
    # Views put ``mature_preference`` in the context; a page that does not is blurred (the
    # default preference), never shown plainly by omission.
    request = context.get("request")
    user = getattr(request, "user", None)
    viewer_id = user.pk if user is not None and user.is_authenticated else None
    return viewer_id, context.get("mature_preference") or MaturePreference.BLUR


@register.simple_tag(takes_context=True)
def artwork_cards(context, artworks, eager_first: int = 0) -> str:
    """The cards of ``artworks``; the first ``eager_first`` load their image eagerly. Mature
    work is blurred for viewers who have not opted in (``card_blurred``)."""
    artworks = list(artworks)
    viewer_id, mature = _viewer(context)
    blurred = [card_blurred(a, viewer_id=viewer_id, mature_preference=mature) for a in artworks]
    keys = [card_key(a, i < eager_first, blurred[i]) for i, a in enumerate(artworks)]
    found = cache.get_many(keys)
    missing: dict[str, str] = {}
    card = get_template("gallery/_card.html")
    parts = []
    for index, (artwork, key) in enumerate(zip(artworks, keys, strict=True)):
        html = found.get(key)
        if html is None:
            html = card.render(
                {"artwork": artwork, "eager": index < eager_first, "blurred": blurred[index]}
            )
            missing[key] = html
        parts.append(html)
    if missing:
        cache.set_many(missing, CARD_TTL)
    return mark_safe("".join(parts))  # noqa: S308 - rendered by our own autoescaping template
