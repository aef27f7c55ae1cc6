"""allauth hooks: handle rules, and who may sign in."""

from __future__ import annotations

from urllib.parse import urlsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django import forms
from django.contrib.sites.models import Site
from django.contrib.sites.shortcuts import get_current_site
from django.http import HttpRequest

from accounts.models import RESERVED_HANDLES, handle_validator
from config.client_ip import client_ip
from config.urls_abs import site_base


class AccountAdapter(DefaultAccountAdapter):
    def clean_username(self, username: str, shallow: bool = False) -> str:
        """Apply Atelier's handle rules before allauth's case-insensitive uniqueness check."""
        handle_validator(username)
        if username.lower() in RESERVED_HANDLES:
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
