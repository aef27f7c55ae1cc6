"""Artwork listings for the API: gallery's own selectors, label filter and keyset pages."""

from __future__ import annotations

from typing import Any

from django.utils.text import slugify
from rest_framework.request import Request
from rest_framework.response import Response
from taggit.models import Tag

from accounts.selectors import viewer_filters
from api.serializers import CARD_COLUMNS, ArtworkCardSerializer
from api.views.common import next_url
from config import cursors
from gallery import listing_cache, selectors, state


def _checked_cursor(params: dict[str, Any]) -> str | None:
    """The ``after`` cursor, decoded once before any cache lookup: a tampered one raises
    ``config.cursors.BadCursor``, which api.exceptions answers with 400."""
    after = params.get("after")
    if after:
        cursors.decode_time(after)
    return after or None


def artwork_listing(request: Request, params: dict[str, Any], **filters: Any) -> Response:
    """One keyset page of listed artworks: two queries whatever the page size (the page, then
    its tags), plus one to find a tag's id when filtering by tag. The page's cards are cached
    under the listing's version (gallery.listing_cache): a warm page runs none of those two."""
    preference = selectors.viewer_preference(request, params.get("show"))
    mature = params.get("mature") or state.mature_preference(request)
    after = _checked_cursor(params)
    if params.get("tag") is not None:
        # A tag that slugifies to nothing ("!!") must still filter: an empty slug would drop
        # the filter and list everything. slugify strips dashes at both ends, so no tag's
        # slug is "-".
        slug = slugify(params["tag"]) or "-"
        tag_id = Tag.objects.filter(slug=slug).values_list("pk", flat=True).first()
        filters["tag_id" if tag_id is not None else "tag"] = tag_id if tag_id is not None else slug
    if params.get("medium"):
        filters["medium"] = params["medium"]
    if params.get("q", "").strip():
        filters["search"] = params["q"]
    # The viewer's blocks and mutes, applied as on the site's page for the same listing
    # (gallery.selectors.listing_exclusions); a viewer with any gets cards of their own.
    exclusions = selectors.listing_exclusions(
        viewer_filters(request.user), surface=_surface(filters), tag_id=filters.get("tag_id")
    )
    hidden = selectors.exclusions_digest(exclusions)
    current = listing_cache.versions(_scopes(filters))
    key = current and listing_cache.listing_cache_key(
        surface=state.Surface.API_LIST,
        # The host is part of the key: cards carry absolute URLs built from it.
        argument=f"{sorted(filters.items())}@{request.get_host()}",
        preference=preference, mature=mature, cursor=after,
        part=f"api:{params['page_size']}" + (f":hide{hidden}" if hidden else ""),
        versions=current,
    )  # fmt: skip
    etag = listing_cache.etag_for(key) if key else None
    if listing_cache.matches(request, etag):
        return listing_cache.not_modified(request, etag)

    def cards() -> tuple[list, str | None]:
        qs = selectors.artworks_for_listing(
            preference=preference,
            mature_preference=mature,
            columns=CARD_COLUMNS,
            **exclusions,
            **filters,
        )
        page = selectors.keyset_page(qs.prefetch_related("tags"), after, size=params["page_size"])
        data = ArtworkCardSerializer(page.items, many=True, context={"request": request}).data
        return [dict(card) for card in data], page.next_cursor

    results, cursor = listing_cache.get_or_render(key, cards)
    response = Response(
        {
            "results": results,
            "next": next_url(request, cursor),
            "show": preference,
            "mature": mature,
        }
    )
    return listing_cache.cacheable(request, response, etag)


def _surface(filters: dict[str, Any]) -> str:
    """The site's page this listing matches, for where mutes apply: the artist's own page and
    search ignore mutes, a tag filter is that tag's page, everything else is a feed."""
    if "artist_id" in filters:
        return state.Surface.ARTIST
    if "search" in filters:
        return state.Surface.SEARCH
    if "tag_id" in filters or "tag" in filters:
        return state.Surface.TAG
    if "following_of" in filters:
        return state.Surface.FOLLOWING
    if "medium" in filters:
        return state.Surface.MEDIUM
    return state.Surface.FEED


def _scopes(filters: dict[str, Any]) -> list[str]:
    """One version scope every listed artwork carries (gallery.listing_cache): the narrowest."""
    if "following_of" in filters:
        return [listing_cache.FOLLOWING, f"follows:{filters['following_of']}"]
    if "artist_id" in filters:
        return [f"artist:{filters['artist_id']}"]
    if "tag_id" in filters:
        return [f"tag:{filters['tag_id']}"]
    if "medium" in filters:
        return [f"medium:{filters['medium']}"]
    if "search" in filters:
        return [listing_cache.SEARCH]
    return [listing_cache.FEED]


def empty_listing(request: Request, params: dict[str, Any]) -> Response:
    preference = selectors.viewer_preference(request, params.get("show"))
    mature = params.get("mature") or state.mature_preference(request)
    _checked_cursor(params)
    return Response({"results": [], "next": None, "show": preference, "mature": mature})
