"""Idempotency keys for uploads: one post per key, whatever the double clicks and Back buttons.

The site renders a signed random key into every upload form; the API takes the client's own
``Idempotency-Key`` header. A key is spent in the transaction that creates the post
(``upload_key_claim``, called by ``artwork_create`` under the artist's row lock), and the
unique constraint on (member, key) backs that up.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import User
from gallery.models import Artwork, UploadKey

UPLOAD_KEY_TTL = timedelta(days=1)
MAX_KEY_LENGTH = 255
_SALT = "gallery.upload-key"


class UploadReplayed(Exception):
    """The key was already spent on a post: answer with that post instead of a new one."""

    def __init__(self, artwork_id: int) -> None:
        super().__init__(f"This upload was already posted as artwork {artwork_id}.")
        self.artwork_id = artwork_id


def upload_key_issue() -> str:
    """A fresh key for one render of the upload form: random, signed and timestamped."""
    return signing.TimestampSigner(salt=_SALT).sign(secrets.token_urlsafe(18))


def upload_key_verify(key: str) -> str:
    """The key if the site issued it less than a day ago; raises ``ValidationError`` if not.

    Older keys are refused rather than trusted: their record may already be purged, so
    accepting them could post twice.
    """
    try:
        signing.TimestampSigner(salt=_SALT).unsign(key, max_age=UPLOAD_KEY_TTL)
    except signing.SignatureExpired:
        raise ValidationError(
            "This form is more than a day old: reload the page to post.", code="expired"
        ) from None
    except signing.BadSignature:
        raise ValidationError(
            "This form is damaged: reload the page to post.", code="invalid"
        ) from None
    return key


def upload_key_replayed(*, member: User, key: str) -> int | None:
    """The id of the post this member already made with ``key`` in the last day, or None.

    A cheap early answer before the files are checked; only ``upload_key_claim`` inside the
    creating transaction is a guarantee.
    """
    if not key:
        return None
    return (
        UploadKey.objects.filter(
            member=member, key=key, created_at__gte=timezone.now() - UPLOAD_KEY_TTL
        )
        .values_list("artwork_id", flat=True)
        .first()
    )


def upload_key_check(*, member: User, key: str) -> None:
    """Inside the creating transaction, under the member's row lock: raise ``UploadReplayed``
    if the key is spent, after purging this member's expired keys (which frees them)."""
    UploadKey.objects.filter(member=member, created_at__lt=timezone.now() - UPLOAD_KEY_TTL).delete()
    if (artwork_id := upload_key_replayed(member=member, key=key)) is not None:
        raise UploadReplayed(artwork_id)


def upload_key_claim(*, member: User, key: str, artwork: Artwork) -> None:
    """Spend the key on the post just created (same transaction; the unique constraint holds)."""
    UploadKey.objects.create(member=member, key=key, artwork=artwork)
