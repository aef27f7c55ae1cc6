"""Artwork listings for the API: gallery's own selectors, label filter and keyset pages."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify
from rest_framework.request import Request
from rest_framework.response import Response

from api.serializers import ArtworkCardSerializer
from api.views.common import next_url
from config import cursors
from gallery import selectors


def artwork_listing(request: Request, params: dict[str, Any], **filters: Any) -> Response:
    """One keyset page of listed artworks: two queries whatever the page size (the page, then
    its tags), plus one to find a tag's id when filtering by tag."""
    preference = selectors.viewer_preference(request, params.get("show"))
    if params.get("tag") is not None:
        filters["tag"] = slugify(params["tag"]) or "-"
    if params.get("medium"):
        filters["medium"] = params["medium"]
    if params.get("q", "").strip():
        filters["search"] = params["q"]
    qs = selectors.artworks_for_listing(preference=preference, **filters).prefetch_related("tags")
    # A tampered cursor raises config.cursors.BadCursor: api.exceptions answers 400.
    page = selectors.keyset_page(qs, params.get("after"), size=params["page_size"])
    cards = ArtworkCardSerializer(page.items, many=True, context={"request": request}).data
    return Response(
        {"results": cards, "next": next_url(request, page.next_cursor), "show": preference}
    )


def empty_listing(request: Request, params: dict[str, Any]) -> Response:
    preference = selectors.viewer_preference(request, params.get("show"))
    if params.get("after"):
        cursors.decode_time(params["after"])  # the same 400 as a listing with rows
    return Response({"results": [], "next": None, "show": preference})
