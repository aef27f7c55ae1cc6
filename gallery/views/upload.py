"""Posting art: the upload form, the processing page and the retry button."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_required
from config.errors import DomainError, with_headers
from gallery.access import artwork_for_owner
from gallery.forms import UploadForm
from gallery.models import Artwork
from gallery.services.pipeline import artwork_retry
from gallery.services.upload import (
    POSTS_PER_HOUR,
    artwork_create,
    incoming_images,
    upload_probe,
)
from gallery.services.upload_keys import UploadReplayed, upload_key_issue, upload_key_replayed

# What imaging.probe accepts, as the browser names the types (the page's script checks them).
UPLOAD_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")


def _already_posted(request, artwork_id: int):
    """A replayed form (double click, Back then Post) goes to the post it already made."""
    messages.info(request, "You already posted this form; here is that post.")
    return redirect("gallery:artwork_status", pk=artwork_id)


def upload_limits() -> dict:
    """The limits the page states and its script checks before sending anything."""
    return {
        "max_bytes": settings.ATELIER_MAX_UPLOAD_BYTES,
        "max_files": settings.ATELIER_MAX_IMAGES_PER_POST,
        "types": ",".join(UPLOAD_TYPES),
    }


@require_http_methods(["GET", "POST"])
@member_required
def upload(request):
    """Validate every file and field in the request; store nothing unless all of it is good."""
    finals = request.FILES.getlist("images")
    process = request.FILES.getlist("process_images")
    if request.method == "POST":
        form = UploadForm(request.POST, files_present=len(finals))
    else:
        form = UploadForm(initial={"idempotency_key": upload_key_issue()})
    file_errors: list[str] = []
    status = 400 if request.method == "POST" else 200
    refused: DomainError | None = None
    if request.method == "POST":
        # A spent key answers before anything is checked (or counted) again: a form the
        # browser restored on Back may have lost its files, but it has been posted all the same.
        spent = upload_key_replayed(
            member=request.user, key=request.POST.get("idempotency_key", "")
        )
        if spent is not None:
            return _already_posted(request, spent)
    if request.method == "POST" and form.is_valid():
        alts = request.POST.getlist("alt_text")
        data = form.cleaned_data
        try:
            probes = upload_probe(finals + process, uploader=request.user)
            artwork = artwork_create(
                artist=request.user,
                title=data["title"],
                description=data["description"],
                medium=data["medium"],
                tags=data["tags"],
                label=data["label"],
                ai_stages=data["ai_stages"],
                ai_note=data["ai_note"],
                images=incoming_images(finals=finals, process=process, probes=probes, alts=alts),
                idempotency_key=data["idempotency_key"],
                mature=data["mature"],
            )
        except UploadReplayed as exc:
            return _already_posted(request, exc.artwork_id)
        except DomainError as exc:
            file_errors, status, refused = exc.messages, exc.status, exc
            if exc.code == POSTS_PER_HOUR:
                # The page has always shown the hourly post allowance as a form error (400)
                # and the API as a 429; the attempt limit is a 429 on both.
                status, refused = 400, None
        else:
            return redirect("gallery:artwork_status", pk=artwork.pk)
    response = render(
        request,
        "gallery/artwork_upload.html",
        {"form": form, "file_errors": file_errors, "limits": upload_limits()},
        status=status,
    )
    return with_headers(response, refused) if refused else response


@member_required(allow_suspended=True)
def artwork_status(request, pk: int):
    """Processing progress; the partial polls itself (htmx) until the artwork settles."""
    artwork = artwork_for_owner(request, pk)
    context = {
        "artwork": artwork,
        "images": list(artwork.images.all()),
        "done": artwork.status != Artwork.Status.PROCESSING,
    }
    if request.htmx:
        return render(request, "gallery/_artwork_status.html", context)
    return render(request, "gallery/artwork_status.html", context)


@require_POST
@member_required
def artwork_retry_view(request, pk: int):
    artwork = artwork_for_owner(request, pk)
    if artwork_retry(artwork=artwork):
        messages.info(request, "Trying again…")
    return redirect("gallery:artwork_status", pk=artwork.pk)
