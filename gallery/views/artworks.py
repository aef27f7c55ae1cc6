"""An artwork's page, its original file, likes, editing, deleting."""

from __future__ import annotations

import json
import mimetypes
from hashlib import sha256

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_required
from config.errors import with_headers
from config.urls_abs import absolute_url
from gallery import credentials, explore, listing_cache, page_sections, selectors, state
from gallery.access import (
    BlockedArtist,
    artwork_for_owner,
    artwork_for_viewer,
    can_manage,
    can_see_private_files,
    viewer_role,
)
from gallery.evidence import images_evidence
from gallery.forms import ArtworkEditForm, ImagesAddForm
from gallery.models import Artwork, ArtworkImage
from gallery.services.artworks import artwork_delete, artwork_edit, like_set
from gallery.services.posting import removal_refusal
from gallery.services.upload_keys import upload_key_issue
from gallery.storage import private_storage
from gallery.views.upload import upload_limits

# The artist of each public artwork seen, kept for ``_anonymous_key``: a post never changes hands.
ARTIST_OF = "artwork-artist:{}"


def _page_scopes(pk: int, artist_id: int) -> list[str]:
    """The versions a bare anonymous visitor's whole page hangs on: the post, its artist, the
    feed (related work moves with any listed post's change) and the sections other apps add
    below the work (community's comment thread: ``comments:<id>``), which name their scopes
    from the post's ids alone."""
    sections = page_sections.scopes(Artwork(pk=pk, artist_id=artist_id))
    return [f"artwork:{pk}", f"artist:{artist_id}", listing_cache.FEED, *sections]


def _anonymous_key(request, pk: int, artist_id: int, current: str | None) -> str | None:
    """The key of an artwork page shared by bare anonymous visitors (listing_cache.whole_page):
    the versions of ``_page_scopes`` and the global one, the label and mature choices (their
    cookies), and the host. What else the page shows follows from these: blurring from the
    post's facts (versioned) and the mature choice; the slug and ``?mature=show`` are in the
    path, which ``whole_page`` adds."""
    if current is None:
        current = listing_cache.versions(_page_scopes(pk, artist_id))
    return current and listing_cache.listing_cache_key(
        surface=state.Surface.PAGE, argument=f"{pk}@{request.get_host()}",
        preference=selectors.viewer_preference(request),
        mature=state.mature_preference(request), cursor=None, part="anonymous-page",
        versions=current,
    )  # fmt: skip


def artwork_detail(request, pk: int, slug: str | None = None):
    # Bare anonymous visitors: the whole page from the cache before any query, when this
    # post's artist is known and the page stored under the current versions.
    if listing_cache.bare_anonymous(request):
        artist_id = listing_cache.cache.get(ARTIST_OF.format(pk))
        key = artist_id is not None and _anonymous_key(request, pk, artist_id, None)
        if key:
            etag = listing_cache.etag_for(key)
            if listing_cache.matches(request, etag):
                return listing_cache.not_modified(request, etag)
            response = listing_cache.anonymous_page_from_cache(request, f"{key}:whole")
            if response is not None:
                return listing_cache.cacheable(request, response, etag)
    # The member's like and follow marks come with the artwork's row (one query for all).
    try:
        artwork = artwork_for_viewer(request, pk, marks=True)
    except BlockedArtist as blocked:
        if not blocked.made:
            raise Http404("No such artwork.") from None
        response = render(request, "gallery/artist_blocked.html", {"artist": blocked.artist})
        response["Cache-Control"] = "private, no-store"
        return response
    if slug != artwork.slug:
        return redirect(artwork, permanent=True)
    preference = selectors.viewer_preference(request)
    mature = state.mature_preference(request)
    # Blurred behind a click unless the viewer opted in, owns it or moderates; ?mature=show
    # is the click without JavaScript (the reveal link), for this page only.
    blurred = (
        state.present(
            state.Facts.of(artwork),
            surface=state.Surface.PAGE,
            role=viewer_role(request.user, artwork),
            preference="all",
            mature_preference=mature,
        ).blurred
        and request.GET.get("mature") != "show"
    )
    # The page's public parts (images, label box, tags, "more by") are cached fragments keyed
    # on the post's and its artist's versions (gallery.listing_cache): the lists below are lazy,
    # so a warm page runs none of their queries. Posts only their artist or moderators see are
    # never cached (a processing post's images change without a version bump). The mature
    # choice changes "more by" and blurring changes the markup: both are part of the key.
    current = (
        listing_cache.versions([f"artwork:{artwork.pk}", f"artist:{artwork.artist_id}"])
        if artwork.is_public
        else None
    )
    fragment_key = current and listing_cache.listing_cache_key(
        surface=state.Surface.PAGE, argument=f"{artwork.pk}@{request.get_host()}",
        preference=preference, mature=mature, cursor=None,
        part="page:blurred" if blurred else "page", versions=current,
    )  # fmt: skip
    # A settled post shows its ready images only: images added after publication appear when
    # they are processed (the settle's row save retires this page), never half-made.
    settled = artwork.status not in (Artwork.Status.PROCESSING, Artwork.Status.FAILED)
    images = SimpleLazyObject(
        lambda: [i for i in artwork.images.all() if not settled or i.state == i.State.READY]
    )
    tags = SimpleLazyObject(lambda: list(artwork.tags.all()))
    finals = SimpleLazyObject(lambda: [i for i in images if i.kind == ArtworkImage.Kind.FINAL])
    no_ai = SimpleLazyObject(lambda: credentials.no_ai_recorded(images))
    # Related work (more by the artist, shared tags, look-alikes: gallery.explore) depends on
    # other posts, so its block is keyed on the feed's version, which every listed post's
    # change moves, and on the viewer's blocks and mutes when they have any.
    hides = explore.viewer_hides(request.user)
    related_versions = (
        listing_cache.versions([f"artwork:{artwork.pk}", f"artist:{artwork.artist_id}", "feed"])
        if artwork.is_public
        else None
    )
    related_key = related_versions and listing_cache.listing_cache_key(
        surface=state.Surface.PAGE, argument=f"{artwork.pk}@{request.get_host()}",
        preference=preference, mature=mature, cursor=None,
        part="related" + (f":{request.user.pk}:{hides.digest}" if hides else ""),
        versions=related_versions,
    )  # fmt: skip
    related = SimpleLazyObject(
        lambda: explore.related_artworks(
            artwork=artwork,
            preference=preference,
            mature_preference=mature,
            hides=hides,
            # A card's columns only, and cards from the cache (gallery_cards.artwork_cards).
            columns=selectors.CARD_COLUMNS,
            tags=tags,
        )
    )
    # Bare anonymous visitors share the whole page under ``_anonymous_key`` (served above when
    # warm); everyone else's page is rendered around the cached fragments, and its ETag covers
    # both cached parts (related work moves with other posts' changes too).
    # Sections other apps add below the work (community's comments) are not in the fragments:
    # their own versions join the ETag, so a new comment is a new page for revalidation.
    section_scopes = page_sections.scopes(artwork) if fragment_key else []
    section_versions = listing_cache.versions(section_scopes) if section_scopes else ""
    cached_parts = fragment_key and related_key and section_versions is not None
    page_key = None
    if cached_parts and listing_cache.bare_anonymous(request):
        listing_cache.cache.set(
            ARTIST_OF.format(artwork.pk), artwork.artist_id, listing_cache.REMEMBER_TTL
        )
        page_key = _anonymous_key(request, artwork.pk, artwork.artist_id, None)
    both = cached_parts and fragment_key + related_key + section_versions
    etag = None
    if page_key:
        etag = listing_cache.etag_for(page_key)
    elif both:
        etag = listing_cache.etag_for("lc:" + sha256(both.encode()).hexdigest())
    if listing_cache.matches(request, etag):
        return listing_cache.not_modified(request, etag)
    liked, is_following = artwork.viewer_liked, artwork.viewer_follows
    # Moderators see the staff-pick button (one query, for them only; never in a cached part).
    is_picked = (
        request.user.is_authenticated
        and request.user.is_moderator
        and explore.is_staff_pick(artwork.pk)
    )
    # Anonymous visitors get the whole page from the cache, under the fragments' versions.
    response = listing_cache.whole_page(
        request,
        page_key and f"{page_key}:whole",
        lambda extra: _with_ai_choice(artwork, render(
            request,
            "gallery/artwork_detail.html",
            {
                "artwork": artwork,
                "json_ld": listing_cache.get_or_render(
                    fragment_key and fragment_key + ":ld",
                    lambda: json_ld(request, artwork, finals, tags, no_ai_recorded=bool(no_ai)),
                ),
                "fragment_key": fragment_key or "",
                "fragment_ttl": listing_cache.PAGE_TTL if fragment_key else 0,
                "credentials_panel": SimpleLazyObject(
                    lambda: credentials.credentials_panel(images)
                ),
                "credentials_no_ai": no_ai,
                "is_following": is_following,
                "finals": finals,
                "process_images": SimpleLazyObject(
                    lambda: [i for i in images if i.kind == ArtworkImage.Kind.PROCESS]
                ),
                "evidence": SimpleLazyObject(lambda: images_evidence(images, with_info=False)),
                "history": artwork.label_changes.select_related("actor"),
                "tags": tags,
                "related": related,
                "related_key": related_key or "",
                "related_ttl": listing_cache.PAGE_TTL if related_key else 0,
                "is_picked": is_picked,
                "sections": [
                    section.render(request, artwork) for section in page_sections.sections()
                ],
                "liked": liked,
                "mature_preference": mature,
                "mature_blurred": blurred,
                "can_manage": can_manage(request.user, artwork),
                "is_owner": request.user.is_authenticated and request.user.pk == artwork.artist_id,
                # A URL contract, not an import: gallery never imports moderation.
                "report_url": reverse("moderation:report", kwargs={"artwork_id": artwork.pk}),
                "evidence_url": reverse(
                    "moderation:evidence_add", kwargs={"artwork_id": artwork.pk}
                ),
            },
        )),
    )  # fmt: skip
    return listing_cache.cacheable(request, response, etag)


def _with_ai_choice(artwork, response):
    """``response`` marked with the artist's AI-training choice (gallery.middleware) before
    ``whole_page`` may store it: the copy served from the cache carries it too."""
    response.ai_training_allowed = not artwork.artist.ai_training_opt_out
    return response


def json_ld(request, artwork, finals, tags, *, no_ai_recorded: bool = False) -> str:
    """schema.org VisualArtwork stating the label as its IPTC digital source type, and what the
    files' Content Credentials vouch for when they earn the no-AI badge."""
    data = {
        "@context": "https://schema.org",
        "@type": "VisualArtwork",
        "name": artwork.title,
        "url": absolute_url(request, artwork.get_absolute_url()),
        "creator": {
            "@type": "Person",
            "name": artwork.artist.name,
            "url": absolute_url(request, artwork.artist.get_absolute_url()),
        },
        "artMedium": artwork.get_medium_display(),
        "digitalSourceType": artwork.iptc_source_type,
        "keywords": [t.name for t in tags],
    }
    if no_ai_recorded:
        data["additionalProperty"] = {
            "@type": "PropertyValue",
            "name": "contentCredentials",
            "value": credentials.NO_AI_RECORDED,
        }
    if artwork.published_at:
        data["datePublished"] = artwork.published_at.isoformat()
    images = [i.best_url() for i in finals if i.derivatives]
    if images:
        data["image"] = [absolute_url(request, u) for u in images]
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def original(request, pk: int):
    """Stream an original file: only its artist and moderators, everyone else gets a 404."""
    image = get_object_or_404(ArtworkImage.objects.select_related("artwork"), pk=pk)
    if not can_see_private_files(request.user, image.artwork):
        raise Http404("No such file.")
    handle = private_storage().open(image.original.name, "rb")
    content_type = mimetypes.guess_type(image.original.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="artwork-{image.artwork_id}-{pk}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@member_required
def like(request, pk: int):
    """Like or unlike (``liked=1`` or not); htmx gets the button back, a plain form a redirect.
    A post that is not public answers 404 (``like_set`` refuses it)."""
    artwork = artwork_for_viewer(request, pk)
    liked = request.POST.get("liked") == "1"
    count = like_set(user=request.user, artwork=artwork, liked=liked)
    if request.htmx:
        return render(
            request,
            "gallery/_like_button.html",
            {"artwork": artwork, "liked": liked, "count": count},
        )
    return redirect(artwork)


def edit_initial(artwork) -> dict:
    """The edit form's values: the post as it is now."""
    return {
        "title": artwork.title,
        "description": artwork.description,
        "medium": artwork.medium,
        "tags": ", ".join(t.name for t in artwork.tags.all()),
        "label": artwork.label,
        "ai_stages": artwork.ai_stages,
        "ai_note": artwork.ai_note,
        "mature": artwork.mature,
        "visibility": artwork.visibility,
    }


def edit_page(request, artwork, *, form=None, add_form=None, images_error=None, status=200):
    """The edit page: the fields form and the Images section (add, remove, reorder, cover).
    ``images_error`` is a refusal of an image action, shown in the Images section."""
    images = list(artwork.images.all())
    if form is None:
        form = ArtworkEditForm(initial=edit_initial(artwork))
    if add_form is None:
        add_form = ImagesAddForm(initial={"idempotency_key": upload_key_issue()})
    response = render(
        request,
        "gallery/artwork_edit.html",
        {
            "artwork": artwork,
            "form": form,
            "images": images,
            "finals": [i for i in images if i.kind == ArtworkImage.Kind.FINAL],
            "process_images": [i for i in images if i.kind == ArtworkImage.Kind.PROCESS],
            "add_form": add_form,
            "images_error": images_error,
            "removal_refusal": removal_refusal(artwork),
            "limits": upload_limits(),
        },
        status=status,
    )
    return with_headers(response, images_error) if images_error is not None else response


@require_http_methods(["GET", "POST"])
@member_required
def artwork_edit_view(request, pk: int):
    """The artist edits their post: fields, label (with a reason for the history), alt texts,
    visibility; the page's Images section posts to gallery.views.posting."""
    artwork = artwork_for_owner(request, pk)
    form = ArtworkEditForm(
        request.POST if request.method == "POST" else None, initial=edit_initial(artwork)
    )
    if request.method == "POST" and form.is_valid():
        artwork_edit(
            artwork=artwork,
            editor=request.user,
            **ArtworkEditForm.edit_arguments(form.cleaned_data),
        )
        messages.success(request, "Your changes are saved.")
        return redirect(artwork)
    return edit_page(request, artwork, form=form, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)
def artwork_delete_view(request, pk: int):
    """Confirm, then delete the post and (after the commit) every file of it."""
    artwork = artwork_for_owner(request, pk)
    if request.method == "POST":
        artwork_delete(artwork=artwork)
        messages.success(request, f"“{artwork.title}” is deleted.")
        return redirect(request.user)
    return render(request, "gallery/artwork_confirm_delete.html", {"artwork": artwork})
