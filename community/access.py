"""Who may read or write comments on an artwork: the services, the views and the API ask here.

Whether the post itself is shown to someone is gallery's state table (``gallery.state`` through
``gallery.access.viewer_role``); this module adds only what comments add on top of it.
"""

from __future__ import annotations

from accounts.selectors import blocked_ids
from community.models import Comment
from config.errors import Conflict, NotAllowed, NotFound
from gallery import state
from gallery.access import viewer_role
from gallery.models import Artwork


def artwork_shown_to(user, artwork: Artwork) -> bool:
    """Whether ``user`` (a member or an anonymous user) may open ``artwork``'s page: the
    state table's answer for the page surface, the one every view and the API use."""
    return state.present(
        state.Facts.of(artwork),
        surface=state.Surface.PAGE,
        role=viewer_role(user, artwork),
        preference="all",  # a direct link is not a listing: the label filter does not apply
    ).shown


def check_may_comment(user, artwork: Artwork, *, blocked: frozenset[int] | None = None) -> None:
    """Raise unless ``user`` may add a comment to ``artwork`` now.

    ``NotFound`` when the post is not shown to them (never confirming it exists);
    ``NotAllowed`` when they are signed out, suspended, blocked by or blocking the artist, or
    the artist turned comments off; ``Conflict`` when the post is shown to them but not public
    (its artist or a moderator on a post still processing, or removed): nobody else could
    read the thread. ``blocked`` is ``accounts.selectors.blocked_ids(user)`` when the caller
    has it already.
    """
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed("Sign in to comment.", code="sign_in")
    if not artwork_shown_to(user, artwork):
        raise NotFound("No such artwork.")
    if user.is_suspended:
        raise NotAllowed(
            f"Your account is suspended until {user.suspended_until:%d %B %Y}: you can read "
            "comments but not write them.",
            code="suspended",
        )
    # An owner or moderator can open a processing or removed post: a thread there would be
    # one nobody else can ever read.
    if not state.public(state.Facts.of(artwork)):
        raise Conflict("Comments open once the post is public.", code="not_public")
    if blocked is None:
        blocked = blocked_ids(user)
    if artwork.artist_id in blocked:
        raise NotAllowed("You cannot comment on this artist's posts.", code="blocked")
    if not artwork.comments_enabled:
        raise NotAllowed("The artist has turned comments off for this post.", code="comments_off")


def can_comment(user, artwork: Artwork, *, blocked: frozenset[int]) -> bool:
    """``check_may_comment`` as a yes or no, for showing the form."""
    try:
        check_may_comment(user, artwork, blocked=blocked)
    except (NotAllowed, NotFound, Conflict):
        return False
    return True


def comment_for_viewer(user, pk: int) -> Comment:
    """The comment ``pk`` with its artwork and author, if ``user`` may see it: its post is
    shown to them, no block stands between them and its author, its author is not inside an
    account deletion's grace period, and it is visible (or hidden on the viewer's own post, or
    their own comment). ``NotFound`` otherwise."""
    comment = (
        Comment.objects.select_related("artwork__artist", "author", "parent").filter(pk=pk).first()
    )
    if comment is None or not artwork_shown_to(user, comment.artwork):
        raise NotFound("No such comment.")
    if comment.author_id in blocked_ids(user):
        raise NotFound("No such comment.")
    # A member whose deletion is pending is away from every thread (they cannot sign in).
    if comment.author.deletion_requested_at is not None:
        raise NotFound("No such comment.")
    # An author keeps seeing their own comment whatever its status (to delete it, or to read
    # why it is gone); the artist sees what they hid, to show it again. Nobody else does.
    mine = user.is_authenticated and comment.author_id == user.pk
    artists = user.is_authenticated and comment.artwork.artist_id == user.pk
    if comment.status == Comment.Status.VISIBLE or mine:
        return comment
    if comment.status == Comment.Status.HIDDEN and artists:
        return comment
    raise NotFound("No such comment.")
