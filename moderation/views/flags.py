"""Members report posts, comments and collections."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import member_required
from community.collection_selectors import can_see as collection_can_see
from community.models import Collection, Comment
from config.errors import form_error, with_headers
from gallery.access import artwork_shown_to
from gallery.models import Artwork
from moderation.forms import CollectionFlagForm, CommentFlagForm, FlagForm
from moderation.services import ModerationError
from moderation.services.flags import (
    collection_flag_create,
    collection_flag_open_by,
    collection_report_refusal,
    comment_flag_create,
    comment_flag_open_by,
    comment_report_refusal,
    flag_create,
    flag_open_by,
)


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


@require_http_methods(["GET", "POST"])
@member_required
def comment_report(request, comment_id: int):
    """Report a comment: the reasons a comment can have, and a note. Works without
    JavaScript; a comment the member cannot see is a 404, never a hint that it exists."""
    comment = get_object_or_404(
        Comment.objects.select_related("author", "artwork", "artwork__artist"), pk=comment_id
    )
    if not artwork_shown_to(request.user, comment.artwork):
        raise Http404("No such comment.")
    back = f"{comment.artwork.get_absolute_url()}#comment-{comment.pk}"
    context = {"comment": comment, "post": comment.artwork, "back": back}
    earlier = comment_flag_open_by(reporter=request.user, comment=comment)
    if earlier is not None:
        return render(
            request, "moderation/comment_flag_form.html", {**context, "earlier": earlier},
            status=200 if request.method == "GET" else 400,
        )  # fmt: skip
    # A deleted, already moderated or own comment: the page says so instead of a form that
    # would be refused (the service's own rule, comment_report_refusal).
    refusal = comment_report_refusal(reporter=request.user, comment=comment)
    if refusal is not None:
        return render(
            request, "moderation/comment_flag_form.html", {**context, "refusal": refusal},
            status=200 if request.method == "GET" else 400,
        )  # fmt: skip
    form = CommentFlagForm(request.POST if request.method == "POST" else None)
    status, refused = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                comment_flag_create(
                    reporter=request.user,
                    comment=comment,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except ModerationError as exc:
                status, refused = form_error(form, exc), exc
            else:
                messages.success(
                    request, "Thank you. Moderators will look at it; we'll tell you the outcome."
                )
                return redirect(back)
    response = render(
        request, "moderation/comment_flag_form.html", {**context, "form": form}, status=status
    )
    return with_headers(response, refused) if refused else response


@require_http_methods(["GET", "POST"])
@member_required
def collection_report(request, collection_id: int):
    """Report a collection's title or description. Works without JavaScript; a collection the
    member cannot see (private, hidden, blocked) is a 404, never a hint that it exists."""
    collection = get_object_or_404(Collection.objects.select_related("owner"), pk=collection_id)
    own = collection.owner_id == request.user.pk
    if not own and not collection_can_see(request.user, collection):
        raise Http404("No such collection.")
    back = collection.get_absolute_url()
    context = {"collection": collection, "back": back}
    earlier = collection_flag_open_by(reporter=request.user, collection=collection)
    if earlier is not None:
        return render(
            request, "moderation/collection_flag_form.html", {**context, "earlier": earlier},
            status=200 if request.method == "GET" else 400,
        )  # fmt: skip
    refusal = collection_report_refusal(reporter=request.user, collection=collection)
    if refusal is not None:
        return render(
            request, "moderation/collection_flag_form.html", {**context, "refusal": refusal},
            status=200 if request.method == "GET" else 400,
        )  # fmt: skip
    form = CollectionFlagForm(request.POST if request.method == "POST" else None)
    status, refused = 200, None
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                collection_flag_create(
                    reporter=request.user,
                    collection=collection,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                )
            except ModerationError as exc:
                status, refused = form_error(form, exc), exc
            else:
                messages.success(
                    request, "Thank you. Moderators will look at it; we'll tell you the outcome."
                )
                return redirect(back)
    response = render(
        request, "moderation/collection_flag_form.html", {**context, "form": form}, status=status
    )
    return with_headers(response, refused) if refused else response
