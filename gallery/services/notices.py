"""What gallery's events tell people through ``accounts.services.notify``: likes on a post
(batched per post and UTC day), and a post's followers when it first becomes public."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import NotificationKind, User
from accounts.services import notify
from accounts.services_notifications import followers_notify_cancel, followers_notify_start
from gallery.models import Artwork


def like_notify(*, user: User, artwork: Artwork) -> None:
    """Tell the artist about a new like: one unread "N people liked “…”" per post and day.

    Runs inside ``like_set``'s transaction; ``notify`` drops it for a block either way and
    ignores a re-like by the same member (unlike, like again) while the batch is unread.
    """
    day = timezone.now().date().isoformat()
    notify(
        user=artwork.artist,
        kind=NotificationKind.LIKE,
        title=f"{user.name} liked “{artwork.title}”",
        url=artwork.get_absolute_url(),
        actor=user,
        group_key=f"like:{artwork.pk}:{day}",
        group_title=f"{{count}} people liked “{artwork.title}”",
    )


def new_post_key(artwork_id: int) -> str:
    """The fan-out key of a post's publication: one per post, ever (no query, no error)."""
    return f"new-post:{artwork_id}"


def followers_notify(*, artwork: Artwork) -> None:
    """Start telling the artist's followers about a post that has just become public, once
    ever per post (a post restored or approved after a hold tells nobody twice). Call inside
    the transaction that publishes it; the fan-out runs in a task after the commit."""
    followers_notify_start(
        artist_id=artwork.artist_id,
        key=new_post_key(artwork.pk),
        kind=NotificationKind.NEW_POST,
        title=f"{{actor}} posted “{artwork.title}”",
        url=artwork.get_absolute_url(),
    )


def followers_notify_stop(*, artwork_id: int) -> None:
    """A post removed before every follower was told: tell no more of them."""
    followers_notify_cancel(key=new_post_key(artwork_id))
