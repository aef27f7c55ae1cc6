"""The collection form: cleaning only (the rules and limits are community.collections')."""

from __future__ import annotations

from django import forms

from community.collections import DESCRIPTION_MAX, TITLE_MAX
from config.text import SingleLineCharField


class CollectionForm(forms.Form):
    title = SingleLineCharField(max_length=TITLE_MAX)
    description = forms.CharField(
        max_length=DESCRIPTION_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=f"Optional, up to {DESCRIPTION_MAX} characters.",
    )
    public = forms.BooleanField(
        required=False,
        initial=True,
        label="Public",
        help_text="Public collections appear on your profile and have an Atom feed; private "
        "ones only you can open.",
    )
