"""Comments on artworks: post, reply, edit, delete, hide and unhide, and turning them off.

Rules every service here keeps (the site and the API call the same functions):

- Threads are one level deep. A reply to a reply is attached to the top-level comment it sits
  under (what the reader sees as one conversation), and both authors are told.
- ``Artwork.comment_count`` counts VISIBLE comments (top-level and replies) by members whose
  account deletion is not pending (``author_comments_recount`` recounts a member's posts when
  they ask for deletion and when they cancel), and is exact: each
  change of a comment's status is a conditional ``update()`` on the status it leaves, and the
  counter moves with ``F()`` in the same transaction only when that update hit the row, so two
  requests racing (a double click on "hide") move it once.
- Comments off (``comments_enabled_set``) stops new comments and replies; those already there
  stay readable, and the artist can still hide any of them.
- A double submit (the same member, post, parent and text within ``DEDUPE_SECONDS``) returns
  the comment the first one made instead of a second one; it is checked again under the
  member's row lock, so two tabs posting at once cannot both create.
- Suspended members read; of the writes they may only delete their own comments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from accounts.models import NotificationKind, TrustLevel, User
from accounts.selectors import blocked_ids
from accounts.services import notify
from community.access import artwork_shown_to, check_may_comment
from community.models import Comment
from community.text import MAX_MENTIONS, clean_body, mentioned_handles
from config.errors import Conflict, Invalid, NotAllowed, NotFound
from config.ratelimit import allow_comment, allow_comment_on_post
from gallery import listing_cache
from gallery.models import Artwork

EDIT_WINDOW = timedelta(minutes=15)
# Long enough for a double click, a retried htmx request or a resent form; short enough that
# saying the same thing again later ("+1", "thank you!") is a new comment.
DEDUPE_SECONDS = 10
# Notification bodies carry the start of the comment, not all 2,000 characters of it.
EXCERPT = 200

Status = Comment.Status


@dataclass(frozen=True)
class Posted:
    """What ``comment_create`` did: the comment, and False when it was a double submit that
    returned the comment the first submit made."""

    comment: Comment
    created: bool


def _changed(artwork: Artwork, *, count_moved: bool) -> None:
    # The page's thread at once; the count on cards batched like likes (gallery.listing_cache).
    listing_cache.comments_changed(
        artwork_id=artwork.pk,
        artist_id=artwork.artist_id,
        medium=artwork.medium,
        count_moved=count_moved,
    )


def _move_count(artwork_id: int, by: int) -> None:
    if by > 0:
        Artwork.objects.filter(pk=artwork_id).update(comment_count=F("comment_count") + by)
    else:
        # The guard keeps a counter that drifted (a restore from backup) from going negative.
        Artwork.objects.filter(pk=artwork_id, comment_count__gt=0).update(
            comment_count=F("comment_count") + by
        )


def _excerpt(body: str) -> str:
    return body if len(body) <= EXCERPT else body[: EXCERPT - 1] + "…"


def _link(comment: Comment) -> str:
    return f"{comment.artwork.get_absolute_url()}#comment-{comment.pk}"


def _notify_mentions(*, comment: Comment, handles: list[str], skip: set[int]) -> None:
    """Tell each member named in ``handles`` (at most ``MAX_MENTIONS``), once: not the author,
    not anyone in ``skip`` (told already by this comment), not anyone blocked either way."""
    handles = handles[:MAX_MENTIONS]
    if not handles:
        return
    author = comment.author
    blocked = blocked_ids(author)
    members = (
        User.objects.annotate(lower_handle=Lower("handle"))
        .filter(lower_handle__in=handles, is_active=True)
        .exclude(pk__in={author.pk, *skip, *blocked})
    )
    for member in members:
        notify(
            user=member,
            kind=NotificationKind.MENTION,
            title=f"{author.name} mentioned you on “{comment.artwork.title}”",
            body=_excerpt(comment.body),
            url=_link(comment),
            actor=author,
        )


def _thread_parent(parent: Comment, *, artwork: Artwork, author: User) -> tuple[Comment, set[int]]:
    """The top-level comment a reply to ``parent`` is attached to, and the authors it answers
    (the parent's, and the top-level comment's when ``parent`` is itself a reply).

    ``Invalid`` when the parent belongs to another post, ``NotFound`` when the replier may
    not see it, ``Conflict`` when it is no longer open to replies, ``NotAllowed`` when one of
    those authors blocked the replier or was blocked by them.
    """
    if parent.artwork_id != artwork.pk:
        raise Invalid(
            "That comment is on another post.",
            field_errors={"parent": ["That comment is on another post."]},
            code="parent",
        )
    top = parent.parent if parent.parent_id else parent
    blocked = blocked_ids(author)
    answered = {parent.author_id, top.author_id}
    if answered & blocked:
        raise NotAllowed("You cannot reply to this member.", code="blocked")
    # The thread's first comment may have been deleted by its author (the conversation under
    # it goes on) but not hidden or removed; a reply answered must be visible.
    open_statuses = (Status.VISIBLE, Status.DELETED)
    if top.status not in open_statuses or (parent is not top and parent.status != Status.VISIBLE):
        raise Conflict("This comment can no longer be replied to.", code="parent_closed")
    return top, answered


def comment_create(
    *, author: User, artwork: Artwork, body: str, parent: Comment | None = None
) -> Posted:
    """Post a comment on ``artwork``, or a reply to ``parent`` (attached to its top-level
    comment: threads are one level deep).

    Effects, in one transaction under the author's row lock: the comment row; the artwork's
    ``comment_count`` up by one; notifications (COMMENT to the artist for a top-level comment
    by someone else; REPLY to the authors replied to; MENTION to each ``@handle`` named, at most
    ``MAX_MENTIONS``, nobody twice); the page's thread and the cards' count retired from the
    cache. A double submit within ``DEDUPE_SECONDS`` returns the first comment
    (``Posted.created`` False) and changes nothing.

    Raises ``Invalid`` (the text: empty, too long, NUL or control characters; a parent on
    another post), ``NotFound`` / ``NotAllowed`` / ``Conflict`` from
    ``community.access.check_may_comment`` and for a closed or blocked parent, and
    ``RateLimited`` past ``COMMENT_RATE`` or, for new accounts, within
    ``COMMENT_NEW_MEMBER_COOLDOWN`` of their last comment on the same post.
    """
    check_may_comment(author, artwork)
    body = clean_body(body)
    top, answered = (None, set())
    if parent is not None:
        top, answered = _thread_parent(parent, artwork=artwork, author=author)
    with transaction.atomic():
        # The author's row lock serialises their own submits: the dedupe and the cooldown
        # below read rows another of their requests may be about to write.
        locked = User.objects.select_for_update().only("pk", "trust_level").get(pk=author.pk)
        now = timezone.now()
        mine = Comment.objects.filter(author=author, artwork=artwork)
        same = (
            mine.filter(
                parent=top, body=body, created_at__gte=now - timedelta(seconds=DEDUPE_SECONDS)
            )
            .exclude(status=Status.DELETED)
            .order_by("-created_at")
            .first()
        )
        if same is not None:
            return Posted(comment=same, created=False)
        if locked.trust_level == TrustLevel.NEW:
            last = mine.order_by("-created_at").values_list("created_at", flat=True).first()
            allow_comment_on_post(last_at=last)
        # Last of the checks: a refused or replayed comment spends no token.
        allow_comment(user_id=author.pk)
        comment = Comment.objects.create(artwork=artwork, author=author, parent=top, body=body)
        _move_count(artwork.pk, +1)
        told = _notify_new(comment, top=top, answered=answered)
        _notify_mentions(comment=comment, handles=mentioned_handles(body), skip=told)
        _changed(artwork, count_moved=True)
    artwork.comment_count += 1
    return Posted(comment=comment, created=True)


def _notify_new(comment: Comment, *, top: Comment | None, answered: set[int]) -> set[int]:
    """COMMENT to the artist, or REPLY to the authors answered; returns who was told."""
    author, artwork = comment.author, comment.artwork
    excerpt = _excerpt(comment.body)
    if top is None:
        if artwork.artist_id == author.pk:
            return set()
        notify(
            user=artwork.artist,
            kind=NotificationKind.COMMENT,
            title=f"{author.name} commented on “{artwork.title}”",
            body=excerpt,
            url=_link(comment),
            actor=author,
        )
        return {artwork.artist_id}
    told = answered - {author.pk}
    for member in User.objects.filter(pk__in=told, is_active=True):
        notify(
            user=member,
            kind=NotificationKind.REPLY,
            title=f"{author.name} replied to your comment on “{artwork.title}”",
            body=excerpt,
            url=_link(comment),
            actor=author,
        )
    return told


def comment_edit(*, editor: User, comment: Comment, body: str) -> Comment:
    """Change the text of one's own visible comment within ``EDIT_WINDOW`` of posting.

    Effects: the new body and ``edited_at`` (the page marks the comment "edited"); members
    newly ``@``-mentioned by the edit are told (those named before are not told again); the
    page's thread retired from the cache. The same text again changes nothing.

    Raises ``NotAllowed`` for anyone but its author or a suspended author, ``NotFound`` when
    its post is no longer shown to them, ``Conflict`` when the comment is not visible or the
    window has passed, ``Invalid`` for the text (as ``comment_create``).
    """
    if not editor.is_authenticated or comment.author_id != editor.pk:
        raise NotAllowed("Only its author can edit a comment.", code="not_author")
    if editor.is_suspended:
        raise NotAllowed("Your account is suspended: you cannot edit comments.", code="suspended")
    if not artwork_shown_to(editor, comment.artwork):
        raise NotFound("No such comment.")
    if comment.status != Status.VISIBLE:
        raise Conflict("This comment can no longer be edited.", code="not_visible")
    if timezone.now() - comment.created_at > EDIT_WINDOW:
        minutes = int(EDIT_WINDOW.total_seconds() // 60)
        raise Conflict(
            f"Comments can be edited for {minutes} minutes after posting.", code="edit_window"
        )
    body = clean_body(body)
    if body == comment.body:
        return comment
    before = set(mentioned_handles(comment.body))
    with transaction.atomic():
        now = timezone.now()
        # Conditional on the status: an edit racing a hide or a delete does not revive it.
        if not Comment.objects.filter(pk=comment.pk, status=Status.VISIBLE).update(
            body=body, edited_at=now
        ):
            raise Conflict("This comment can no longer be edited.", code="not_visible")
        comment.body, comment.edited_at = body, now
        added = [h for h in mentioned_handles(body) if h not in before]
        # The budget is per comment: an edit cannot reach more members than a new comment.
        _notify_mentions(
            comment=comment, handles=added[: max(0, MAX_MENTIONS - len(before))], skip=set()
        )
        _changed(comment.artwork, count_moved=False)
    return comment


def _set_status(comment: Comment, *, old: tuple[str, ...], new: str) -> bool:
    """Move ``comment`` from one of ``old`` to ``new`` and keep the count exact; False when
    another request moved it first (nothing changed)."""
    with transaction.atomic():
        current = (
            Comment.objects.select_for_update()
            .filter(pk=comment.pk)
            .values_list("status", flat=True)
            .first()
        )
        if current not in old:
            return False
        Comment.objects.filter(pk=comment.pk).update(status=new, status_changed_at=timezone.now())
        was_visible, is_visible = current == Status.VISIBLE, new == Status.VISIBLE
        if was_visible != is_visible:
            _move_count(comment.artwork_id, +1 if is_visible else -1)
        _changed(comment.artwork, count_moved=was_visible != is_visible)
    comment.status = new
    return True


def comment_delete(*, member: User, comment: Comment) -> None:
    """Its author deletes a comment: the row stays (replies, reports and the audit log keep
    their subject) with status DELETED, and the page shows "This comment was deleted" where it
    has visible replies, nothing otherwise. Deleting it again changes nothing. A suspended
    author may delete.

    Raises ``NotAllowed`` for anyone but its author, ``Conflict`` when moderators hid or
    removed it (their decision, and its appeal, stay on the record as they were).
    """
    if not member.is_authenticated or comment.author_id != member.pk:
        raise NotAllowed("Only its author can delete a comment.", code="not_author")
    if comment.status in (Status.MOD_HIDDEN, Status.REMOVED):
        raise Conflict("Moderators have already taken this comment down.", code="moderated")
    _set_status(comment, old=(Status.VISIBLE, Status.HIDDEN), new=Status.DELETED)


def _check_artist(artist: User, comment: Comment) -> None:
    if not artist.is_authenticated or comment.artwork.artist_id != artist.pk:
        raise NotAllowed("Only the post's artist can hide comments on it.", code="not_artist")
    if artist.is_suspended:
        raise NotAllowed("Your account is suspended: you cannot change comments.", code="suspended")


def comment_hide(*, artist: User, comment: Comment) -> None:
    """The post's artist hides a comment on it (from everyone but themselves and its author).
    Hiding a hidden comment changes nothing.

    Raises ``NotAllowed`` for anyone but the artist (or a suspended artist), ``Conflict`` for
    a comment deleted by its author or taken down by moderators.
    """
    _check_artist(artist, comment)
    if comment.status not in (Status.VISIBLE, Status.HIDDEN):
        raise Conflict("This comment is already gone.", code="not_visible")
    _set_status(comment, old=(Status.VISIBLE,), new=Status.HIDDEN)


def comment_unhide(*, artist: User, comment: Comment) -> None:
    """The post's artist shows a comment they hid again. A visible comment stays as it is.

    Raises as ``comment_hide``; only the artist's own hiding can be undone here (moderators'
    decisions are undone by an appeal).
    """
    _check_artist(artist, comment)
    if comment.status not in (Status.VISIBLE, Status.HIDDEN):
        raise Conflict("Only comments you hid can be shown again.", code="not_hidden")
    _set_status(comment, old=(Status.HIDDEN,), new=Status.VISIBLE)


def comments_enabled_set(*, artist: User, artwork: Artwork, enabled: bool) -> None:
    """The artist turns comments on their post on or off. Off: no new comments or replies;
    the comments already there stay readable (hide any of them one by one).

    Raises ``NotAllowed`` for anyone but the post's artist, or a suspended artist.
    """
    if not artist.is_authenticated or artwork.artist_id != artist.pk:
        raise NotAllowed("Only the post's artist can turn comments on or off.", code="not_artist")
    if artist.is_suspended:
        raise NotAllowed(
            "Your account is suspended: you cannot change your posts.", code="suspended"
        )
    with transaction.atomic():
        # update(), not save(): the post's listings show nothing of this, only its thread.
        Artwork.objects.filter(pk=artwork.pk).update(comments_enabled=enabled)
        _changed(artwork, count_moved=False)
    artwork.comments_enabled = enabled


def comment_counts_refresh(artwork_ids: set[int]) -> None:
    """Recount ``comment_count`` of the posts ``artwork_ids`` from their rows: visible comments
    by members whose deletion is not pending. One update; the caller retires the caches."""
    if not artwork_ids:
        return
    visible = (
        Comment.objects.filter(
            artwork_id=OuterRef("pk"),
            status=Status.VISIBLE,
            author__deletion_requested_at__isnull=True,
        )
        .order_by()
        .values("artwork_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    Artwork.objects.filter(pk__in=artwork_ids).update(comment_count=Coalesce(Subquery(visible), 0))


def author_comments_recount(*, author_id: int) -> int:
    """A member's account deletion was asked for or cancelled (privacy.services.deletion): their
    comments leave or come back in every thread. Recounts the posts they commented on and
    retires those threads and the posts' cached pages and cards (the threads at once, on their
    ``comments:<id>`` scope). Call it inside the transaction that changed
    ``deletion_requested_at``. Returns how many posts were touched."""
    rows = list(
        Artwork.objects.filter(
            pk__in=Comment.objects.filter(author_id=author_id).values("artwork_id")
        ).values_list("pk", "artist_id", "medium")
    )
    comment_counts_refresh({pk for pk, _, _ in rows})
    scopes: set[str] = set()
    for pk, artist_id, medium in rows:
        scopes.add(f"comments:{pk}")
        scopes.update(
            listing_cache.artwork_scopes(artwork_id=pk, artist_id=artist_id, medium=medium)
        )
    if scopes:
        listing_cache.bump_now_and_on_commit(sorted(scopes))
    return len(rows)
