"""Process evidence: the artist's form, and downloads for the artist and moderators."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import member_required
from gallery.models import Artwork
from gallery.storage import private_storage
from moderation.models import CaseEvidence
from moderation.services import ModerationInvalid
from moderation.services.evidence import LAYERED_HELP, case_evidence_add, evidence_case_for


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)  # a suspended artist can still defend their work
def evidence_add(request, artwork_id: int):
    """The form an artist reaches from the post's "evidence due" notice or the notification."""
    # Not theirs, or nothing asked for: ModerationNotFound, the 404 page (config.errors).
    case = evidence_case_for(artist=request.user, artwork_id=artwork_id)
    error = ""
    if request.method == "POST":
        try:
            case_evidence_add(
                artist=request.user,
                artwork_id=artwork_id,
                files=request.FILES.getlist("files"),
            )
        except ModerationInvalid as exc:
            error = exc.message
        else:
            messages.success(request, "Thank you: the moderators can see your files now.")
            return redirect(Artwork.objects.get(pk=artwork_id))
    return render(
        request,
        "moderation/evidence_form.html",
        {
            "case": case,
            "artwork": case.artwork,
            "sent": list(case.evidence_files.all()),
            "error": error,
            "accepted": LAYERED_HELP,
        },
        status=400 if error else 200,
    )


@member_required(allow_suspended=True)
def evidence_file(request, pk: int):
    """Download one evidence file: its artist and moderators only (404 for everyone else)."""
    item = get_object_or_404(CaseEvidence.objects.select_related("case__artwork"), pk=pk)
    artwork = item.case.artwork
    is_artist = artwork is not None and artwork.artist_id == request.user.pk
    if not (is_artist or request.user.is_moderator):
        raise Http404("No such file.")
    try:
        handle = private_storage().open(item.file.name, "rb")
    except FileNotFoundError:
        raise Http404("The file is gone.") from None
    extension = item.file.name.rsplit(".", 1)[-1]
    response = FileResponse(handle, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="evidence-{pk}.{extension}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
