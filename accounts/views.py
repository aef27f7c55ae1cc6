from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_required
from accounts.avatars import AvatarRejected
from accounts.forms import ApiTokenForm, NotificationSettingsForm, ProfileForm
from accounts.models import ApiToken, User
from accounts.redirects import safe_next_url
from accounts.selectors import block_between, blocks_made, mutes_made, notification_list
from accounts.services import (
    block_set,
    mute_artist_set,
    mute_tag_set,
    notifications_mark_read,
    profile_update,
    token_create,
    token_revoke,
)
from accounts.services_notifications import (
    notification_choices,
    notification_settings_set,
    unsubscribe,
    unsubscribe_check,
    unsubscribe_scope_label,
)
from config import cursors
from config.errors import DomainError, Invalid, RateLimited, form_error

# Blocks and mutes are safety tools: a suspended member may still use them (they change only
# what they and the blocked member see), so every view below allows suspension.


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)
def profile_edit(request):
    """The signed-in member edits their own profile; there is no URL to edit anyone else's.

    A new avatar is processed in the worker; the page says so until it is ready, and shows why
    when it could not be used.
    """
    bound = request.method == "POST"
    form = ProfileForm(
        request.POST if bound else None, request.FILES if bound else None, instance=request.user
    )
    status, retry_after = 200, None
    if request.method == "POST" and form.is_valid():
        try:
            user = profile_update(
                user=request.user,
                data=form.profile_data(),
                avatar=form.cleaned_data["avatar_file"],
                remove_avatar=form.cleaned_data.get("remove_avatar", False),
            )
        except AvatarRejected as exc:
            form.add_error("avatar_file", str(exc))
        except RateLimited as exc:
            form.add_error("avatar_file", exc.message)
            status, retry_after = 429, exc.retry_after
        else:
            messages.success(request, "Your profile is saved.")
            # In the embedded mode the task has already run by now; in production it has not.
            user.refresh_from_db(fields=["avatar", "avatar_pending", "avatar_error"])
            if user.avatar_pending:
                messages.info(request, "Your new avatar is being processed.")
            return redirect("accounts:profile_edit")
    if form.errors and status == 200:
        status = 400
    response = render(request, "accounts/user_edit.html", {"form": form}, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


NOTIFICATIONS_PAGE = 50


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)
def notifications(request):
    """The member's notifications, newest first, in keyset pages (``?after=``); POST marks
    them all read (a plain form, or htmx swapping the list). Suspended members may: their
    suspension notices arrive here."""
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        # htmx follows the redirect and swaps the list and the header badge from the page it
        # gets (hx-select); the message is for the plain form's full page load.
        if not request.headers.get("HX-Request"):
            messages.success(request, "All your notifications are marked read.")
        return redirect("notifications")
    # Walks accounts_notification_list (user, -created_at): a fixed number of queries per
    # page however many rows the member has.
    page = cursors.keyset_page(
        notification_list(user=request.user),
        request.GET.get("after") or None,
        key="created_at",
        size=NOTIFICATIONS_PAGE,
    )
    context = {"items": page.items, "page": page}
    return render(request, "accounts/notification_list.html", context)


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)
def notification_settings(request):
    """The member's choices per kind: in-site, and email (right away, daily or weekly digest,
    off). Suspended members may change them (it only limits what reaches them)."""
    choices = notification_choices(user=request.user)
    bound = request.method == "POST"
    form = NotificationSettingsForm(request.POST if bound else None, choices=choices)
    status = 200
    if bound and form.is_valid():
        try:
            notification_settings_set(user=request.user, changes=form.changes())
        except DomainError as exc:
            status = form_error(form, exc)
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect("accounts:notification_settings")
    if form.errors and status == 200:
        status = 400
    return render(request, "accounts/notification_settings.html", {"form": form}, status=status)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe_view(request, token: str):
    """One-click unsubscribe from an email, no login: GET shows what the link stops and a
    button; POST (the button, or a mail client's RFC 8058 ``List-Unsubscribe=One-Click``)
    does it. CSRF-exempt because the signed token is the proof, and mail clients post
    without a session. A bad, forged or expired token gets a page that says so (400)."""
    if request.method == "POST":
        try:
            user, scope = unsubscribe(token=token)
        except Invalid as exc:
            return _unsubscribe_page(request, {"error": exc.message}, status=400)
        return _unsubscribe_page(
            request, {"done": True, "what": unsubscribe_scope_label(scope), "member": user}
        )
    try:
        _user, scope = unsubscribe_check(token=token)
    except Invalid as exc:
        return _unsubscribe_page(request, {"error": exc.message}, status=400)
    return _unsubscribe_page(request, {"what": unsubscribe_scope_label(scope)})


def _unsubscribe_page(request, context: dict, status: int = 200):
    response = render(request, "accounts/unsubscribe.html", context, status=status)
    # A token in the URL: never kept by a shared cache, never sent on as a referrer.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)
def token_list(request):
    """The member's API tokens; POST creates one, whose key this response shows once."""
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    new_token, new_key = None, None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            new_token, new_key = token_create(user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
            # A suspended member may list and revoke tokens here, but not make one.
            status = 403 if exc.code == "suspended" else 400
        else:
            form = ApiTokenForm()
    if form.errors and status == 200:
        status = 400
    tokens = list(ApiToken.objects.active().filter(user=request.user))
    response = render(
        request,
        "accounts/token_list.html",
        {"form": form, "tokens": tokens, "new_token": new_token, "new_key": new_key},
        status=status,
    )
    # The new key is in this page and nowhere else: keep it out of every cache.
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@member_required(allow_suspended=True)
def token_revoke_view(request, pk: int):
    if not token_revoke(user=request.user, token_id=pk):
        raise Http404("No such token.")
    messages.success(request, "The token is revoked: requests with it are refused from now on.")
    return redirect("accounts:token_list")


def _member_or_404(handle: str) -> User:
    return get_object_or_404(User.objects.by_handle(handle), is_active=True)


@require_http_methods(["GET"])
@member_required(allow_suspended=True)
def blocks(request):
    """The member's blocked members and muted artists and tags, each with an undo button."""
    context = {"blocks": list(blocks_made(user=request.user)[:500])}
    mutes = list(mutes_made(user=request.user)[:500])
    context["muted_artists"] = [m for m in mutes if m.artist_id]
    context["muted_tags"] = [m for m in mutes if m.tag_id]
    response = render(request, "accounts/block_list.html", context)
    response["Cache-Control"] = "private, no-store"
    return response


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)
def block(request, handle: str):
    """GET: the confirmation page (what a block does); POST ``blocking=1`` blocks, anything
    else unblocks. htmx gets the row or button back, a plain form a redirect to ``next``."""
    person = _member_or_404(handle)
    if person.pk == request.user.pk:
        raise Invalid("You cannot block yourself.", code="self")
    if request.method == "GET":
        made = block_between(request.user, person.pk) == "made"
        return render(request, "accounts/block_confirm.html", {"person": person, "blocked": made})
    blocking = request.POST.get("blocking") == "1"
    block_set(blocker=request.user, blocked=person, blocking=blocking)
    if request.htmx:
        context = {"person": person, "kind": "block", "active": blocking}
        return render(request, "accounts/_filter_done.html", context)
    messages.success(request, f"You {'blocked' if blocking else 'unblocked'} @{person.handle}.")
    return redirect(safe_next_url(request, default="accounts:blocks"))


@require_POST
@member_required(allow_suspended=True)
def mute_artist(request, handle: str):
    """POST ``muting=1`` mutes the artist in the member's own feeds, anything else unmutes."""
    person = _member_or_404(handle)
    muting = request.POST.get("muting") == "1"
    mute_artist_set(user=request.user, artist=person, muting=muting)
    if request.htmx:
        template = (
            "accounts/_mute_button.html"
            if request.POST.get("button")
            else ("accounts/_filter_done.html")
        )
        return render(
            request,
            template,
            {
                "person": person,
                "kind": "artist",
                "active": muting,
                "artist_muted": muting,
                "artist": person,
            },
        )
    messages.success(request, f"{'Muted' if muting else 'Unmuted'} @{person.handle}.")
    return redirect(safe_next_url(request, default="accounts:blocks"))


@require_POST
@member_required(allow_suspended=True)
def mute_tag(request, slug: str):
    """POST ``muting=1`` mutes the tag in the member's own feeds, anything else unmutes."""
    from taggit.models import Tag

    tag = get_object_or_404(Tag, slug=slug)
    muting = request.POST.get("muting") == "1"
    mute_tag_set(user=request.user, tag=tag, muting=muting)
    if request.htmx:
        template = (
            "accounts/_mute_tag_button.html"
            if request.POST.get("button")
            else ("accounts/_filter_done.html")
        )
        return render(
            request,
            template,
            {"tag": tag, "kind": "tag", "active": muting, "tag_muted": muting},
        )
    messages.success(request, f"{'Muted' if muting else 'Unmuted'} #{tag.name}.")
    return redirect(safe_next_url(request, default="accounts:blocks"))
