"""Collections on the site: a member's list, a collection's page, the forms, the artwork page's
"Save" menu (htmx, with plain forms underneath), and pruning works that dropped out.

Views parse, call one service (community.collections) and render; who may see what is
community.collection_selectors'. Kept out of ``community/views.py`` (the comments' views).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_required
from accounts.models import MaturePreference
from accounts.redirects import safe_next_url
from accounts.selectors import blocked_ids
from community import collection_selectors as pick
from community.collection_forms import CollectionForm
from community.collections import (
    collection_add,
    collection_create,
    collection_delete,
    collection_edit,
    collection_prune,
    collection_remove,
    collection_set_cover,
)
from config import cursors
from config.errors import DomainError, NotFound, form_error, with_headers
from gallery import listing_cache, selectors, state
from gallery.access import artwork_for_viewer

SURFACE = "collection"


def collection_list(request, handle: str):
    """A member's collections: public ones for everyone, all of them for their owner."""
    owner = pick.member_for_viewer(request.user, handle)
    own = request.user.is_authenticated and request.user.pk == owner.pk
    cursor = request.GET.get("after") or None
    page = cursors.keyset_page(
        pick.collections_of(
            owner=owner,
            viewer=request.user,
            preference=selectors.viewer_preference(request),
            mature_preference=state.mature_preference(request),
        ),
        cursor,
        key="created_at",
        size=pick.PAGE_SIZE,
    )
    pick.collection_covers(page.items)
    response = render(
        request,
        "community/collection_list.html",
        {"owner": owner, "own": own, "page": page, "mature_preference": MaturePreference.HIDE},
    )
    # Who sees which collections depends on the viewer (owner, blocks): never shared.
    response["Cache-Control"] = "private, no-store"
    return response


def collection_detail(request, handle: str, slug: str):
    """A collection's works through the feeds' card grid, with the label filter and the mature
    choice, newest save first in keyset pages (htmx loads more; real links underneath).

    A public collection's block of cards is cached like a feed's (gallery.listing_cache) under
    its own version and the ``collections`` version every post change bumps, so a work that is
    removed or hidden leaves the cached page at once. Private collections are never cached.
    """
    collection = pick.collection_for_viewer(request.user, handle=handle, slug=slug)
    own = request.user.is_authenticated and request.user.pk == collection.owner_id
    preference = selectors.viewer_preference(request)
    mature = state.mature_preference(request)
    cursor = request.GET.get("after") or None
    if cursor:
        cursors.decode_time(cursor)  # a tampered cursor is a 400 before any cache lookup
    partial = bool(request.htmx and cursor)
    blocked = blocked_ids(request.user)
    current = (
        listing_cache.versions([f"collection:{collection.pk}", listing_cache.COLLECTIONS])
        if collection.is_listed
        else None
    )
    # As gallery's listings: a member who blurs mature work sees their own works unblurred,
    # and one with blocks sees fewer works, so those blocks are theirs alone.
    personal = request.user.is_authenticated and (mature == MaturePreference.BLUR or blocked)
    key = current and listing_cache.listing_cache_key(
        surface=SURFACE, argument=collection.pk, preference=preference, mature=mature,
        cursor=cursor, part=("cards" if partial else "grid")
        + (f":viewer{request.user.pk}" if personal else ""), versions=current,
    )  # fmt: skip
    anonymous = not request.user.is_authenticated
    etag = listing_cache.etag_for(key) if key and anonymous else None
    if listing_cache.matches(request, etag):
        return listing_cache.not_modified(request, etag, varies_on_partial=bool(cursor))
    context = {
        "collection": collection,
        "own": own,
        "page_after": bool(cursor),
        **selectors.viewing_choices(preference=preference, mature=mature),
    }

    def render_block() -> str:
        qs = pick.collection_works(
            collection=collection,
            preference=preference,
            mature_preference=mature,
            hidden_artists=blocked,
        )
        found = cursors.keyset_page(qs, cursor, key="added_at", size=pick.PAGE_SIZE)
        page = cursors.Page(items=[i.artwork for i in found.items], next_cursor=found.next_cursor)
        template = "gallery/_artwork_cards.html" if partial else "community/_collection_block.html"
        return render_to_string(template, {**context, "page": page, "request": request})

    block = mark_safe(listing_cache.get_or_render(key, render_block))  # noqa: S308 - our template
    if partial:
        return listing_cache.cacheable(request, HttpResponse(block), etag, varies_on_partial=True)
    shown = int(
        listing_cache.get_or_render(
            key and key + ":count",
            lambda: str(
                pick.visible_count(collection, preference=preference, mature_preference=mature)
            ),
        )
    )
    response = render(
        request,
        "community/collection_detail.html",
        {
            **context,
            "grid": block,
            "visible": shown,
            # What pruning would take out: works nobody can find any more (the owner only).
            "dropped": max(0, collection.item_count - pick.visible_count(collection)) if own else 0,
        },
    )
    return listing_cache.cacheable(request, response, etag, varies_on_partial=bool(cursor))


@require_http_methods(["GET", "POST"])
@member_required
def collection_new(request):
    """Create a collection; with ``artwork`` (an artwork id) the work is saved into it too."""
    form = CollectionForm(request.POST if request.method == "POST" else None)
    artwork_id = request.POST.get("artwork") or request.GET.get("artwork") or ""
    status = 200
    if request.method == "POST" and form.is_valid():
        artwork = artwork_for_viewer(request, int(artwork_id)) if artwork_id.isdigit() else None
        try:
            collection = collection_create(
                owner=request.user, first_work=artwork, **form.cleaned_data
            )
        except DomainError as exc:
            status = form_error(form, exc)
            response = render(
                request,
                "community/collection_form.html",
                {"form": form, "artwork_id": artwork_id},
                status=status,
            )
            return with_headers(response, exc)
        if artwork is not None:
            messages.success(request, f"Saved to “{collection.title}”.")
            return redirect(artwork)
        messages.success(request, f"“{collection.title}” is ready.")
        return redirect(collection)
    return render(
        request,
        "community/collection_form.html",
        {"form": form, "artwork_id": artwork_id if artwork_id.isdigit() else ""},
        status=400 if form.errors else status,
    )


def _own_collection(request, handle: str, slug: str):
    collection = pick.collection_for_viewer(request.user, handle=handle, slug=slug)
    if collection.owner_id != request.user.pk:
        raise NotFound("No such collection.")
    return collection


@require_http_methods(["GET", "POST"])
@member_required
def collection_edit_view(request, handle: str, slug: str):
    """The owner edits the title, description and visibility (404 for anyone else)."""
    collection = _own_collection(request, handle, slug)
    initial = {
        "title": collection.title,
        "description": collection.description,
        "public": collection.public,
    }
    form = CollectionForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            collection_edit(editor=request.user, collection=collection, **form.cleaned_data)
        except DomainError as exc:
            status = form_error(form, exc)
            response = render(
                request,
                "community/collection_form.html",
                {"form": form, "collection": collection},
                status=status,
            )
            return with_headers(response, exc)
        messages.success(request, "Your changes are saved.")
        return redirect(collection)
    return render(
        request,
        "community/collection_form.html",
        {"form": form, "collection": collection},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@member_required
def collection_delete_view(request, handle: str, slug: str):
    """Confirm, then delete the collection (the works stay where they are)."""
    collection = _own_collection(request, handle, slug)
    if request.method == "POST":
        collection_delete(actor=request.user, collection=collection)
        messages.success(request, f"“{collection.title}” is deleted.")
        return redirect("collections:list", handle=request.user.handle)
    return render(request, "community/collection_confirm_delete.html", {"collection": collection})


@require_POST
@member_required
def collection_prune_view(request, handle: str, slug: str):
    """Take out every saved work that no longer shows (removed, hidden, held out)."""
    collection = _own_collection(request, handle, slug)
    removed = collection_prune(user=request.user, collection=collection)
    messages.success(request, f"{removed} work{'s' if removed != 1 else ''} taken out.")
    return redirect(collection)


@require_http_methods(["GET", "POST"])
@member_required
def artwork_save(request, pk: int):
    """The "Save" menu of an artwork: the member's collections, each a toggle, plus "new
    collection". htmx swaps the menu in place; without JavaScript it is a page of its own
    whose forms post here and come back to the artwork.

    POST ``collection`` (an id of the member's) with ``saved=1`` saves the work, ``saved=0``
    takes it out, ``cover=1`` makes it the collection's cover.
    """
    artwork = artwork_for_viewer(request, pk)
    if request.method == "POST":
        raw = request.POST.get("collection", "")
        mine = pick.collections_for_saving(user=request.user, artwork_id=artwork.pk)
        collection = mine.filter(pk=int(raw)).first() if raw.isdigit() else None
        if collection is None:
            raise NotFound("No such collection.")
        # Services need the owner for cache scopes: it is the signed-in member.
        collection.owner = request.user
        if request.POST.get("cover") == "1":
            collection_set_cover(user=request.user, collection=collection, artwork_id=artwork.pk)
            note = f"Now the cover of “{collection.title}”."
        elif request.POST.get("saved") == "1":
            collection_add(user=request.user, collection=collection, artwork=artwork)
            note = f"Saved to “{collection.title}”."
        else:
            collection_remove(user=request.user, collection=collection, artwork_id=artwork.pk)
            note = f"Taken out of “{collection.title}”."
        if not request.htmx:
            messages.success(request, note)
            return HttpResponseRedirect(safe_next_url(request, default=artwork.get_absolute_url()))
        return _save_menu(request, artwork, note=note)
    return _save_menu(request, artwork)


def _save_menu(request, artwork, *, note: str = ""):
    mine = list(pick.collections_for_saving(user=request.user, artwork_id=artwork.pk))
    context = {
        "artwork": artwork,
        "collections": mine,
        "note": note,
        "new_url": reverse("collections:new") + f"?artwork={artwork.pk}",
    }
    template = "community/_save_menu.html" if request.htmx else "community/artwork_save.html"
    response = render(request, template, context)
    response["Cache-Control"] = "private, no-store"
    return response
