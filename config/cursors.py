"""Keyset cursors and pages: the one home of every paginated listing's cursor and keyset filter.

A cursor is base64url of ``"<first key>|<id>"`` without padding: a timestamp for the feeds and
notifications (``published_at`` / ``created_at``), a risk score for the moderation queue.
Cursors come back from the client, so decoding trusts nothing: any malformed or out-of-range
value raises ``BadCursor``, which Django answers with 400 on the site and the API turns into
its own 400 (``api.exceptions``). A cursor that decodes is safe to hand to any database
backend: an aware UTC datetime within Python's range (SQLite's adapter converts to UTC and
overflowed on ``0001-01-01T00:00:00+14:00``), a finite score, a positive 64-bit id.
"""

from __future__ import annotations

import base64
import binascii
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import BadRequest
from django.db import models
from django.db.models import Q, QuerySet

MAX_LENGTH = 200  # far above any cursor we write; bounds the work spent on a hostile one
MAX_ID = 2**63 - 1  # a bigint primary key


class BadCursor(BadRequest):
    """The cursor was not written by us, or was altered."""

    def __init__(self, message: str = "This cursor is not valid.") -> None:
        super().__init__(message)


def encode(first: datetime | float, pk: int) -> str:
    """The cursor after a row whose sort key is ``first`` and whose id is ``pk``."""
    text = first.isoformat() if isinstance(first, datetime) else repr(float(first))
    return base64.urlsafe_b64encode(f"{text}|{pk}".encode()).decode().rstrip("=")


def _split(cursor: str) -> tuple[str, int]:
    if not cursor or len(cursor) > MAX_LENGTH:
        raise BadCursor()
    try:
        # validate=True: characters outside the alphabet are an error, not silently dropped.
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        first, pk_text = raw.decode("ascii").split("|")
        pk = int(pk_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadCursor() from None
    if not 0 < pk <= MAX_ID:
        raise BadCursor()
    return first, pk


def decode_time(cursor: str) -> tuple[datetime, int]:
    """(aware UTC datetime, id) from a timestamp cursor; ``BadCursor`` for anything else."""
    stamp, pk = _split(cursor)
    try:
        when = datetime.fromisoformat(stamp)
        if when.tzinfo is None:
            raise BadCursor()
        return when.astimezone(UTC), pk
    except (ValueError, OverflowError):
        raise BadCursor() from None


def decode_score(cursor: str) -> tuple[float, int]:
    """(finite score, id) from a score cursor; ``BadCursor`` for anything else."""
    text, pk = _split(cursor)
    try:
        score = float(text)
    except ValueError:
        raise BadCursor() from None
    if not math.isfinite(score):
        raise BadCursor()
    return score, pk


def decode(cursor: str, *, numeric: bool) -> tuple[datetime | float, int]:
    """A score cursor when ``numeric``, else a timestamp cursor; ``BadCursor`` otherwise."""
    return decode_score(cursor) if numeric else decode_time(cursor)


@dataclass(frozen=True)
class Page:
    """One page of a listing, and the cursor of the next (None on the last page)."""

    items: list[Any]
    next_cursor: str | None


def keyset_page(
    qs: QuerySet,
    cursor: str | None,
    *,
    key: str,
    size: int,
    ids_ascending: bool = False,
    ascending: bool = False,
) -> Page:
    """The page after ``cursor`` of ``qs``, which must be ordered by (``-key``, ``-id``), or by
    (``-key``, ``id``) with ``ids_ascending``, or by (``key``, ``id``) with ``ascending``
    (oldest first: a comment's replies): no OFFSET and no COUNT, so the page costs the
    same at any depth and rows added meanwhile shift nothing (no duplicates, no gaps).

    ``key`` is a datetime field (feeds, notifications) or a number (the queue's risk score), a
    column or an annotation (the explore pages' score or pick time);
    the cursor is decoded as that. A tampered cursor raises ``BadCursor`` (a 400).
    """
    if cursor:
        # ``key`` is a column, or an annotation (the explore pages sort on a joined score).
        annotation = qs.query.annotations.get(key)
        field = annotation.output_field if annotation is not None else qs.model._meta.get_field(key)
        numeric = not isinstance(field, models.DateTimeField)
        first, pk = decode(cursor, numeric=numeric)
        up = ascending or ids_ascending
        tie = Q(**{key: first, "id__gt" if up else "id__lt": pk})
        # The redundant ``key <= first`` is the part an index can seek to; the OR alone is
        # only a filter, so a page 10,000 rows deep first read 10,000 index entries.
        bound, beyond = ("gte", "gt") if ascending else ("lte", "lt")
        qs = qs.filter(Q(**{f"{key}__{bound}": first}), Q(**{f"{key}__{beyond}": first}) | tie)
    rows = list(qs[: size + 1])
    items = rows[:size]
    more = len(rows) > size
    return Page(
        items=items, next_cursor=encode(getattr(items[-1], key), items[-1].pk) if more else None
    )
