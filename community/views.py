"""Comment pages: the thread under an artwork (a section of gallery's page), its own pages for
paging without JavaScript, and the forms to post, reply, edit, delete, hide and turn off.

Every form works as a plain POST that redirects back to the comment, and with htmx, which gets
the changed markup instead. A refused htmx form comes back with its real status (400, 403,
429) and ``HX-Retarget`` naming the form, which ``static/js/atelier.js`` lets htmx swap in
(``data-swap-errors``), so the message shows where the member typed.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_required
from community import selectors
from community.access import can_comment, comment_for_viewer
from community.forms import CommentForm
from community.models import Comment
from community.services import (
    comment_create,
    comment_delete,
    comment_edit,
    comment_hide,
    comment_unhide,
    comments_enabled_set,
)
from config.errors import DomainError, NotAllowed, form_error, with_headers
from gallery import listing_cache
from gallery.access import artwork_for_viewer
from gallery.models import Artwork

THREAD_TEMPLATE = "community/_thread.html"


def _anchor(comment: Comment) -> str:
    return f"{comment.artwork.get_absolute_url()}#comment-{comment.pk}"


def _form_id(parent: Comment | None) -> str:
    return f"reply-form-{parent.pk}" if parent else "comment-form"


def thread_context(request, artwork: Artwork, *, cursor: str | None = None) -> dict:
    """What the thread templates need: the page of comments for this viewer, whether they may
    comment, and a fresh form if so."""
    thread = selectors.thread_page(viewer=request.user, artwork=artwork, cursor=cursor)
    allowed = request.user.is_authenticated and can_comment(
        request.user, artwork, blocked=thread.blocked
    )
    return {
        "artwork": artwork,
        "thread": thread,
        "members": thread.members,
        "can_comment": allowed,
        "form": CommentForm() if allowed else None,
        "is_artist": request.user.is_authenticated and request.user.pk == artwork.artist_id,
    }


def render_thread(request, artwork: Artwork) -> SafeString:
    """The thread section under ``artwork``'s page (registered with gallery.page_sections).

    Anonymous visitors all see the same markup (no forms, no per-viewer marks): it is cached
    under the ``comments:<id>`` version that every comment change bumps, and ``all`` (renames,
    suspensions). Members' threads carry their forms and blocks and are never shared.
    """

    def build() -> str:
        # Not render_to_string(request=...): the context processors already ran for the page
        # (a second unread-notifications count), and for an anonymous visitor a CSRF token
        # would set a cookie on a page that must stay cookie-less. Members' forms get theirs.
        context = {**thread_context(request, artwork), "request": request, "user": request.user}
        if request.user.is_authenticated:
            context["csrf_token"] = get_token(request)
        return render_to_string(THREAD_TEMPLATE, context)

    if request.user.is_authenticated or not artwork.is_public:
        return mark_safe(build())  # noqa: S308 (rendered by the template engine, escaped)
    versions = listing_cache.versions([f"comments:{artwork.pk}"])
    key = versions and listing_cache.listing_cache_key(
        surface="comments", argument=artwork.pk, preference="", mature="", cursor=None,
        part="thread", versions=versions,
    )  # fmt: skip
    return mark_safe(listing_cache.get_or_render(key or None, build))  # noqa: S308 (as above)


def thread_scopes(artwork: Artwork) -> list[str]:
    return [f"comments:{artwork.pk}"]


def _refused(request, template: str, context: dict, form, exc: DomainError, parent=None):
    """A refused form: htmx gets the form alone, retargeted onto itself; a plain POST the
    whole page with the message beside the form. Both carry the real status and headers."""
    status = form_error(form, exc)
    if request.htmx:
        response = render(
            request,
            "community/_comment_form.html",
            {**context, "form": form, "parent": parent, "form_id": _form_id(parent)},
            status=status,
        )
        response["HX-Retarget"] = f"#{_form_id(parent)}"
        response["HX-Reswap"] = "outerHTML"
    else:
        response = render(request, template, {**context, "form": form}, status=status)
    return with_headers(response, exc)


@require_http_methods(["GET", "POST"])
def artwork_comments(request, artwork_id: int):
    """GET: a page of the thread (``?after=`` a cursor): the "More comments" link's target
    without JavaScript, and the cards htmx appends with it. POST: a new comment or reply."""
    if request.method == "POST":
        return _comment_post(request, artwork_id)
    artwork = artwork_for_viewer(request, artwork_id)
    context = thread_context(request, artwork, cursor=request.GET.get("after") or None)
    template = "community/_thread_items.html" if request.htmx else "community/comment_list.html"
    response = render(request, template, context)
    response["Cache-Control"] = "private, no-store"
    return response


@member_required
def _comment_post(request, artwork_id: int):
    artwork = artwork_for_viewer(request, artwork_id)
    form = CommentForm(request.POST)
    parent = None
    # A refusal re-renders the page the form sits on (the thread, or the replies page for a
    # reply), so a member without JavaScript sees the message beside what they typed.
    context = {"artwork": artwork, "can_comment": True, "members": frozenset()}
    if form.is_valid() and form.cleaned_data.get("parent"):
        try:
            parent = comment_for_viewer(request.user, form.cleaned_data["parent"])
        except DomainError as exc:
            return _refused(request, "community/comment_list.html", context, form, exc)
    template = "community/comment_replies.html" if parent else "community/comment_list.html"
    if parent:
        context.update(
            parent=parent, thread=selectors.replies_page(viewer=request.user, parent=parent)
        )
    else:
        context["thread"] = selectors.thread_page(viewer=request.user, artwork=artwork)
    if not form.is_valid():
        status = 400
        if request.htmx:
            response = render(
                request,
                "community/_comment_form.html",
                {**context, "form": form, "parent": parent, "form_id": _form_id(parent)},
                status=status,
            )
            response["HX-Retarget"] = f"#{_form_id(parent)}"
            response["HX-Reswap"] = "outerHTML"
            return response
        return render(request, template, {**context, "form": form}, status=status)
    try:
        posted = comment_create(
            author=request.user, artwork=artwork, body=form.cleaned_data["body"], parent=parent
        )
    except DomainError as exc:
        return _refused(request, template, context, form, exc, parent)
    comment = posted.comment
    # Post/redirect/get: a reload after posting asks for the page, it does not post again.
    if not request.htmx:
        return redirect(_anchor(comment))
    members = selectors.mark(comment, viewer=request.user)
    return render(
        request,
        "community/_comment_posted.html",
        {
            "artwork": artwork,
            "comment": comment,
            "members": members,
            "created": posted.created,
            "is_reply": parent is not None,
            "form": CommentForm(),
            "parent": parent,
            "form_id": _form_id(parent),
            "can_comment": True,
        },
        status=201 if posted.created else 200,
    )


@require_http_methods(["GET"])
def comment_replies(request, pk: int):
    """All the replies to one comment, oldest first, paged (the "more replies" link)."""
    parent = comment_for_viewer(request.user, pk)
    if parent.parent_id:
        # A reply has no replies of its own: its conversation is its top-level comment's.
        return redirect("community:replies", pk=parent.parent_id)
    artwork = parent.artwork
    thread = selectors.replies_page(
        viewer=request.user, parent=parent, cursor=request.GET.get("after") or None
    )
    allowed = request.user.is_authenticated and can_comment(
        request.user, artwork, blocked=thread.blocked
    )
    context = {
        "artwork": artwork,
        "parent": parent,
        "thread": thread,
        "members": thread.members | selectors.mark(parent, viewer=request.user),
        "can_comment": allowed,
        "form": CommentForm(initial={"parent": parent.pk}) if allowed else None,
    }
    template = "community/_replies_items.html" if request.htmx else "community/comment_replies.html"
    response = render(request, template, context)
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@member_required
def comment_edit_view(request, pk: int):
    """Its author edits a comment (within 15 minutes of posting)."""
    comment = comment_for_viewer(request.user, pk)
    if comment.author_id != request.user.pk:
        raise NotAllowed("Only its author can edit a comment.")
    form = CommentForm(
        request.POST if request.method == "POST" else None, initial={"body": comment.body}
    )
    context = {"artwork": comment.artwork, "comment": comment, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            comment_edit(editor=request.user, comment=comment, body=form.cleaned_data["body"])
        except DomainError as exc:
            status = form_error(form, exc)
            response = render(request, "community/comment_edit.html", context, status=status)
            return with_headers(response, exc)
        return redirect(_anchor(comment))
    status = 400 if form.errors else 200
    return render(request, "community/comment_edit.html", context, status=status)


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)
def comment_delete_view(request, pk: int):
    """Its author confirms, then deletes a comment (suspended authors too)."""
    comment = comment_for_viewer(request.user, pk)
    if comment.author_id != request.user.pk:
        raise NotAllowed("Only its author can delete a comment.")
    if request.method == "POST":
        comment_delete(member=request.user, comment=comment)
        return redirect(f"{comment.artwork.get_absolute_url()}#comments")
    return render(
        request,
        "community/comment_confirm_delete.html",
        {"comment": comment, "artwork": comment.artwork},
    )


def _after_moderation(request, comment: Comment) -> HttpResponse:
    if not request.htmx:
        return redirect(_anchor(comment))
    members = selectors.mark(comment, viewer=request.user)
    return render(
        request,
        "community/_comment.html",
        {"artwork": comment.artwork, "comment": comment, "members": members},
    )


@require_POST
@member_required
def comment_hide_view(request, pk: int):
    """The post's artist hides a comment on it."""
    comment = comment_for_viewer(request.user, pk)
    comment_hide(artist=request.user, comment=comment)
    return _after_moderation(request, comment)


@require_POST
@member_required
def comment_unhide_view(request, pk: int):
    """The post's artist shows a comment they hid again."""
    comment = comment_for_viewer(request.user, pk)
    comment_unhide(artist=request.user, comment=comment)
    return _after_moderation(request, comment)


@require_POST
@member_required
def comments_settings(request, artwork_id: int):
    """The artist turns comments on their post on (``enabled=1``) or off."""
    artwork = artwork_for_viewer(request, artwork_id)
    comments_enabled_set(
        artist=request.user, artwork=artwork, enabled=request.POST.get("enabled") == "1"
    )
    return redirect(f"{artwork.get_absolute_url()}#comments")
