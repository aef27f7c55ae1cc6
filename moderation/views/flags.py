"""Members report posts."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import member_required
from config.errors import form_error, with_headers
from gallery.models import Artwork
from moderation.forms import FlagForm
from moderation.services import ModerationError
from moderation.services.flags import flag_create, flag_open_by


@require_http_methods(["GET", "POST"])
@member_required
def report(request, artwork_id: int):
    artwork = get_object_or_404(Artwork.objects.select_related("artist"), pk=artwork_id)
    if not artwork.is_public:
        raise Http404("No such artwork.")
    earlier = flag_open_by(reporter=request.user, artwork=artwork)
    if earlier is not None:
        return render(
            request, "moderation/flag_form.html", {"artwork": artwork, "earlier": earlier},
            status=200 if request.method == "GET" else 400,
        )  # fmt: skip
    form = FlagForm(request.POST if request.method == "POST" else None)
    status, refused = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                flag_create(
                    reporter=request.user,
                    artwork=artwork,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    original_url=form.cleaned_data["original_url"],
                )
            except ModerationError as exc:
                status, refused = form_error(form, exc), exc
            else:
                messages.success(
                    request, "Thank you. Moderators will look at it; we'll tell you the outcome."
                )
                return redirect(artwork)
    response = render(
        request, "moderation/flag_form.html", {"artwork": artwork, "form": form}, status=status
    )
    return with_headers(response, refused) if refused else response
