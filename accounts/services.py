"""Writes to accounts: profiles, follows, notifications, API tokens."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.avatars import avatar_render
from accounts.models import ApiToken, Notification, NotificationKind, User


@transaction.atomic
def profile_update(*, user: User, data: dict[str, Any], avatar=None, remove_avatar=False) -> User:
    """Save cleaned profile fields and, if given, a new avatar (re-encoded, server-named).

    Raises ``accounts.avatars.AvatarRejected`` for a bad avatar before anything is written.
    The previous avatar file is deleted only after the commit.
    """
    new_avatar = avatar_render(avatar) if avatar is not None else None
    for field, value in data.items():
        setattr(user, field, value)
    old_name = user.avatar.name if (new_avatar or remove_avatar) and user.avatar else None
    if new_avatar is not None:
        user.avatar.save(f"{secrets.token_urlsafe(16)}.webp", ContentFile(new_avatar), save=False)
    elif remove_avatar:
        user.avatar = ""
    user.save()
    if old_name:
        storage = user.avatar.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return user


def follow_set(*, follower: User, artist: User, following: bool) -> int:
    """Follow or unfollow; counters move only when a row was really added or removed.

    Returns the artist's follower count. Following yourself is ignored.
    """
    from django.db import IntegrityError
    from django.db.models import F

    from accounts.models import Follow

    if follower.pk == artist.pk:
        return artist.follower_count
    with transaction.atomic():
        changed = 0
        if following:
            try:
                with transaction.atomic():
                    Follow.objects.create(follower=follower, artist=artist)
                changed = 1
            except IntegrityError:
                changed = 0
        else:
            deleted, _ = Follow.objects.filter(follower=follower, artist=artist).delete()
            changed = -1 if deleted else 0
        if changed:
            User.objects.filter(pk=artist.pk).update(follower_count=F("follower_count") + changed)
            User.objects.filter(pk=follower.pk).update(
                following_count=F("following_count") + changed
            )
    return User.objects.values_list("follower_count", flat=True).get(pk=artist.pk)


def notify(
    *, user: User, kind: NotificationKind, title: str, body: str = "", url: str = ""
) -> None:
    """Add an in-site notification (email, where wanted, is the caller's job).

    ``kind`` must be a ``NotificationKind``: a stray string raises ``ValueError`` here, before
    the database's check constraint would refuse it.
    """
    Notification.objects.create(
        user=user, kind=NotificationKind(kind), title=title[:200], body=body, url=url[:300]
    )


def preference_set(*, user: User, preference: str) -> None:
    """Store a member's feed label preference."""
    User.objects.filter(pk=user.pk).update(feed_preference=preference)
    user.feed_preference = preference


MAX_ACTIVE_TOKENS = 20
TOKEN_PREFIX = "atl_"  # noqa: S105 (a marker that makes leaked keys easy to scan for)
# last_used_at is a hint for the member, not an audit trail: one write a minute per token at most.
TOKEN_TOUCH_EVERY = timedelta(minutes=1)


def token_create(*, user: User, name: str, scope: str) -> tuple[ApiToken, str]:
    """Create a personal access token; returns the row and the key.

    The key is returned only here: the database keeps its SHA-256 digest. Raises
    ``ValidationError`` for an unknown scope or when the member already has
    ``MAX_ACTIVE_TOKENS`` active tokens.
    """
    if scope not in ApiToken.Scope.values:
        raise ValidationError("Choose read or read-write access.", code="scope")
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        # The member's row is the lock: two concurrent creations cannot both pass the count.
        User.objects.select_for_update().filter(pk=user.pk).values_list("pk").get()
        if ApiToken.objects.active().filter(user=user).count() >= MAX_ACTIVE_TOKENS:
            raise ValidationError(
                f"You already have {MAX_ACTIVE_TOKENS} tokens; revoke one you no longer use.",
                code="too_many",
            )
        token = ApiToken.objects.create(
            user=user,
            name=name.strip()[:60] or "API token",
            scope=scope,
            key_prefix=key[:8],
            key_hash=ApiToken.digest(key),
        )
    return token, key


def token_revoke(*, user: User, token_id: int) -> bool:
    """Revoke one of the member's own active tokens at once.

    Returns False when there is no such token (another member's id, or revoked already).
    """
    revoked = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    return revoked == 1


def token_touch(*, token: ApiToken) -> None:
    """Record that a token was used, at most once per ``TOKEN_TOUCH_EVERY``."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now


def notifications_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one of the member's notifications read, or all of them; returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
