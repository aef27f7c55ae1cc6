"""Reads of accounts' rows that depend on who is asking: a member's own notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Notification, User


def notification_list(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """``user``'s own notifications, newest first, ties broken by id (newest first too).

    The order is the one ``config.cursors.keyset_page(key="created_at")`` pages on and the
    one the ``accounts_notification_list`` index (user, -created_at) serves, so the API and
    the site's list read the same rows in the same order. ``unread_only`` keeps those not yet
    marked read. Lazy: the caller slices or pages it; nothing is read here, nothing raises.
    """
    qs = Notification.objects.filter(user=user).order_by("-created_at", "-id")
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs
