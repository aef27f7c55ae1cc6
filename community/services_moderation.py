"""What moderation asks of comment rows: hide, remove or restore one after a decision.

Every write to a comment goes through a community service, whichever app asks (as gallery's
``services/visibility.py`` does for posts). ``Artwork.comment_count`` counts visible comments
only, so each status change here moves it in the same transaction, and only when the comment
leaves or returns to ``visible``.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest
from django.utils import timezone

from accounts.models import User
from community.models import Comment, CommentStatus
from gallery import listing_cache
from gallery.models import Artwork

# The statuses a moderation decision sets, and the ones an upheld appeal may return from.
MODERATION_STATUSES = frozenset({CommentStatus.MOD_HIDDEN, CommentStatus.REMOVED})


def comment_set_status(*, comment_id: int, status: str) -> tuple[dict, dict]:
    """Set a comment's status for moderation (``mod-hidden``, ``removed``, or back to
    ``visible``/``hidden`` when an appeal is upheld) and keep its post's count exact.

    Locks the comment row first, so an author deleting it at the same moment waits and then
    sees the new status: the count moves once. Returns the audit log's before and after
    (``{"status": ...}``); nothing changes, and both are equal, when the comment already
    has that status. Raises ``Comment.DoesNotExist`` for an unknown id and ``ValueError``
    for a status outside the vocabulary.
    """
    status = CommentStatus(status)
    with transaction.atomic():
        comment = Comment.objects.select_for_update().get(pk=comment_id)
        before = {"status": comment.status}
        if comment.status == status:
            return before, dict(before)
        Comment.objects.filter(pk=comment.pk).update(
            status=status, status_changed_at=timezone.now()
        )
        was_visible = comment.status == CommentStatus.VISIBLE
        is_visible = status == CommentStatus.VISIBLE
        # The comments of a member whose deletion is pending are out of the count already
        # (community.services.author_comments_recount puts them back on a cancel).
        counted = not User.objects.filter(
            pk=comment.author_id, deletion_requested_at__isnull=False
        ).exists()
        if was_visible != is_visible and counted:
            # F() in the database, never read-modify-write: concurrent comments on the same
            # post move the count too. Greatest keeps a count that drifted from going negative.
            step = 1 if is_visible else -1
            Artwork.objects.filter(pk=comment.artwork_id).update(
                comment_count=Greatest(F("comment_count") + step, 0)
            )
        # The thread under the post is cached for anonymous visitors on its own version (and
        # the cards' count rides on the like-count batch): a moderated comment leaves at once.
        post = Artwork.objects.filter(pk=comment.artwork_id).values("artist_id", "medium").first()
        if post:
            listing_cache.comments_changed(
                artwork_id=comment.artwork_id,
                count_moved=counted and was_visible != is_visible,
                **post,
            )
    return before, {"status": status.value}
