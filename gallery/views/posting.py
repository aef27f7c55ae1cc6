"""The edit page's Images section (add, remove, move, cover), publishing a draft, and the
artist's drafts. Every rule is gallery.services.posting's; these parse, call and answer."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_required
from config.errors import DomainError, Invalid
from gallery import selectors
from gallery.access import artwork_for_owner
from gallery.forms import ImagesAddForm
from gallery.models import ArtworkImage
from gallery.services.posting import (
    artwork_cover_set,
    artwork_image_remove,
    artwork_images_add,
    artwork_images_reorder,
    artwork_publish,
)
from gallery.services.upload_keys import UploadReplayed, upload_key_replayed
from gallery.views.artworks import edit_page


def _images_url(artwork) -> str:
    return reverse("gallery:artwork_edit", args=[artwork.pk]) + "#images"


def _image_id(request) -> int:
    raw = request.POST.get("image", "")
    if not raw.isdigit() or len(raw) > 18:
        raise Invalid("Choose an image.", field_errors={"image": ["Choose an image."]})
    return int(raw)


@require_POST
@member_required
def images_add(request, pk: int):
    """Add final and/or process images (the upload's chooser); the page again on a refusal."""
    artwork = artwork_for_owner(request, pk)
    finals = request.FILES.getlist("images")
    process = request.FILES.getlist("process_images")
    form = ImagesAddForm(request.POST)
    # A spent key (double click, Back then Add) answers before the files are checked again.
    if upload_key_replayed(member=request.user, key=request.POST.get("idempotency_key", "")):
        messages.info(request, "These images were already added.")
        return redirect(_images_url(artwork))
    if not form.is_valid():
        error = Invalid("; ".join(e for errors in form.errors.values() for e in errors))
        return edit_page(request, artwork, add_form=form, images_error=error, status=400)
    try:
        added = artwork_images_add(
            artwork=artwork,
            artist=request.user,
            finals=finals,
            process=process,
            alt_texts=form.cleaned_data["alt_text"],
            idempotency_key=form.cleaned_data["idempotency_key"],
        )
    except UploadReplayed:
        messages.info(request, "These images were already added.")
        return redirect(_images_url(artwork))
    except DomainError as exc:
        return edit_page(request, artwork, add_form=form, images_error=exc, status=exc.status)
    messages.success(
        request,
        f"{len(added)} image{'s' if len(added) != 1 else ''} added: "
        "they appear on the post once they are processed.",
    )
    return redirect(_images_url(artwork))


@require_http_methods(["GET", "POST"])
@member_required
def image_remove(request, pk: int, image_id: int):
    """Confirm, then remove one image of the post (and, after the commit, its files)."""
    artwork = artwork_for_owner(request, pk)
    image = ArtworkImage.objects.filter(pk=image_id, artwork=artwork).first()
    if image is None:
        return edit_page(
            request,
            artwork,
            images_error=Invalid("No such image in this post."),
            status=404,
        )
    if request.method == "POST":
        try:
            artwork_image_remove(artwork=artwork, artist=request.user, image_id=image.pk)
        except DomainError as exc:
            return edit_page(request, artwork, images_error=exc, status=exc.status)
        messages.success(request, "The image is removed.")
        return redirect(_images_url(artwork))
    return render(
        request, "gallery/artwork_image_remove.html", {"artwork": artwork, "image": image}
    )


@require_POST
@member_required
def image_move(request, pk: int):
    """Move one image up or down among its kind (the buttons that work without JavaScript),
    or put a kind's images in a sent ``order`` (the optional drag and drop)."""
    artwork = artwork_for_owner(request, pk)
    try:
        if "order" in request.POST:
            kind = request.POST.get("kind", "")
            raw = request.POST.getlist("order")
            if not all(v.isdigit() and len(v) <= 18 for v in raw):
                raise Invalid("Send image ids.", field_errors={"order": ["Send image ids."]})
            order = [int(v) for v in raw]
        else:
            image_id = _image_id(request)
            image = ArtworkImage.objects.filter(pk=image_id, artwork=artwork).first()
            if image is None:
                raise Invalid("No such image in this post.")
            kind = image.kind
            order = list(
                ArtworkImage.objects.filter(artwork=artwork, kind=kind)
                .order_by("position", "id")
                .values_list("pk", flat=True)
            )
            at = order.index(image.pk)
            step = -1 if request.POST.get("direction") == "up" else 1
            if 0 <= at + step < len(order):
                order[at], order[at + step] = order[at + step], order[at]
        artwork_images_reorder(artwork=artwork, artist=request.user, kind=kind, order=order)
    except DomainError as exc:
        return edit_page(request, artwork, images_error=exc, status=exc.status)
    return redirect(_images_url(artwork))


@require_POST
@member_required
def cover_set(request, pk: int):
    """Make one ready final image the post's cover."""
    artwork = artwork_for_owner(request, pk)
    try:
        artwork_cover_set(artwork=artwork, artist=request.user, image_id=_image_id(request))
    except DomainError as exc:
        return edit_page(request, artwork, images_error=exc, status=exc.status)
    messages.success(request, "The cover is changed.")
    return redirect(_images_url(artwork))


@require_POST
@member_required
def publish(request, pk: int):
    """Publish a draft (refusals are the middleware's pages: 400/409 with the reason)."""
    artwork = artwork_for_owner(request, pk)
    if artwork_publish(artwork=artwork, artist=request.user):
        words = {
            artwork.Status.PROCESSING: "It will be published as soon as its images are ready.",
            artwork.Status.AWAITING_APPROVAL: "It waits for a moderator's approval (your "
            "uploads are held after a strike).",
        }
        messages.success(request, words.get(artwork.status, "Published."))
    return redirect(artwork)


@member_required(allow_suspended=True)
def drafts(request):
    """The signed-in artist's drafts (nobody else's, ever)."""
    rows = list(selectors.drafts_of(artist_id=request.user.pk))
    return render(request, "gallery/drafts.html", {"drafts": rows})
