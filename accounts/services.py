"""Writes to accounts: profiles, follows, notifications."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction

from accounts.avatars import avatar_render
from accounts.models import User


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


def notify(*, user: User, kind: str, title: str, body: str = "", url: str = "") -> None:
    """Add an in-site notification (email, where wanted, is the caller's job)."""
    from accounts.models import Notification

    Notification.objects.create(user=user, kind=kind, title=title[:200], body=body, url=url[:300])


def preference_set(*, user: User, preference: str) -> None:
    """Store a member's feed label preference."""
    User.objects.filter(pk=user.pk).update(feed_preference=preference)
    user.feed_preference = preference
