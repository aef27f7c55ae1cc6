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

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from config.errors import Conflict
from gallery.models import Artwork, ArtworkImage
from gallery.services.notices import followers_notify, followers_notify_stop
from gallery.services.withdrawal import public_files_settle_on_commit


def _snapshot(artwork: Artwork) -> dict:
    return {
        "status": artwork.status,
        "label": artwork.label,
        "label_mismatch": artwork.label_mismatch,
        "held": artwork.held,
        "relabeled": artwork.relabeled,
        "mature": artwork.mature,
    }


def artwork_hide(*, artwork_id: int, reason: str) -> tuple[dict, dict]:
    """Hide a finished artwork from feeds ("hide from feeds"): its page and files stay.

    ``reason`` is kept as the status reason. Effects and failure modes: ``_status_set``.
    """
    return _status_set(artwork_id=artwork_id, status=Artwork.Status.HIDDEN, reason=reason)


def artwork_remove(*, artwork_id: int, reason: str) -> tuple[dict, dict]:
    """Remove a finished artwork: only its artist and moderators still see it, and its public
    files are withdrawn after the commit. Effects and failure modes: ``_status_set``."""
    return _status_set(artwork_id=artwork_id, status=Artwork.Status.REMOVED, reason=reason)


def artwork_restore(*, artwork_id: int) -> tuple[dict, dict]:
    """Publish an artwork again: undo a hide or a removal (an upheld appeal), or approve a post
    that waited for approval. Effects and failure modes: ``_status_set``."""
    return _status_set(artwork_id=artwork_id, status=Artwork.Status.PUBLISHED)


@transaction.atomic
def _status_set(*, artwork_id: int, status: str, reason: str = "") -> tuple[dict, dict]:
    """Hide, remove or restore (publish) an artwork that has finished processing.

    The artist's ``artwork_count`` follows removals and restorations. A removal marks the
    images' public files for withdrawal and a restoration marks them for return, in this
    transaction; the files move after the commit (see the module docstring). Returns the
    snapshots before and after. Raises ``Conflict`` for an artwork still processing or failed
    (there is nothing to hide yet), ``Artwork.DoesNotExist`` for a deleted one.
    """
    artwork = Artwork.objects.select_for_update().get(pk=artwork_id)
    before = _snapshot(artwork)
    waiting = artwork.status == Artwork.Status.AWAITING_APPROVAL
    if artwork.published_at is None and not waiting:
        raise Conflict("This artwork has not been published yet.")
    # A post that waited for approval and never counted: counts once it becomes visible.
    counted = artwork.status in (Artwork.Status.PUBLISHED, Artwork.Status.HIDDEN)
    artwork.status_reason = reason[:500] if status != Artwork.Status.PUBLISHED else ""
    was_removed = artwork.status == Artwork.Status.REMOVED
    if status != Artwork.Status.REMOVED and artwork.published_at is None:
        artwork.published_at = timezone.now()  # approved (or hidden) after waiting
    artwork.status = status
    artwork.save(update_fields=["status", "status_reason", "published_at", "updated_at"])
    counts = status in (Artwork.Status.PUBLISHED, Artwork.Status.HIDDEN)
    if counted and not counts:
        User.objects.filter(pk=artwork.artist_id, artwork_count__gt=0).update(
            artwork_count=F("artwork_count") - 1
        )
    elif counts and not counted:
        User.objects.filter(pk=artwork.artist_id).update(artwork_count=F("artwork_count") + 1)
    # Followers hear of a post the first time it is published (approved after waiting);
    # the fan-out's key makes a restore after a hide or a removal tell nobody again.
    if status == Artwork.Status.PUBLISHED:
        followers_notify(artwork=artwork)
    elif status == Artwork.Status.REMOVED:
        followers_notify_stop(artwork_id=artwork.pk)
    files = ArtworkImage.PublicFiles
    if status == Artwork.Status.REMOVED and not was_removed:
        artwork.images.exclude(public_files=files.WITHDRAWN).update(public_files=files.WITHDRAWING)
        public_files_settle_on_commit(artwork_id=artwork.pk)
    elif was_removed and status != Artwork.Status.REMOVED:
        artwork.images.exclude(public_files=files.PUBLIC).update(public_files=files.RESTORING)
        public_files_settle_on_commit(artwork_id=artwork.pk)
    return before, _snapshot(artwork)


@transaction.atomic
def artwork_set_held(
    *, artwork_id: int, held: bool, evidence_due: datetime | None = None
) -> tuple[dict, dict]:
    """Keep an artwork out of human-only listings (``held``) while a case needs it, or release.

    ``evidence_due``: moderators asked the artist for process evidence by then (the artwork
    page shows the artist a notice with the form). Releasing clears it. Returns the snapshots
    before and after; raises ``Artwork.DoesNotExist`` for a deleted artwork.
    """
    artwork = Artwork.objects.select_for_update().get(pk=artwork_id)
    before = _snapshot(artwork)
    artwork.held = held
    artwork.evidence_due = evidence_due if held else None
    artwork.save(update_fields=["held", "evidence_due", "updated_at"])
    return before, _snapshot(artwork)


@transaction.atomic
def artwork_accept_label(*, artwork_id: int) -> tuple[dict, dict]:
    """A moderator found the label right despite the file's metadata: clear the mismatch.

    Returns the snapshots before and after; raises ``Artwork.DoesNotExist`` for a deleted one.
    """
    artwork = Artwork.objects.select_for_update().get(pk=artwork_id)
    before = _snapshot(artwork)
    artwork.label_mismatch = False
    artwork.save(update_fields=["label_mismatch", "updated_at"])
    return before, _snapshot(artwork)


@transaction.atomic
def artwork_set_mature(*, artwork_id: int, mature: bool) -> tuple[dict, dict]:
    """Mark an artwork as mature content, or clear the mark (a reversed decision). The post
    stays where it is; gallery.state blurs or hides it for viewers who have not opted in."""
    artwork = Artwork.objects.select_for_update().get(pk=artwork_id)
    before = _snapshot(artwork)
    artwork.mature = mature
    artwork.save(update_fields=["mature", "updated_at"])
    return before, _snapshot(artwork)
