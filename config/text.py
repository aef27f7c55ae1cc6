"""Single-line text: the one rule every one-line field applies, on the site and in the API.

A title, display name, tag, alt text or token name is shown in one line: in a page heading, an
email subject, a log line. A carriage return or line feed in one forges a line there (an email
header such as ``Bcc:``, a fake log entry), and other control characters have no business in
such text either. ``validate_single_line`` refuses them with a field error; the site's forms
use ``SingleLineCharField`` and the API's serializers ``api.serializers.SingleLineField``.
"""

from __future__ import annotations

import unicodedata

from django import forms
from django.core.exceptions import ValidationError

SINGLE_LINE_MESSAGE = "Use a single line of text: no line breaks, tabs or control characters."
# Categories Cc (C0 and C1 controls, DEL), Zl and Zp (U+2028/U+2029, which str.splitlines and
# many mail and log readers treat as line breaks).
_REFUSED = {"Cc", "Zl", "Zp"}


def has_control_characters(value: str) -> bool:
    return any(unicodedata.category(ch) in _REFUSED for ch in value)


def validate_single_line(value: str) -> None:
    """Raise ``ValidationError`` (code ``single_line``) if ``value`` breaks the line."""
    if value and has_control_characters(value):
        raise ValidationError(SINGLE_LINE_MESSAGE, code="single_line")


class SingleLineCharField(forms.CharField):
    """A ``forms.CharField`` rendered as one text input, refusing control characters."""

    default_validators = [validate_single_line]
