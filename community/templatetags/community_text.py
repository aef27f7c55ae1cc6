"""Template tags for comments: the body as safe HTML (``community.text.render_body``)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from community.text import render_body

register = template.Library()


@register.simple_tag
def comment_body(comment, members) -> SafeString:
    """``{% comment_body comment members %}``: escaped text, safe links, line breaks kept."""
    # ``members`` comes from the selector's one lookup per page: no query per comment here.
    return render_body(comment.body, members=members or frozenset())
