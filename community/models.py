"""Comments on artworks (and, later in this app, collections)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from gallery.models import Artwork


class CommentStatus(models.TextChoices):
    """Who may see a comment. Only ``visible`` comments are shown to everyone and counted in
    ``Artwork.comment_count``; the others stay as rows so replies, flags, cases, appeals and
    the audit log keep their subject."""

    VISIBLE = "visible", "Visible"
    # The post's artist hid it on their own post (reversible by them).
    HIDDEN = "hidden", "Hidden by the artist"
    # A moderation decision hid it (an upheld appeal reverses it).
    MOD_HIDDEN = "mod-hidden", "Hidden by moderators"
    # A moderation decision removed it.
    REMOVED = "removed", "Removed by moderators"
    # Its author deleted it; a deleted comment with replies reads "deleted" in the thread.
    DELETED = "deleted", "Deleted by its author"


class Comment(models.Model):
    """A plain-text comment on an artwork, or a reply to one (threads are one level deep:
    a reply's ``parent`` is always a top-level comment, which the services enforce)."""

    Status = CommentStatus

    artwork = models.ForeignKey(Artwork, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    body = models.TextField(max_length=2000)
    status = models.CharField(max_length=12, choices=Status, default=Status.VISIBLE)
    created_at = models.DateTimeField(auto_now_add=True)
    # Set by an edit (allowed within 15 minutes of posting): the page marks it "edited".
    edited_at = models.DateTimeField(null=True, blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CommentStatus.values),
                name="community_comment_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="community_comment_not_own_parent"
            ),
        ]
        indexes = [
            # The thread under a post, keyset-paged on (created_at, id).
            models.Index(
                fields=["artwork", "parent", "created_at", "id"], name="community_comment_thread"
            ),
            # A member's own comments (export, moderation history, rate limits).
            models.Index(fields=["author", "-created_at"], name="community_comment_author"),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on artwork {self.artwork_id}"

    @property
    def is_visible(self) -> bool:
        return self.status == CommentStatus.VISIBLE
