"""Durable hand-offs from gallery to other apps.

When a post settles (published, or waiting for approval) the pipeline sets
``Artwork.handoff_pending`` in the same transaction and sends ``artwork_scanned`` after the
commit; moderation's intake clears the flag in the transaction that records its work. A lost
task (broker down, worker killed) leaves the flag set, and moderation's sweep finds it here.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from gallery.models import Artwork, ArtworkImage
from gallery.signals import artwork_scanned


def artwork_scanned_on_commit(
    *, artwork_id: int, verdict: str, mismatch: bool, results: list
) -> None:
    """After the commit, tell moderation what the scan found (``artwork_scanned``).

    Call in the transaction that sets ``handoff_pending``: the signal is the fast path, the
    flag the guarantee (the sweep finds it when the signal's task is lost). ``results`` are
    the images' ``provenance.ScanResult``s; their evidence is flattened once, here.
    """
    evidence = [e for r in results for e in r.to_dict()["evidence"]]
    transaction.on_commit(
        lambda: artwork_scanned.send(
            sender=Artwork,
            artwork_id=artwork_id,
            verdict=verdict,
            mismatch=mismatch,
            evidence=evidence,
        )
    )


def artwork_handoff_lock(*, artwork_id: int) -> Artwork | None:
    """Inside the caller's transaction: the artwork, locked, if its hand-off is still pending.

    Returns None when there is nothing to do (done already, or the artwork is gone), so two
    runs of the same intake (a task and the sweep) never both do the work.
    """
    return (
        Artwork.objects.select_for_update()
        .select_related("artist")
        .filter(pk=artwork_id, handoff_pending=True)
        .first()
    )


def artwork_handoff_done(*, artwork_id: int) -> None:
    """Clear the pending hand-off (call inside the transaction that did the work), and mark
    the ready images as checked (``ArtworkImage.intake_done``): an image added later is the
    only one the next hand-off's checks look at (``artwork_images_unchecked``)."""
    Artwork.objects.filter(pk=artwork_id).update(handoff_pending=False)
    ArtworkImage.objects.filter(
        artwork_id=artwork_id, state=ArtworkImage.State.READY, intake_done=False
    ).update(intake_done=True)


def artwork_images_unchecked(*, artwork: Artwork) -> QuerySet[ArtworkImage]:
    """The artwork's ready final images the intake has not checked yet (new since the last
    hand-off): near-duplicate and re-upload checks run on these only."""
    return artwork.images.filter(
        kind=ArtworkImage.Kind.FINAL, state=ArtworkImage.State.READY, intake_done=False
    )


def artworks_handoff_stale(*, older_than: timedelta = timedelta(minutes=2)) -> QuerySet[int]:
    """Ids of artworks whose hand-off has waited longer than ``older_than`` (oldest first)."""
    cutoff = timezone.now() - older_than
    return (
        Artwork.objects.filter(handoff_pending=True, updated_at__lt=cutoff)
        .order_by("updated_at")
        .values_list("pk", flat=True)
    )
