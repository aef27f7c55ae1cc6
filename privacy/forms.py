"""The account deletion form: the password, asked again."""

from __future__ import annotations

from django import forms


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Asked again so that nobody at an unlocked computer can close your account.",
    )
