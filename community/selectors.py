"""Reads of comments that depend on who is reading: the thread under a post, a comment's
replies, and which ``@handles`` in them are members.

What a viewer sees of a thread:

- VISIBLE comments, except those by members blocked either way (``accounts.selectors.blocked_ids``)
  and those by members whose account deletion is pending (``User.deletion_requested_at``: they
  leave every thread for the grace period and come back if the member cancels);
- on their own post, the artist also sees the comments they hid (to show them again), and an
  author sees their own hidden comment, marked as hidden;
- a top-level comment nobody may read any more (deleted, hidden, taken down) stays as a
  placeholder ("This comment was deleted") while it has visible replies, so they keep their
  context; without replies it is left out.

Top-level comments come newest first (what DeviantArt and ArtStation show by default: on a post
that keeps collecting comments, the new ones are what a returning visitor looks for), keyset
paged on (created_at, id) along the ``community_comment_thread`` index; replies oldest first
under their comment (a conversation reads in order), the first ``REPLIES_SHOWN`` inline and the
rest on the replies page. Each page costs a fixed number of queries whatever the thread's size.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, Lower, RowNumber
from django.utils import timezone

from accounts.models import User
from accounts.selectors import blocked_ids
from community.models import Comment
from community.services import EDIT_WINDOW
from community.text import mentioned_handles
from config import cursors
from gallery.models import Artwork

THREAD_PAGE = 20
REPLIES_SHOWN = 3
REPLIES_PAGE = 50

Status = Comment.Status
# A visible comment by a member inside their deletion grace period, kept for its replies.
UNAVAILABLE = "This comment is not available."
PLACEHOLDERS = {
    Status.DELETED: "This comment was deleted.",
    Status.HIDDEN: "This comment was hidden by the artist.",
    Status.MOD_HIDDEN: "This comment was hidden by moderators.",
    Status.REMOVED: "This comment was removed by moderators.",
}


@dataclass
class Thread:
    """One page of comments: ``comments`` with ``shown_replies`` (and ``more_replies``) set,
    the cursor of the next page, and the lower-cased handles mentioned that are members."""

    comments: list[Comment]
    next_cursor: str | None
    members: frozenset[str] = field(default_factory=frozenset)
    # The viewer's blocks, read once for the page: the form's "may comment" check reuses it.
    blocked: frozenset[int] = field(default_factory=frozenset)


def _readable(viewer, artwork: Artwork) -> Q:
    """The comments ``viewer`` may read in full on ``artwork``: never those of a member whose
    account deletion is pending (such a member cannot sign in, so is never the viewer)."""
    q = Q(status=Status.VISIBLE)
    if viewer.is_authenticated:
        q |= Q(status=Status.HIDDEN, author_id=viewer.pk)
        if artwork.artist_id == viewer.pk:
            q |= Q(status=Status.HIDDEN)
    return q & Q(author__deletion_requested_at__isnull=True)


def _members(comments: list[Comment]) -> frozenset[str]:
    """The handles mentioned in ``comments`` that belong to active members (one query)."""
    handles = {h for c in comments for h in mentioned_handles(c.body)}
    if not handles:
        return frozenset()
    return frozenset(
        User.objects.annotate(lower_handle=Lower("handle"))
        .filter(lower_handle__in=handles, is_active=True)
        .values_list("lower_handle", flat=True)
    )


def _mark(comment: Comment, viewer, artwork: Artwork, readable: Q | None = None) -> None:
    """What ``viewer`` may do with ``comment`` and how it reads, as attributes the template and
    the API serializer use (no query: the services check again when asked)."""
    # The post is the one the caller read: no query per comment for its URL.
    comment.artwork = artwork
    signed_in = viewer.is_authenticated and not viewer.is_suspended
    mine = viewer.is_authenticated and comment.author_id == viewer.pk
    artists = viewer.is_authenticated and artwork.artist_id == viewer.pk
    leaving = comment.author.deletion_requested_at is not None
    comment.readable = not leaving and (
        comment.status == Status.VISIBLE or (comment.status == Status.HIDDEN and (mine or artists))
    )
    if comment.readable:
        comment.placeholder = ""
    elif leaving and comment.status in (Status.VISIBLE, Status.HIDDEN):
        comment.placeholder = UNAVAILABLE
    else:
        comment.placeholder = PLACEHOLDERS.get(comment.status, "")
    comment.can_edit = (
        signed_in
        and mine
        and comment.status == Status.VISIBLE
        and timezone.now() - comment.created_at <= EDIT_WINDOW
    )
    comment.can_delete = mine and comment.status in (Status.VISIBLE, Status.HIDDEN)
    comment.can_hide = signed_in and artists and comment.status == Status.VISIBLE
    comment.can_unhide = signed_in and artists and comment.status == Status.HIDDEN


def thread_page(
    *, viewer, artwork: Artwork, cursor: str | None = None, size: int = THREAD_PAGE
) -> Thread:
    """The page after ``cursor`` of ``artwork``'s top-level comments for ``viewer`` (a member
    or an anonymous user), newest first, each with its first ``REPLIES_SHOWN`` replies in
    ``shown_replies`` and the number of further ones in ``more_replies``.

    The caller has checked that ``viewer`` may open the post. Four queries at most (blocks,
    the page, the replies, the mentioned members) whatever the thread's length; a tampered
    cursor raises ``config.cursors.BadCursor`` (a 400).
    """
    blocked = blocked_ids(viewer)
    readable = _readable(viewer, artwork)
    # One correlated subquery serves both the "keep a placeholder" test and the reply count:
    # both only see replies this viewer may read, so "3 more replies" never counts hidden ones.
    replies = Comment.objects.filter(parent=OuterRef("pk")).filter(readable)
    if blocked:
        replies = replies.exclude(author_id__in=blocked)
    reply_count = replies.order_by().values("parent").annotate(n=Count("pk")).values("n")[:1]
    qs = (
        Comment.objects.filter(artwork=artwork, parent__isnull=True)
        .filter(readable | Exists(replies.filter(status=Status.VISIBLE)))
        .annotate(reply_count=Coalesce(Subquery(reply_count), 0))
        .select_related("author")
        .order_by("-created_at", "-id")
    )
    if blocked:
        qs = qs.exclude(author_id__in=blocked)
    # parent IS NULL with (artwork, created_at, id) order: community_comment_thread read backwards.
    page = cursors.keyset_page(qs, cursor, key="created_at", size=size)
    comments = page.items
    by_id = {c.pk: c for c in comments}
    for comment in comments:
        comment.shown_replies = []
    shown: list[Comment] = []
    if comments:
        # The first few replies of every comment on the page in one query: a window numbers
        # each comment's replies and the filter keeps the first REPLIES_SHOWN, so a comment with
        # 5,000 replies costs what one with three does.
        first = (
            Comment.objects.filter(parent_id__in=by_id)
            .filter(readable)
            .annotate(
                position=Window(
                    RowNumber(),
                    partition_by=[F("parent_id")],
                    order_by=[F("created_at").asc(), F("id").asc()],
                )
            )
            .filter(position__lte=REPLIES_SHOWN)
            .select_related("author")
            .order_by("parent_id", "created_at", "id")
        )
        if blocked:
            first = first.exclude(author_id__in=blocked)
        shown = list(first)
        for reply in shown:
            by_id[reply.parent_id].shown_replies.append(reply)
    for comment in comments:
        _mark(comment, viewer, artwork)
        comment.more_replies = max(0, comment.reply_count - len(comment.shown_replies))
        for reply in comment.shown_replies:
            _mark(reply, viewer, artwork)
    # Placeholders show no text, so their mentions must not cost a lookup or leak a link.
    readable_rows = [c for c in comments if c.readable] + shown
    return Thread(
        comments=comments,
        next_cursor=page.next_cursor,
        members=_members(readable_rows),
        blocked=blocked,
    )


def replies_page(
    *, viewer, parent: Comment, cursor: str | None = None, size: int = REPLIES_PAGE
) -> Thread:
    """The page after ``cursor`` of the replies to the top-level comment ``parent`` that
    ``viewer`` may read, oldest first. Three queries at most; ``BadCursor`` as above."""
    artwork = parent.artwork
    blocked = blocked_ids(viewer)
    qs: QuerySet[Comment] = (
        Comment.objects.filter(parent=parent)
        .filter(_readable(viewer, artwork))
        .select_related("author")
        .order_by("created_at", "id")
    )
    if blocked:
        qs = qs.exclude(author_id__in=blocked)
    # Oldest first, as under the comment: the cursor walks forwards (created_at, id).
    page = cursors.keyset_page(qs, cursor, key="created_at", size=size, ascending=True)
    for reply in page.items:
        _mark(reply, viewer, artwork)
    return Thread(
        comments=page.items,
        next_cursor=page.next_cursor,
        members=_members(page.items),
        blocked=blocked,
    )


def mark(comment: Comment, *, viewer, members: bool = True) -> frozenset[str]:
    """Mark one comment (just posted or edited) for ``viewer`` as the thread does, and return
    the members its mentions name (one query when it mentions anyone)."""
    _mark(comment, viewer, comment.artwork)
    comment.shown_replies, comment.more_replies = [], 0
    return _members([comment]) if members else frozenset()
