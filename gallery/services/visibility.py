"""Changes of visibility that moderation asks for. Gallery owns the rows; moderation calls these.

Each returns a small dict of the fields before and after, for moderation's audit log.

What each status does to the post's public files (gallery.services.withdrawal does the moving):

- ``removed``: the derivatives leave public storage right after the commit (moved to private
  storage, the CDN purge hook called with their URLs); only the artist and moderators still see
  them, through a permission-checked view. Restoring (an upheld appeal) moves them back.
- ``hidden`` ("hide from feeds"): nothing moves. Hiding is a listing decision: the post stays
  reachable by its link, with its images.
- Deletion by the artist (gallery.services.artworks.artwork_delete) deletes every file.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from accounts.models import User
from gallery.models import Artwork, ArtworkImage
from gallery.services.withdrawal import public_files_settle_on_commit

LISTED = (Artwork.Status.PUBLISHED,)


def _snapshot(artwork: Artwork) -> dict:
    return {
        "status": artwork.status,
        "label": artwork.label,
        "label_mismatch": artwork.label_mismatch,
        "held": artwork.held,
    }


@transaction.atomic
def artwork_set_status(*, artwork_id: int, status: str, reason: str = "") -> tuple[dict, dict]:
    """Hide, remove or restore (publish) an artwork that has finished processing.

    The artist's ``artwork_count`` follows removals and restorations. A removal marks the
    images' public files for withdrawal and a restoration marks them for return, in this
    transaction; the files move after the commit (see the module docstring). Raises
    ``ValueError`` for an artwork still processing or failed: there is nothing to hide yet.
    """
    artwork = Artwork.objects.select_for_update().get(pk=artwork_id)
    before = _snapshot(artwork)
    if artwork.published_at is None:
        raise ValueError("This artwork has not been published yet.")
    if status not in (Artwork.Status.PUBLISHED, Artwork.Status.HIDDEN, Artwork.Status.REMOVED):
        raise ValueError(f"Cannot set status {status!r}.")
    was_removed = artwork.status == Artwork.Status.REMOVED
    artwork.status = status
    artwork.status_reason = reason[:500] if status != Artwork.Status.PUBLISHED else ""
    artwork.save(update_fields=["status", "status_reason", "updated_at"])
    files = ArtworkImage.PublicFiles
    if status == Artwork.Status.REMOVED and not was_removed:
        User.objects.filter(pk=artwork.artist_id, artwork_count__gt=0).update(
            artwork_count=F("artwork_count") - 1
        )
        artwork.images.exclude(public_files=files.WITHDRAWN).update(public_files=files.WITHDRAWING)
        public_files_settle_on_commit(artwork_id=artwork.pk)
    elif was_removed and status != Artwork.Status.REMOVED:
        User.objects.filter(pk=artwork.artist_id).update(artwork_count=F("artwork_count") + 1)
        artwork.images.exclude(public_files=files.PUBLIC).update(public_files=files.RESTORING)
        public_files_settle_on_commit(artwork_id=artwork.pk)
    return before, _snapshot(artwork)


@transaction.atomic
def artwork_set_held(*, artwork_id: int, held: bool) -> tuple[dict, dict]:
    """Keep an artwork out of human-only listings (``held``) while a case needs it, or release."""
    artwork = Artwork.objects.select_for_update().get(pk=artwork_id)
    before = _snapshot(artwork)
    artwork.held = held
    artwork.save(update_fields=["held", "updated_at"])
    return before, _snapshot(artwork)


@transaction.atomic
def artwork_accept_label(*, artwork_id: int) -> tuple[dict, dict]:
    """A moderator found the label right despite the file's metadata: clear the mismatch."""
    artwork = Artwork.objects.select_for_update().get(pk=artwork_id)
    before = _snapshot(artwork)
    artwork.label_mismatch = False
    artwork.save(update_fields=["label_mismatch", "updated_at"])
    return before, _snapshot(artwork)
