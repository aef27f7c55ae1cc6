"""Who may see or change an artwork; every view goes through these."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from gallery.models import Artwork


def can_manage(user, artwork: Artwork) -> bool:
    return user.is_authenticated and (artwork.artist_id == user.pk or user.is_moderator)


def can_see_private_files(user, artwork: Artwork) -> bool:
    """Originals and a removed post's withdrawn images: its artist and moderators only."""
    return user.is_authenticated and (
        artwork.artist_id == user.pk or user.is_moderator or user.has_perm("accounts.view_original")
    )


def artwork_for_viewer(request, pk: int) -> Artwork:
    """The artwork if this viewer may see its page: 404 otherwise (never reveal it exists)."""
    artwork = get_object_or_404(Artwork.objects.select_related("artist", "cover"), pk=pk)
    if artwork.is_public or can_manage(request.user, artwork):
        return artwork
    raise Http404("No such artwork.")


def artwork_for_owner(request, pk: int) -> Artwork:
    """The artwork if the signed-in viewer is its artist: 404 for everyone else."""
    artwork = get_object_or_404(Artwork.objects.select_related("artist"), pk=pk)
    if not request.user.is_authenticated or artwork.artist_id != request.user.pk:
        raise Http404("No such artwork.")
    if artwork.status == Artwork.Status.REMOVED:
        raise Http404("This artwork was removed.")
    return artwork
