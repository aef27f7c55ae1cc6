"""What the gallery's events bring in: provenance mismatches, near-duplicates, re-uploads of
removed work, and posts by members whose uploads wait for approval."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from gallery.evidence import disputing, images_evidence
from gallery.models import Artwork, ArtworkImage, Label
from gallery.selectors import near_duplicates
from gallery.services.handoff import (
    artwork_handoff_done,
    artwork_handoff_lock,
    artwork_images_unchecked,
    artworks_handoff_stale,
)
from moderation.models import (
    AuditAction,
    AuditEntry,
    AuditRole,
    Decision,
    FlagReason,
    FlagSource,
)
from moderation.services.audit import audit_write
from moderation.services.flags import case_for_artwork, system_flag


def mismatch_flag(*, artwork_id: int, verdict: str, evidence: list[dict]) -> None:
    """The file's own metadata contradicts the label: a system flag with that evidence."""
    artwork = Artwork.objects.filter(pk=artwork_id).first()
    if artwork is None:
        return
    reason = (
        FlagReason.UNDISCLOSED_AI if artwork.label == Label.HUMAN else FlagReason.WRONG_AI_LABEL
    )
    system_flag(
        artwork=artwork, source=FlagSource.PROVENANCE, reason=reason,
        note=f"Labeled {artwork.get_label_display()}, but the file's metadata says {verdict}.",
        evidence=disputing(evidence),
    )  # fmt: skip


def artwork_intake(*, artwork_id: int) -> bool:
    """Everything moderation does when a post settles, in one transaction (idempotent).

    A provenance mismatch raises a system flag; a published or waiting post is checked for
    re-uploads of removed work and near-duplicates of other artists' work; a post waiting for
    approval gets its case and an audit entry. Runs only while gallery's ``handoff_pending``
    flag is set and clears it in the same transaction, so the task and the sweep
    (``intake_sweep``) never both do the work. Returns False when there was nothing to do.
    """
    with transaction.atomic():
        artwork = artwork_handoff_lock(artwork_id=artwork_id)
        if artwork is None:
            return False
        if artwork.label_mismatch:
            mismatch_flag(
                artwork_id=artwork.pk,
                verdict=artwork.provenance_verdict,
                evidence=images_evidence(artwork.images.all()),
            )
        if artwork.status in (
            Artwork.Status.PUBLISHED,
            Artwork.Status.AWAITING_APPROVAL,
            Artwork.Status.HIDDEN,
        ):
            # A post can be handed over more than once (a provenance rescan, images added
            # after publication): only images no intake has checked yet are checked, so a
            # dismissed duplicate does not come back with every better reader, and an image
            # added later is checked like an upload's (gallery.services.posting).
            images = list(artwork_images_unchecked(artwork=artwork))
            _check_reupload(artwork, images)
            _check_duplicates(artwork, images)
        held_before = AuditEntry.objects.filter(
            artwork_id=artwork.pk, action=AuditAction.HELD_FOR_APPROVAL
        ).exists()
        if artwork.status == Artwork.Status.AWAITING_APPROVAL and not held_before:
            case = case_for_artwork(artwork=artwork, reason=FlagReason.OTHER)
            audit_write(
                actor=None, role=AuditRole.SYSTEM, action=AuditAction.HELD_FOR_APPROVAL, case=case,
                reason="The artist's uploads are held for approval.",
                before={"status": "processing"}, after={"status": artwork.status},
            )  # fmt: skip
        artwork_handoff_done(artwork_id=artwork.pk)
    return True


def intake_sweep(*, limit: int = 200) -> int:
    """Finish hand-offs whose task was lost (broker down, worker killed); returns how many."""
    done = 0
    for artwork_id in list(artworks_handoff_stale()[:limit]):
        done += artwork_intake(artwork_id=artwork_id)
    return done


def _check_duplicates(artwork: Artwork, images: list[ArtworkImage]) -> None:
    evidence = []
    for image in images:
        # When this image was shown first: with its post, or when it was added later.
        shown = max(artwork.published_at or image.created_at, image.created_at)
        for other, distance in near_duplicates(
            image=image, max_distance=settings.MODERATION_DUPLICATE_DISTANCE
        ):
            if other.artwork.published_at and other.artwork.published_at > shown:
                continue  # the earlier post is the one that may have been copied
            evidence.append(
                {
                    "source": "duplicate", "field": "perceptual hash", "kind": "duplicate",
                    "value": f"distance {distance}", "image_id": image.pk,
                    "other_image_id": other.pk, "other_artwork_id": other.artwork_id,
                    "other_artist": other.artwork.artist.handle,
                    "summary": f"Looks like “{other.artwork.title}” by "
                    f"@{other.artwork.artist.handle} (perceptual distance {distance})",
                }
            )  # fmt: skip
    if evidence:
        system_flag(
            artwork=artwork, source=FlagSource.DUPLICATE, reason=FlagReason.STOLEN,
            note="Near-duplicate of an earlier post by another artist.", evidence=evidence[:10],
        )  # fmt: skip


def _check_reupload(artwork: Artwork, images: list[ArtworkImage]) -> None:
    """A file matching an artwork removed (or relabeled) for undisclosed AI opens a case."""
    if not images:
        return
    earlier = (
        Decision.objects.filter(
            case__ai_question=True,
            # A decision reversed on appeal is no precedent.
            reversed_at__isnull=True,
            action__in=[Decision.Action.REMOVE, Decision.Action.RELABEL],
            case__artwork__isnull=False,
        )
        .filter(
            Q(case__artwork__images__sha256__in=[i.sha256 for i in images])
            # Empty hashes left out: "" would match every other image without one.
            | Q(case__artwork__images__phash__in=[i.phash for i in images if i.phash])
        )
        .exclude(case__artwork=artwork)
        .select_related("case__artwork")
        .order_by("-created_at")
        .first()
    )
    if earlier is None:
        return
    old = earlier.case.artwork
    system_flag(
        artwork=artwork, source=FlagSource.REUPLOAD, reason=FlagReason.UNDISCLOSED_AI,
        note=(
            f"Re-upload of “{old.title}”, on which moderators decided "
            f"“{earlier.get_action_display()}” on {earlier.created_at:%d %B %Y}: {earlier.reason}"
        ),
        evidence=[{
            "source": "reupload", "field": "decision", "kind": "ai-generated",
            "value": str(earlier.pk), "decision_id": earlier.pk, "other_artwork_id": old.pk,
            "summary": f"Same image as “{old.title}”, decided “{earlier.get_action_display()}”"
            f" on {earlier.created_at:%d %B %Y}",
        }],
    )  # fmt: skip
