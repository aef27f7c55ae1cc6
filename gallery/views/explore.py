"""Explore (Popular, Rising, Staff picks), the tag index, and choosing staff picks."""

from __future__ import annotations

from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from accounts.access import member_required
from accounts.models import MaturePreference
from gallery import explore, listing_cache, selectors, state
from gallery.access import artwork_for_viewer
from gallery.services.explore import EXPLORE_SCOPE, PICKS_SCOPE, staff_pick_set

TABS = (
    (
        explore.POPULAR,
        "Popular",
        "Loved right now: likes, saves and follows, newest counting most.",
    ),
    (explore.RISING, "Rising", "Artists who posted their first work in the last few weeks."),
    (explore.PICKS, "Staff picks", "Chosen by Atelier's moderators."),
)
EMPTY = {
    explore.POPULAR: "Nothing is popular under your filter yet. Scores are refreshed every few "
    "minutes.",
    explore.RISING: "No new artist's work matches your filter yet.",
    explore.PICKS: "Moderators have not picked anything that matches your filter yet.",
}


def _scopes(feed: str) -> list[str]:
    # Every card change bumps "feed" (gallery.listing_cache.artwork_scopes); a recompute bumps
    # "explore", a pick "picks".
    return [listing_cache.FEED, PICKS_SCOPE if feed == explore.PICKS else EXPLORE_SCOPE]


def explore_view(request, feed: str = explore.POPULAR):
    """One explore tab: a cached block of cards (shared between viewers without blocks or
    mutes; keyed on the viewer and their hides' digest otherwise), htmx infinite scroll."""
    if feed not in explore.FEEDS:
        raise Http404("No such explore tab.")
    preference = selectors.viewer_preference(request)
    mature = state.mature_preference(request)
    cursor = request.GET.get("after") or None
    partial = bool(request.htmx and cursor)
    explore.decode_explore_cursor(feed, cursor)  # a tampered cursor is a 400 before the cache
    hides = explore.viewer_hides(request.user)
    current = listing_cache.versions(_scopes(feed))
    viewer = request.user.pk if (mature == MaturePreference.BLUR or hides) else None
    part = ("cards" if partial else "grid") + (f":viewer{viewer}:{hides.digest}" if viewer else "")
    key = current and listing_cache.listing_cache_key(
        surface="explore", argument=feed, preference=preference, mature=mature, cursor=cursor,
        part=part, versions=current,
    )  # fmt: skip
    anonymous = not request.user.is_authenticated
    etag = listing_cache.etag_for(key) if key and anonymous else None
    if listing_cache.matches(request, etag):
        return listing_cache.not_modified(request, etag, varies_on_partial=bool(cursor))
    context = {
        "feed": feed,
        "tabs": TABS,
        "empty_text": EMPTY[feed],
        "page_after": bool(cursor),
        **selectors.viewing_choices(preference=preference, mature=mature),
    }

    def render_block() -> str:
        qs = explore.explore_listing(
            feed=feed, preference=preference, mature_preference=mature, hides=hides
        )
        page = explore.explore_page(qs, cursor)
        block = "gallery/_artwork_cards.html" if partial else "gallery/_explore_block.html"
        return render_to_string(block, {**context, "page": page, "request": request})

    def render_page(extra: dict):
        block = mark_safe(listing_cache.get_or_render(key, render_block))  # noqa: S308 - ours
        if partial:
            return HttpResponse(block)
        return render(
            request, "gallery/explore.html", {**context, "grid": block, "page": True, **extra}
        )

    # Bare anonymous visitors get the whole page from the cache (listing_cache.whole_page).
    response = listing_cache.whole_page(request, key and f"{key}:whole", render_page)
    return listing_cache.cacheable(request, response, etag, varies_on_partial=bool(cursor))


def tag_index_view(request):
    """The most used tags under the viewer's label preference, with counts: one cached list
    shared by everyone with that preference; a member's muted tags are dropped after."""
    preference = selectors.viewer_preference(request)
    rows, key = explore.tag_index_cached(preference=preference)
    anonymous = not request.user.is_authenticated
    etag = listing_cache.etag_for(key) if key and anonymous else None
    if listing_cache.matches(request, etag):
        return listing_cache.not_modified(request, etag)
    hides = explore.viewer_hides(request.user)

    def render_chips() -> str:
        tags = explore.without_muted(rows, hides)
        return render_to_string("gallery/_tag_chips.html", {"tags": tags})

    mature = state.mature_preference(request)

    def render_page(extra: dict):
        # The rendered chips (120 links) are shared too, unless this member muted tags.
        chips_key = key and not hides.muted_tags and key + ":html"
        chips = listing_cache.get_or_render(chips_key or None, render_chips)
        context = {
            "chips": mark_safe(chips),  # noqa: S308 - our own template
            **selectors.viewing_choices(preference=preference, mature=mature),
        }
        return render(request, "gallery/tag_index.html", {**context, **extra})

    # Bare anonymous visitors get the whole page from the cache (the mature choice shows in
    # its form, so it is part of the key).
    response = listing_cache.whole_page(request, key and f"{key}:whole:{mature}", render_page)
    return listing_cache.cacheable(request, response, etag)


@require_POST
@member_required
def staff_pick(request, pk: int):
    """Add the artwork to the staff picks or take it out (moderators only: the service
    refuses everyone else with a 403 page)."""
    artwork = artwork_for_viewer(request, pk)
    picked = staff_pick_set(
        moderator=request.user, artwork=artwork, picked=request.POST.get("picked") == "1"
    )
    if request.htmx:
        return render(
            request, "gallery/_staff_pick_button.html", {"artwork": artwork, "is_picked": picked}
        )
    return HttpResponseRedirect(artwork.get_absolute_url())
