"""A member's followers and the members they follow, newest follow first, honouring blocks."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404, render

from accounts import selectors as account_selectors
from config import cursors
from gallery.views.feeds import blocked_profile

PEOPLE_PAGE_SIZE = 50


def follow_list(request, handle: str, direction: str):
    """``/@handle/followers/`` and ``/@handle/following/``: keyset pages of ``PEOPLE_PAGE_SIZE``
    (one query for the page whatever its length, after the member's row); htmx asks for the
    next rows only, a plain link for the next page.

    A member in a block with ``handle`` gets what the profile gives them (the blocked side a
    404, the blocker the "you blocked" page); members in a block with the viewer are left out
    of the list. Anyone may read, suspended members included.
    """
    person = get_object_or_404(get_user_model().objects.by_handle(handle), is_active=True)
    blocked_view = blocked_profile(request, person)
    if blocked_view is not None:
        return blocked_view
    cursor = request.GET.get("after") or None
    qs = account_selectors.follow_list(person=person, direction=direction, viewer=request.user)
    page = cursors.keyset_page(qs, cursor, key="created_at", size=PEOPLE_PAGE_SIZE)
    other = "follower" if direction == "followers" else "artist"
    context = {
        "artist": person,
        "direction": direction,
        "people": [getattr(follow, other) for follow in page.items],
        "next_cursor": page.next_cursor,
        "page_after": bool(cursor),
    }
    template = (
        "gallery/_people_rows.html" if request.htmx and cursor else "gallery/artist_people.html"
    )
    response = render(request, template, context)
    # The list depends on the viewer's blocks: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store" if request.user.is_authenticated else "no-cache"
    return response
