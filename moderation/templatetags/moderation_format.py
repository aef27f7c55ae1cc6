"""Numbers and keys on the moderation pages in words people read: 67%, 1 min, "Human-made"."""

from __future__ import annotations

import re
from datetime import datetime

from django import template

from gallery.models import Label
from gallery.provenance import KIND_AI_ASSISTED, KIND_AI_GENERATED, KIND_HUMAN, KIND_INFO
from moderation.models import COMMENT_ACTION_LABELS, AuditAction, FlagReason

register = template.Library()

MISSING = "—"
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@register.filter
def percent(share: float | None) -> str:
    """A share in 0..1 as a whole percentage ("67%"); a missing share as a dash."""
    if share is None or share == "":
        return MISSING
    return f"{round(float(share) * 100)}%"


@register.filter
def hours_duration(hours: float | None) -> str:
    """Hours as a duration: "under 1 min", "12 min", "3 h 5 min", "2 d 4 h" (short enough for
    the dashboard's stat cards)."""
    if hours is None or hours == "":
        return MISSING
    minutes = round(float(hours) * 60)
    if minutes < 1:
        return "under 1 min"
    if minutes < 60:
        return f"{minutes} min"
    h, m = divmod(minutes, 60)
    if h < 48:
        return f"{h} h {m} min" if m else f"{h} h"
    d, h = divmod(h, 24)
    return f"{d} d {h} h" if h else f"{d} d"


@register.filter
def label_name(key: str) -> str:
    """A label's stored key ("human-made") as its name on the site ("Human-made")."""
    return dict(Label.choices).get(key, key)


EVIDENCE_KINDS = {
    KIND_AI_GENERATED: "AI-generated",
    KIND_AI_ASSISTED: "AI-assisted",
    KIND_HUMAN: "Human work",
    KIND_INFO: "For information",
}


@register.filter
def evidence_kind(kind: str) -> str:
    """A provenance finding's kind ("ai-generated", "info") as words ("AI-generated")."""
    return EVIDENCE_KINDS.get(kind, kind)


@register.filter
def audit_reason(entry) -> str:
    """An audit entry's reason; a member's report stores its reason's key ("stolen"), shown
    here by its name ("Stolen / not the uploader's work")."""
    if entry.action == AuditAction.FLAG and entry.reason in FlagReason.values:
        return FlagReason(entry.reason).label
    return entry.reason


@register.filter
def audit_action(entry) -> str:
    """An audit entry's action in words; on a comment, the words of a comment's decision
    ("Hide the comment", not the post's "Hide from feeds")."""
    if entry.comment_id and entry.action in COMMENT_ACTION_LABELS:
        return COMMENT_ACTION_LABELS[entry.action]
    return entry.get_action_display()


def _word(value) -> str:
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if value in (None, ""):
        return MISSING
    if isinstance(value, dict):  # e.g. a strike's {"active_strikes": 1, "rung": "warn"}
        return ", ".join(f"{k.replace('_', ' ')} {_word(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_word(v) for v in value) or MISSING
    if isinstance(value, str) and value in Label.values:
        return Label(value).label
    if isinstance(value, str) and _ISO_DATETIME.match(value):
        # Audit snapshots store datetimes as ISO text; read them as the rest of the page does.
        return f"{datetime.fromisoformat(value):%-d %b %Y, %H:%M}"
    return str(value)


@register.filter
def changes(before, after) -> list[str]:
    """What an audit entry changed, in words: ``["held: no → yes", "status: published →
    hidden"]``; only the fields whose value differs (a field that appears or goes counts)."""
    before = before if isinstance(before, dict) else {}
    after = after if isinstance(after, dict) else {}
    lines = []
    for key in [*before, *(k for k in after if k not in before)]:
        old, new = before.get(key), after.get(key)
        if old != new:
            lines.append(f"{key.replace('_', ' ')}: {_word(old)} → {_word(new)}")
    return lines
