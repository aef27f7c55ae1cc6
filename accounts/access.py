"""Access helpers used by views across apps: who is a member in good standing."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render


def has_verified_email(user) -> bool:
    if not user.is_authenticated:
        return False
    if getattr(user, "_atelier_verified", None) is None:
        # With the moderator role and the unread count: one query (accounts.selectors).
        from accounts.selectors import load_member_state

        load_member_state(user)
    return user._atelier_verified


def member_required(view=None, *, allow_suspended: bool = False):
    """Signed in, email verified and (unless ``allow_suspended``) not suspended.

    Anonymous visitors are sent to log in; unverified members to the verification page;
    suspended members get a page (status 403) that says why, until when, and what they can do.
    """

    def decorator(func):
        @wraps(func)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_verified_email(user):
                messages.warning(request, "Please confirm your email address first.")
                return redirect("account_email")
            if not allow_suspended and user.is_suspended:
                # Explain instead of a bare 403: what is suspended, until when, and why (the
                # banner in base.html says it on every page too).
                return render(
                    request,
                    "accounts/suspended.html",
                    {"until": user.suspended_until, "reason": user.suspension_reason},
                    status=403,
                )
            return func(request, *args, **kwargs)

        return wrapper

    return decorator(view) if view is not None else decorator


def moderator_required(func):
    @wraps(func)
    @member_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_moderator:
            raise PermissionDenied("Only moderators can see this page.")
        return func(request, *args, **kwargs)

    return wrapper
