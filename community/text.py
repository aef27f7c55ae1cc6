"""A comment's text: the rules it must meet, the mentions in it, and how it is shown.

Comments are plain text, stored as typed (only Windows line ends are made ``\\n``, so a
textarea's 2,000 characters are 2,000 here too). Showing one escapes everything, then makes
exactly two things links: ``http``/``https`` URLs (``rel="nofollow ugc noopener"``: they are
the commenter's links, not ours, and no ``target`` so nothing opens a window the page cannot
see) and ``@handle`` mentions of members that exist. No other markup survives, and a
``javascript:`` or ``data:`` URL is never a link because only the two schemes are matched.
"""

from __future__ import annotations

import re
import unicodedata

from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from config.errors import Invalid

MAX_LENGTH = 2000
# Mentions notified per comment: a comment naming 200 members is spam, not a conversation.
MAX_MENTIONS = 10

# The handle rule of accounts.models.handle_validator; not preceded by a word character, so
# an email address (ana@example.com) mentions nobody.
MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9_-]{2,30})(?![A-Za-z0-9_-])")
# http(s) only, up to whitespace or a character that cannot be in a bare URL in prose.
URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
# Punctuation that usually ends the sentence, not the URL ("see https://x.org/a.").
TRAILING = ".,;:!?*"
TOKEN = re.compile(f"(?P<url>{URL.pattern})|{MENTION.pattern}", re.IGNORECASE)

EMPTY_MESSAGE = "Write something first: a comment cannot be empty."
NUL_MESSAGE = (
    "The comment contains a NUL character, which cannot be stored. Remove it and try again."
)
CONTROL_MESSAGE = (
    "The comment contains control characters; only text, tabs and line breaks are allowed."
)


def clean_body(body: object) -> str:
    """The body to store, or ``Invalid`` (field ``body``) saying what is wrong with it.

    Refused: anything but text, empty or whitespace only, longer than ``MAX_LENGTH``
    characters, a NUL character (PostgreSQL text cannot hold it) or other control characters
    (tabs and line breaks are fine).
    """
    if not isinstance(body, str):
        raise Invalid(EMPTY_MESSAGE, field_errors={"body": ["Expected text."]}, code="body")
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in body:
        raise Invalid(NUL_MESSAGE, field_errors={"body": [NUL_MESSAGE]}, code="body")
    if not body.strip():
        raise Invalid(EMPTY_MESSAGE, field_errors={"body": [EMPTY_MESSAGE]}, code="body")
    if len(body) > MAX_LENGTH:
        message = f"A comment has at most {MAX_LENGTH:,} characters; this one has {len(body):,}."
        raise Invalid(message, field_errors={"body": [message]}, code="body")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n" for ch in body):
        raise Invalid(CONTROL_MESSAGE, field_errors={"body": [CONTROL_MESSAGE]}, code="body")
    return body


def mentioned_handles(body: str) -> list[str]:
    """The handles ``@``-mentioned in ``body``, lower-cased, each once, in order of first
    appearance (handles are unique whatever their case)."""
    seen: dict[str, None] = {}
    for match in MENTION.finditer(body):
        seen.setdefault(match.group(1).lower(), None)
    return list(seen)


def _split_url(url: str) -> tuple[str, str]:
    """(the URL, what follows it in the sentence): trailing punctuation, and a closing
    parenthesis that closes the prose rather than the URL ("(see https://x.org/a)")."""
    tail = ""
    while url and (url[-1] in TRAILING or (url[-1] == ")" and url.count("(") < url.count(")"))):
        tail = url[-1] + tail
        url = url[:-1]
    return url, tail


def render_body(body: str, *, members: frozenset[str] | set[str] = frozenset()) -> SafeString:
    """``body`` as safe HTML: escaped, URLs and mentions of ``members`` (lower-cased handles
    that exist) as links, line breaks as ``<br>``. Nothing else in the text becomes markup."""
    out: list[str] = []
    position = 0
    for match in TOKEN.finditer(body):
        out.append(escape(body[position : match.start()]))
        position = match.end()
        if match.group("url"):
            url, tail = _split_url(match.group("url"))
            if "://" not in url[:8] or len(url) <= len("https://"):
                out.append(escape(match.group(0)))
                continue
            out.append(
                f'<a href="{escape(url)}" rel="nofollow ugc noopener">{escape(url)}</a>'
                + escape(tail)
            )
            continue
        handle = match.group(2)
        # A handle that does not belong to anyone stays text: no link to a 404.
        if handle.lower() in members:
            href = reverse("gallery:artist", kwargs={"handle": handle})
            out.append(f'<a class="mention" href="{escape(href)}">@{escape(handle)}</a>')
        else:
            out.append(escape(match.group(0)))
    out.append(escape(body[position:]))
    return mark_safe("".join(out).replace("\n", "<br>"))  # noqa: S308 (every piece escaped above)
