"""Reads of accounts' rows that depend on who is asking: a member's own notifications, and
whom they blocked or muted."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Block, Mute, Notification, User


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """``user``'s own notifications, newest first, ties broken by id (newest first too).

    The order is the one ``config.cursors.keyset_page(key="created_at")`` pages on and the
    one the ``accounts_notification_list`` index (user, -created_at) serves, so the API and
    the site's list read the same rows in the same order. ``unread_only`` keeps those not yet
    marked read. Rows kept only for a digest (the member turned the kind off in-site) are
    left out. ``actor`` is joined (one query per page). Lazy: the caller slices or pages it;
    nothing is read here, nothing raises.
    """
    qs = (
        Notification.objects.filter(user=user, in_site=True)
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs


def unread_count(user: User) -> int:
    """How many of ``user``'s notifications are unread: the header's badge. One indexed
    count, kept on the user object for the rest of the request (the page cache's key and the
    header both ask)."""
    cached = user.__dict__.get("_atelier_unread")
    if cached is None:
        # The partial index ``accounts_notification_unread`` repeats this condition.
        cached = Notification.objects.filter(user=user, read_at__isnull=True, in_site=True).count()
        user._atelier_unread = cached
    return cached


def blocked_ids(user) -> frozenset[int]:
    """The ids of members hidden from ``user`` by a block, in either direction: those ``user``
    blocked and those who blocked ``user``. Every surface that shows one member's work,
    comments, follows or notifications to another filters on this one set.

    Anonymous visitors (or ``None``) block nobody: an empty set, and no query.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    # One query for both directions: a union of the two halves, each served by an index.
    made = Block.objects.filter(blocker_id=user.pk).values_list("blocked_id", flat=True)
    received = Block.objects.filter(blocked_id=user.pk).values_list("blocker_id", flat=True)
    return frozenset(made.union(received))


def muted_artist_ids(user) -> frozenset[int]:
    """The artists ``user`` muted (hidden from their own feeds only); empty for anonymous."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        Mute.objects.filter(user_id=user.pk, artist__isnull=False).values_list(
            "artist_id", flat=True
        )
    )


def muted_tag_ids(user) -> frozenset[int]:
    """The taggit ``Tag`` ids ``user`` muted (hidden from their own feeds only); empty for
    anonymous."""
    if user is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(
        Mute.objects.filter(user_id=user.pk, tag__isnull=False).values_list("tag_id", flat=True)
    )
