"""allauth hooks: handle rules, and who may sign in."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.http import HttpRequest

from accounts.models import RESERVED_HANDLES, handle_validator
from config.client_ip import client_ip


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
