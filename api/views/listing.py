"""Artwork listings for the API: gallery's own selectors, label filter and keyset pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.text import slugify
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import FeedPreference
from api.serializers import ArtworkCardSerializer
from api.views.common import next_url
from config import cursors
from gallery import selectors, state

BAD_CURSOR = "This cursor is not valid: follow the `next` link of the previous page."


def valid_cursor(after: str | None) -> str | None:
    """The cursor if ``config.cursors`` reads it (any listing's timestamp cursor), else 400."""
    if not after:
        return None
    try:
        cursors.decode_time(after)
    except cursors.BadCursor:
        raise exceptions.ValidationError({"after": [BAD_CURSOR]}) from None
    return after


def label_preference(request: Request, chosen: str | None) -> str:
    """``show`` if given, else the caller's stored preference (human-only when anonymous)."""
    preference = chosen or selectors.viewer_preference(request)
    if preference == FeedPreference.ALL and not settings.ATELIER_ALLOW_AI_GENERATED:
        # As in selectors.viewer_preference: a site that refuses AI-generated work lists none.
        preference = FeedPreference.ASSISTED
    return preference


def artwork_listing(request: Request, params: dict[str, Any], **filters: Any) -> Response:
    """One keyset page of listed artworks: two queries whatever the page size (the page, then
    its tags), plus one to find a tag's id when filtering by tag."""
    preference = label_preference(request, params.get("show"))
    mature = params.get("mature") or state.mature_preference(request)
    after = valid_cursor(params.get("after"))
    if params.get("tag") is not None:
        filters["tag"] = slugify(params["tag"]) or "-"
    if params.get("medium"):
        filters["medium"] = params["medium"]
    if params.get("q", "").strip():
        filters["search"] = params["q"]
    qs = selectors.artworks_for_listing(
        preference=preference, mature_preference=mature, **filters
    ).prefetch_related("tags")
    page = selectors.keyset_page(qs, after, size=params["page_size"])
    cards = ArtworkCardSerializer(page.items, many=True, context={"request": request}).data
    return Response(
        {
            "results": cards,
            "next": next_url(request, page.next_cursor),
            "show": preference,
            "mature": mature,
        }
    )


def empty_listing(request: Request, params: dict[str, Any]) -> Response:
    preference = label_preference(request, params.get("show"))
    mature = params.get("mature") or state.mature_preference(request)
    valid_cursor(params.get("after"))
    return Response({"results": [], "next": None, "show": preference, "mature": mature})
