"""The comment form: cleaning only. The rules on the text are ``community.text.clean_body``'s,
applied by the services, so the site and the API refuse the same things with the same words."""

from __future__ import annotations

from django import forms

from community.text import EMPTY_MESSAGE, MAX_LENGTH


class CommentForm(forms.Form):
    # strip=False: the text is stored as typed; the service refuses whitespace-only text.
    body = forms.CharField(
        label="Comment",
        strip=False,
        max_length=MAX_LENGTH,
        error_messages={"required": EMPTY_MESSAGE},
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": MAX_LENGTH}),
        help_text="Plain text. Links and @handles become links.",
    )
    parent = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
