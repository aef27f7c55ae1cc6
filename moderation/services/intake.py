"""What the gallery's events bring in: provenance mismatches, near-duplicates, re-uploads of
removed work, and posts by members whose uploads wait for approval."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Q

from gallery.models import Artwork, ArtworkImage, Label
from gallery.selectors import near_duplicates
from gallery.services.visibility import artwork_set_status
from moderation.models import AuditAction, AuditRole, Decision, FlagReason, FlagSource
from moderation.services.audit import audit_write
from moderation.services.flags import case_for_artwork, system_flag

APPROVAL_REASON = "Waiting for a moderator's approval (uploads held after a strike)."


def mismatch_flag(*, artwork_id: int, verdict: str, evidence: list[dict]) -> None:
    """The file's own metadata contradicts the label: a system flag with that evidence."""
    artwork = Artwork.objects.filter(pk=artwork_id).first()
    if artwork is None:
        return
    reason = (
        FlagReason.UNDISCLOSED_AI if artwork.label == Label.HUMAN else FlagReason.WRONG_AI_LABEL
    )
    shown = [e for e in evidence if e.get("kind") not in ("info", "human")]
    system_flag(
        artwork=artwork, source=FlagSource.PROVENANCE, reason=reason,
        note=f"Labeled {artwork.get_label_display()}, but the file's metadata says {verdict}.",
        evidence=shown,
    )  # fmt: skip


def published_check(*, artwork_id: int) -> None:
    """Run the checks a newly published artwork needs (idempotent)."""
    artwork = Artwork.objects.select_related("artist").filter(pk=artwork_id).first()
    if artwork is None or artwork.status != Artwork.Status.PUBLISHED:
        return
    images = list(artwork.images.filter(kind=ArtworkImage.Kind.FINAL, state="ready"))
    _check_reupload(artwork, images)
    _check_duplicates(artwork, images)
    if artwork.artist.uploads_held:
        before, after = artwork_set_status(
            artwork_id=artwork.pk, status=Artwork.Status.HIDDEN,
            reason=APPROVAL_REASON,
        )  # fmt: skip
        case = case_for_artwork(artwork=artwork, reason=FlagReason.OTHER)
        audit_write(
            actor=None, role=AuditRole.SYSTEM, action=AuditAction.HELD_FOR_APPROVAL, case=case,
            reason="The artist's uploads are held for approval.", before=before, after=after,
        )  # fmt: skip


def _check_duplicates(artwork: Artwork, images: list[ArtworkImage]) -> None:
    evidence = []
    for image in images:
        for other, distance in near_duplicates(
            image=image, max_distance=settings.MODERATION_DUPLICATE_DISTANCE
        ):
            if other.artwork.published_at and other.artwork.published_at > artwork.published_at:
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
            reversed_at__isnull=True,
            action__in=[Decision.Action.REMOVE, Decision.Action.RELABEL],
            case__artwork__isnull=False,
        )
        .filter(
            Q(case__artwork__images__sha256__in=[i.sha256 for i in images])
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
