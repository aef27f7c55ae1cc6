from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import member_required
from accounts.avatars import AvatarRejected
from accounts.forms import ApiTokenForm, ProfileForm
from accounts.models import ApiToken
from accounts.selectors import notification_list
from accounts.services import (
    notifications_mark_read,
    profile_update,
    token_create,
    token_revoke,
)
from config.errors import RateLimited


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


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)
def notifications(request):
    """The member's notifications; POST marks them all read."""
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        return redirect("notifications")
    items = list(notification_list(user=request.user)[:100])
    return render(request, "accounts/notification_list.html", {"items": items})


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
