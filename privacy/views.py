"""The "Your data" settings page: export everything, close the account, and the pages around
them (download, after the request, cancelling during the grace period)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, logout
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import member_required
from accounts.adapters import DELETION_CANCEL_SESSION_KEY
from config.errors import Conflict, DomainError, NotFound, form_error, with_headers
from gallery.storage import private_storage
from privacy.forms import AccountDeleteForm
from privacy.selectors import exports_of
from privacy.services.deletion import (
    account_delete_cancel,
    account_delete_request,
    purge_date,
)
from privacy.services.export import export_for_link, export_link, export_request

# How long after a correct password the cancel page still trusts this browser.
CANCEL_WINDOW_SECONDS = 600


def _page(request, *, form=None, export_error=None, status=200):
    exports = list(exports_of(user=request.user))
    latest = exports[0] if exports else None
    context = {
        "exports": exports,
        "latest": latest,
        "latest_link": export_link(export=latest) if latest and latest.is_downloadable else "",
        "form": form or AccountDeleteForm(),
        "export_error": export_error,
        "grace_days": settings.ACCOUNT_DELETION_GRACE_DAYS,
    }
    response = render(request, "privacy/data_settings.html", context, status=status)
    # The page may carry a download link: keep it out of every shared cache.
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@member_required(allow_suspended=True)
def data_settings(request):
    """The member's "Your data" page: their exports with progress, and account deletion."""
    return _page(request)


@require_POST
@member_required(allow_suspended=True)
def export_request_view(request):
    """Ask for a new export; the page then shows its progress. Suspended members may: the
    data is theirs whatever they did."""
    try:
        export_request(user=request.user)
    except DomainError as exc:
        return with_headers(_page(request, export_error=exc, status=exc.status), exc)
    messages.success(request, "Your export is being prepared. We will email you a link.")
    return redirect("privacy:data")


@require_GET
@member_required(allow_suspended=True)
def export_status(request):
    """The status block alone, for htmx to poll (the full page shows the same block)."""
    exports = list(exports_of(user=request.user, limit=1))
    latest = exports[0] if exports else None
    link = export_link(export=latest) if latest and latest.is_downloadable else ""
    response = render(
        request, "privacy/_export_status.html", {"latest": latest, "latest_link": link}
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@never_cache
def export_download(request, token: str):
    """Stream an export's ZIP from private storage to whoever holds its signed link.

    The link is the credential (it is emailed to the member and works on any device until it
    expires); a forged or expired one is a 404 page that says which. Never a redirect to a
    storage URL: the file is read here and streamed.
    """
    try:
        export = export_for_link(token=token)
    except NotFound as exc:
        # Said plainly, with the way to a new link: 410 for a link that worked once.
        status = 410 if exc.code == "export_link_expired" else 404
        response = render(
            request, "privacy/export_link_refused.html", {"error": exc}, status=status
        )
        response["Referrer-Policy"] = "no-referrer"
        return response
    handle = export.user.handle
    response = FileResponse(
        private_storage().open(export.file_name, "rb"),
        as_attachment=True,
        filename=f"atelier-{handle}-{export.finished_at:%Y%m%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@require_POST
@member_required(allow_suspended=True)
def account_delete_view(request):
    """Close the account after the password is given again: signed out at once, deleted after
    the grace period unless they sign in again and cancel."""
    form = AccountDeleteForm(request.POST)
    if form.is_valid():
        try:
            account_delete_request(user=request.user, password=form.cleaned_data["password"])
        except DomainError as exc:
            status = form_error(form, exc)
            return with_headers(_page(request, form=form, status=status), exc)
        logout(request)
        return redirect("privacy:deletion_requested")
    return _page(request, form=form, status=400)


@require_GET
def deletion_requested(request):
    """What happens next, for someone just signed out by their deletion request."""
    return render(
        request,
        "privacy/deletion_requested.html",
        {"grace_days": settings.ACCOUNT_DELETION_GRACE_DAYS},
    )


def _cancel_candidate(request):
    stash = request.session.get(DELETION_CANCEL_SESSION_KEY)
    if not isinstance(stash, dict):
        return None
    at = stash.get("at")
    if not isinstance(at, int | float) or timezone.now().timestamp() - at > CANCEL_WINDOW_SECONDS:
        return None
    user = get_user_model().objects.filter(pk=stash.get("user")).first()
    return user if user is not None and user.deletion_pending else None


@require_http_methods(["GET", "POST"])
@never_cache
def deletion_cancel(request):
    """Reached by signing in to an account that is closing (the password was right): say
    when it will be deleted and offer to cancel. Cancelling reactivates it and signs in."""
    user = _cancel_candidate(request)
    if user is None:
        messages.info(request, "Sign in to the account whose deletion you want to cancel.")
        return redirect("account_login")
    error = None
    if request.method == "POST":
        try:
            account_delete_cancel(user=user)
        except Conflict as exc:
            error = exc.message
        else:
            request.session.pop(DELETION_CANCEL_SESSION_KEY, None)
            login(request, user, backend="accounts.backends.ModelBackend")
            messages.success(request, "Welcome back: your account is no longer being deleted.")
            return redirect("privacy:data")
    return render(
        request,
        "privacy/deletion_cancel.html",
        {"pending_user": user, "purge_on": purge_date(user), "error": error},
        status=409 if error else 200,
    )
