from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.access import member_required
from accounts.avatars import AvatarRejected
from accounts.forms import ProfileForm
from accounts.services import profile_update


@require_http_methods(["GET", "POST"])
@member_required(allow_suspended=True)
def profile_edit(request):
    """The signed-in member edits their own profile; there is no URL to edit anyone else's."""
    bound = request.method == "POST"
    form = ProfileForm(
        request.POST if bound else None, request.FILES if bound else None, instance=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            profile_update(
                user=request.user,
                data=form.profile_data(),
                avatar=form.cleaned_data["avatar_file"],
                remove_avatar=form.cleaned_data["remove_avatar"],
            )
        except AvatarRejected as exc:
            form.add_error("avatar_file", str(exc))
        else:
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile_edit")
    return render(
        request, "accounts/user_edit.html", {"form": form}, status=400 if form.errors else 200
    )
