"""Who may see or change an artwork: the site's views and the API both go through these.

A policy, not a view: it lives outside `views/` so that `api/` need not import a views module.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import Follow
from accounts.selectors import block_between
from config.errors import NotFound
from gallery import state
from gallery.models import Artwork, Like


def can_manage(user, artwork: Artwork) -> bool:
    return user.is_authenticated and (artwork.artist_id == user.pk or user.is_moderator)


def can_see_private_files(user, artwork: Artwork) -> bool:
    """Originals and a removed post's withdrawn images: its artist and moderators only."""
    return user.is_authenticated and (
        artwork.artist_id == user.pk or user.is_moderator or user.has_perm("accounts.view_original")
    )


def viewer_role(user, artwork: Artwork) -> state.Role:
    """The viewer's role towards one artwork, for the state table."""
    if not user.is_authenticated:
        return state.Role.ANONYMOUS
    if artwork.artist_id == user.pk:
        return state.Role.SUSPENDED_OWNER if user.is_suspended else state.Role.OWNER
    if user.is_moderator:
        return state.Role.MODERATOR
    if user.is_trusted_reviewer:
        return state.Role.TRUSTED_REVIEWER
    return state.Role.MEMBER


class BlockedArtist(NotFound):
    """The post is by a member in a block with the viewer. ``made``: the viewer blocked them
    (the artwork page says so and offers to unblock); otherwise they blocked the viewer, who
    gets the same 404 as for a post that does not exist."""

    def __init__(self, *, artist, made: bool) -> None:
        super().__init__("No such artwork.", code="blocked")
        self.artist, self.made = artist, made


def artwork_shown_to(user, artwork: Artwork) -> bool:
    """Whether ``user`` (anonymous or not) may see ``artwork``'s page: the state table's answer
    for a direct link, for services that get a user rather than a request (reporting a comment
    under the post, say). Reads ``artwork.artist`` (load it with the row)."""
    return state.present(
        state.Facts.of(artwork),
        surface=state.Surface.PAGE,
        role=viewer_role(user, artwork),
        preference="all",
    ).shown


def artwork_for_viewer(
    request, pk: int, *, surface=state.Surface.PAGE, marks: bool = False, blocks: bool = True
) -> Artwork:
    """The artwork if this viewer may see it on ``surface`` (the page, or the API's detail):
    404 otherwise, never revealing that it exists. The state table decides.

    ``marks``: a signed-in viewer's own marks come with the row, in the same query, as
    ``viewer_liked`` and ``viewer_follows`` (False for anonymous viewers, without a query).
    ``blocks``: a post by a member in a block with the viewer raises ``BlockedArtist`` (a
    ``NotFound``); reporting passes False, since a block must never stop a report.
    """
    qs = Artwork.objects.select_related("artist", "cover")
    user = request.user
    if marks and user.is_authenticated:
        # Subqueries, not separate lookups: the artwork page is one query shorter for members.
        likes = Like.objects.filter(user_id=user.pk, artwork_id=OuterRef("pk"))
        follows = Follow.objects.filter(follower_id=user.pk, artist_id=OuterRef("artist_id"))
        qs = qs.annotate(viewer_liked=Exists(likes), viewer_follows=Exists(follows))
    artwork = get_object_or_404(qs, pk=pk)
    if marks and not user.is_authenticated:
        artwork.viewer_liked = artwork.viewer_follows = False
    shown = state.present(
        state.Facts.of(artwork),
        surface=surface,
        role=viewer_role(request.user, artwork),
        preference="all",  # a direct link is not a listing: the label filter does not apply
    ).shown
    if not shown:
        raise Http404("No such artwork.")
    # A block hides each member's posts from the other, links included; moderators are never
    # kept from a post by a block (moderation work is never hidden from them).
    relation = block_between(user, artwork.artist_id) if blocks else None
    if relation is not None and not user.is_moderator:
        raise BlockedArtist(artist=artwork.artist, made=relation == "made")
    return artwork


def artwork_for_owner(request, pk: int) -> Artwork:
    """The artwork if the signed-in viewer is its artist: 404 for everyone else."""
    artwork = get_object_or_404(Artwork.objects.select_related("artist"), pk=pk)
    if not request.user.is_authenticated or artwork.artist_id != request.user.pk:
        raise Http404("No such artwork.")
    if artwork.status == Artwork.Status.REMOVED:
        raise Http404("This artwork was removed.")
    return artwork
