"""Comments on artworks, and collections members save works into."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

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


class Collection(models.Model):
    """A member's named set of saved works (community.collections writes it).

    ``public`` collections are listed on the owner's collections page, have an Atom feed and
    count on each work's "saved in N public collections"; private ones answer 404 to anyone
    but their owner. ``item_count`` counts every saved row, shown or not (the limit
    ``ATELIER_COLLECTION_MAX_ITEMS`` counts those); pages show how many of them are visible
    (community.collection_selectors). ``cover`` is a work in the collection the owner chose;
    when it drops out of view the first visible work stands in for it.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="collections"
    )
    title = models.CharField(max_length=100)
    # Made from the title once, at creation: renaming keeps the collection's links working.
    slug = models.SlugField(max_length=110, allow_unicode=True)
    description = models.TextField(max_length=2000, blank=True)
    public = models.BooleanField(default=True)
    cover = models.ForeignKey(
        Artwork, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item_count = models.PositiveIntegerField(default=0)
    # Set by a moderation decision on a report (community.collections.collection_set_hidden):
    # a hidden collection is shown to its owner alone, marked hidden; an upheld appeal clears it.
    hidden_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            # collection_create picks a free slug and retries on this (two tabs, one title).
            models.UniqueConstraint(fields=["owner", "slug"], name="community_collection_slug"),
        ]
        indexes = [
            # A member's collections, newest first, keyset-paged (collection_selectors).
            models.Index(fields=["owner", "-created_at", "-id"], name="community_collection_owner"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "collections:detail", kwargs={"handle": self.owner.handle, "slug": self.slug}
        )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_listed(self) -> bool:
        """Public and not hidden by moderators: what others may see and what the works'
        "saved in N public collections" counters count."""
        return self.public and self.hidden_at is None


class CollectionItem(models.Model):
    """One work saved in one collection (at most once: the unique constraint)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    artwork = models.ForeignKey(Artwork, on_delete=models.CASCADE, related_name="collection_items")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # collection_add relies on it: a double click saves the work once.
            models.UniqueConstraint(
                fields=["collection", "artwork"], name="community_collectionitem_once"
            ),
        ]
        indexes = [
            # The collection page and its feed: newest saves first, keyset on (added_at, id).
            models.Index(
                fields=["collection", "-added_at", "-id"], name="community_collectionitem_page"
            ),
        ]

    def __str__(self) -> str:
        return f"Artwork {self.artwork_id} in collection {self.collection_id}"
