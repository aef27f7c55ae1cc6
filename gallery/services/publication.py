"""How a post settles once its images are ready: published, waiting for approval, or a draft;
and how images added to a settled post are judged.

The pipeline (``gallery.services.pipeline``) calls ``artwork_settle`` under the artwork's row
lock each time an image finishes; ``gallery.services.posting`` calls it after removing an
image (the last unfinished one may be gone) and ``artwork_go_live`` when a draft is published.
There is one path to publication, whatever the way in: the label checked against the files'
verdict, the artist's approval hold, the durable hand-off to moderation (``handoff_pending``
+ ``artwork_scanned``) and ``artwork_published`` for whoever tells followers.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from gallery import provenance
from gallery.models import Artwork, ArtworkImage, Visibility
from gallery.services.handoff import artwork_scanned_on_commit
from gallery.services.notices import followers_notify
from gallery.signals import artwork_published

Status = Artwork.Status
State = ArtworkImage.State
# Posts that settled once: an image added to one of them is judged on its own when ready.
SETTLED = (Status.PUBLISHED, Status.HIDDEN, Status.AWAITING_APPROVAL, Status.DRAFT)
UNFINISHED = (State.PENDING, State.PROCESSING)


def _results(images) -> list[provenance.ScanResult]:
    return [provenance.ScanResult.from_dict(i.provenance) for i in images if i.provenance]


def _ready_finals(images) -> int:
    return sum(1 for i in images if i.kind == ArtworkImage.Kind.FINAL and i.state == State.READY)


def artwork_settle(artwork: Artwork) -> None:
    """Under the artwork's row lock (the caller holds it): settle what is ready.

    A post in its first processing settles when every image is ready: its verdict and mismatch
    are recorded, then it goes live (``artwork_go_live``), or becomes a ``draft`` when it was
    saved as one (no hand-off yet: nothing is public). A settled post with images added since
    waits for those still unfinished (failed ones are left for the artist to remove or
    replace), then ``_added_images_settle`` judges the new ones.
    """
    images = list(artwork.images.all())
    if artwork.status == Status.PROCESSING:
        if any(i.state != State.READY for i in images):
            return
        results = _results(images)
        artwork.provenance_verdict = provenance.combine(results)
        artwork.label_mismatch = provenance.contradicts(artwork.label, artwork.provenance_verdict)
        artwork.image_count = _ready_finals(images)
        if not artwork.publish_when_ready:
            artwork.status, artwork.status_reason = Status.DRAFT, ""
            artwork.save(
                update_fields=[
                    "provenance_verdict", "label_mismatch", "image_count", "status",
                    "status_reason", "updated_at",
                ]
            )  # fmt: skip
            return
        artwork_go_live(artwork, results=results)
    elif artwork.status in SETTLED:
        if any(i.state in UNFINISHED for i in images):
            return
        _added_images_settle(artwork, images)


def artwork_go_live(artwork: Artwork, *, results: list | None = None) -> None:
    """Under the artwork's row lock: publish it (or hold it for approval) and hand it over.

    The artist's uploads held after a strike: the post waits for a moderator in this same
    transaction, so it is never public first (moderation's intake opens the case). Otherwise
    ``published`` (``published_at`` kept if it had one) and the artist's post count goes up.
    ``handoff_pending`` is set with it: the ``artwork_scanned`` task may be lost (broker
    down); moderation's sweep finds the flag still set and runs the intake again (idempotent).
    ``artwork_published`` follows the commit for a published post.
    """
    if results is None:
        results = _results(artwork.images.filter(state=State.READY))
    held_artist = User.objects.filter(pk=artwork.artist_id, uploads_held_until__gt=timezone.now())
    if held_artist.exists():
        artwork.status = Status.AWAITING_APPROVAL
    else:
        artwork.status = Status.PUBLISHED
        artwork.published_at = artwork.published_at or timezone.now()
        User.objects.filter(pk=artwork.artist_id).update(artwork_count=F("artwork_count") + 1)
    artwork.status_reason = ""
    artwork.publish_when_ready = True
    artwork.handoff_pending = True
    artwork.save(
        update_fields=[
            "provenance_verdict", "label_mismatch", "image_count", "status", "status_reason",
            "published_at", "publish_when_ready", "handoff_pending", "updated_at",
        ]
    )  # fmt: skip
    artwork_id = artwork.pk
    artwork_scanned_on_commit(
        artwork_id=artwork_id,
        verdict=artwork.provenance_verdict,
        mismatch=artwork.label_mismatch,
        results=results,
    )
    if artwork.status == Status.PUBLISHED:
        if artwork.visibility != Visibility.UNLISTED:
            # In this transaction: the fan-out row commits with the publication (durable). An
            # unlisted post is for those who have its link: followers are not told.
            followers_notify(artwork=artwork)
        transaction.on_commit(lambda: artwork_published.send(sender=Artwork, artwork_id=artwork_id))


def _added_images_settle(artwork: Artwork, images: list[ArtworkImage]) -> None:
    """Images added to a settled post are all ready (or failed): judge the new ones.

    The post's verdict is recomputed over every ready image. The new images' own verdict is
    judged against the label the way an upload's is: a new image carrying AI metadata on a
    human-made post sets ``label_mismatch`` (the post leaves human-only listings at once) and
    the hand-off raises the provenance flag and opens the case, exactly as for an upload. The
    hand-off runs for every batch of new images of a post moderation has seen (not for a
    draft): its intake checks the new images (``intake_done`` off) for near-duplicates and
    re-uploads. A mismatch already there stays; only a moderator or a relabel clears one.
    Always saves the row, so every cached page showing the post is retired (receivers).
    """
    ready = [i for i in images if i.state == State.READY]
    new = [i for i in ready if not i.intake_done]
    artwork.provenance_verdict = provenance.combine(_results(ready))
    artwork.image_count = _ready_finals(images)
    fields = ["provenance_verdict", "image_count", "updated_at"]
    if artwork.status == Status.DRAFT:
        # Nothing public yet: the mismatch is simply recomputed; publication hands it over.
        artwork.label_mismatch = provenance.contradicts(artwork.label, artwork.provenance_verdict)
        artwork.save(update_fields=[*fields, "label_mismatch"])
        return
    if not new:
        artwork.save(update_fields=fields)
        return
    new_results = _results(new)
    if provenance.contradicts(artwork.label, provenance.combine(new_results)):
        artwork.label_mismatch = True
    artwork.handoff_pending = True
    artwork.save(update_fields=[*fields, "label_mismatch", "handoff_pending"])
    artwork_scanned_on_commit(
        artwork_id=artwork.pk,
        verdict=artwork.provenance_verdict,
        mismatch=artwork.label_mismatch,
        results=new_results,
    )
