"""allauth hooks: handle rules, and who may sign in."""

from __future__ import annotations

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django import forms
from django.contrib.sites.models import Site
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from accounts.models import RESERVED_HANDLES, TOMBSTONE_PREFIX, handle_validator
from config.client_ip import client_ip
from config.urls_abs import site_base


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username: str, shallow: bool = False) -> str:
        """Apply Atelier's handle rules before allauth's case-insensitive uniqueness check."""
        handle_validator(username)
        lowered = username.lower()
        if lowered in RESERVED_HANDLES or lowered.startswith(TOMBSTONE_PREFIX):
            raise forms.ValidationError("That handle is reserved; please choose another.")
        return super().clean_username(username, shallow=shallow)

    def get_client_ip(self, request: HttpRequest) -> str:
        """The address allauth's rate limits count by: the same one as every other limit."""
        return client_ip(request)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """allauth's emails end with the site's domain: the address this request was served on
        when SITE_URL is unset, not the sites framework's one stored row."""
        request = allauth_context.request
        site = get_current_site(request)
        # An unsaved copy: the row is cached per process, and this domain is per request.
        here = Site(pk=site.pk, name=site.name, domain=urlsplit(site_base(request)).netloc)
        super().send_mail(template_prefix, email, {"current_site": here, **context})

    def respond_user_inactive(self, request: HttpRequest, user) -> HttpResponse:
        """A member whose account is closing signed in with the right password: offer to
        cancel the deletion (privacy:deletion_cancel) instead of allauth's "inactive" page.

        allauth calls this only after the password matched. The member's id goes into the
        session with the time, so the cancel page needs no second password entry yet works
        only for a few minutes and only in this browser.
        """
        if getattr(user, "deletion_pending", False):
            request.session[DELETION_CANCEL_SESSION_KEY] = {
                "user": user.pk,
                "at": timezone.now().timestamp(),
            }
            return redirect("privacy:deletion_cancel")
        return super().respond_user_inactive(request, user)


# Read by privacy.views.deletion_cancel: who proved their password, and when (a timestamp).
DELETION_CANCEL_SESSION_KEY = "atelier_deletion_cancel"
