"""An artwork's page, its original file, likes, editing, deleting."""

from __future__ import annotations

import json
import mimetypes

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_required
from accounts.models import Follow
from config.urls_abs import absolute_url
from gallery import selectors
from gallery.access import (
    artwork_for_owner,
    artwork_for_viewer,
    can_manage,
    can_see_private_files,
)
from gallery.evidence import images_evidence
from gallery.forms import ArtworkEditForm
from gallery.models import ArtworkImage, Like
from gallery.services.artworks import artwork_delete, artwork_update, like_set
from gallery.storage import private_storage


def artwork_detail(request, pk: int, slug: str | None = None):
    artwork = artwork_for_viewer(request, pk)
    if slug != artwork.slug:
        return redirect(artwork, permanent=True)
    images = list(artwork.images.all())
    tags = list(artwork.tags.all())
    finals = [i for i in images if i.kind == ArtworkImage.Kind.FINAL]
    process = [i for i in images if i.kind == ArtworkImage.Kind.PROCESS]
    preference = selectors.viewer_preference(request)
    more = list(
        selectors.artworks_for_listing(preference=preference, artist_id=artwork.artist_id).exclude(
            pk=artwork.pk
        )[:6]
    )
    liked = (
        request.user.is_authenticated
        and Like.objects.filter(user_id=request.user.pk, artwork=artwork).exists()
    )
    is_following = (
        request.user.is_authenticated
        and Follow.objects.filter(follower_id=request.user.pk, artist_id=artwork.artist_id).exists()
    )
    response = render(
        request,
        "gallery/artwork_detail.html",
        {
            "artwork": artwork,
            "json_ld": json_ld(request, artwork, finals, tags),
            "is_following": is_following,
            "finals": finals,
            "process_images": process,
            "evidence": images_evidence(images, with_info=False),
            "history": list(artwork.label_changes.select_related("actor")),
            "tags": tags,
            "more": more,
            "liked": liked,
            "can_manage": can_manage(request.user, artwork),
            "is_owner": request.user.is_authenticated and request.user.pk == artwork.artist_id,
            # A URL contract, not an import: gallery never imports moderation.
            "report_url": reverse("moderation:report", kwargs={"artwork_id": artwork.pk}),
            "evidence_url": reverse("moderation:evidence_add", kwargs={"artwork_id": artwork.pk}),
        },
    )
    response.ai_training_allowed = not artwork.artist.ai_training_opt_out
    return response


def json_ld(request, artwork, finals, tags) -> str:
    """schema.org VisualArtwork stating the label as its IPTC digital source type."""
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
    artwork = artwork_for_viewer(request, pk)
    if not artwork.is_public:
        raise Http404("No such artwork.")
    liked = request.POST.get("liked") == "1"
    count = like_set(user=request.user, artwork=artwork, liked=liked)
    if request.htmx:
        return render(
            request,
            "gallery/_like_button.html",
            {"artwork": artwork, "liked": liked, "count": count},
        )
    return redirect(artwork)


@require_http_methods(["GET", "POST"])
@member_required
def artwork_edit(request, pk: int):
    artwork = artwork_for_owner(request, pk)
    images = list(artwork.images.all())
    initial = {
        "title": artwork.title,
        "description": artwork.description,
        "medium": artwork.medium,
        "tags": ", ".join(t.name for t in artwork.tags.all()),
        "label": artwork.label,
        "ai_stages": artwork.ai_stages,
        "ai_note": artwork.ai_note,
    }
    form = ArtworkEditForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        alt_texts = {
            image.pk: request.POST.get(f"alt_{image.pk}", image.alt_text).strip()[:500]
            for image in images
        }
        artwork_update(
            artwork=artwork,
            editor=request.user,
            title=data["title"],
            description=data["description"],
            medium=data["medium"],
            tags=data["tags"],
            label=data["label"],
            ai_stages=data["ai_stages"],
            ai_note=data["ai_note"],
            alt_texts=alt_texts,
            reason=data["reason"],
        )
        messages.success(request, "Your changes are saved.")
        return redirect(artwork)
    return render(
        request,
        "gallery/artwork_edit.html",
        {"artwork": artwork, "form": form, "images": images},
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)
def artwork_delete_view(request, pk: int):
    artwork = artwork_for_owner(request, pk)
    if request.method == "POST":
        artwork_delete(artwork=artwork)
        messages.success(request, f"“{artwork.title}” is deleted.")
        return redirect(request.user)
    return render(request, "gallery/artwork_confirm_delete.html", {"artwork": artwork})
