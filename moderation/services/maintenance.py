"""Periodic and follow-up work: case processing, expiries and deadlines."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Notification, NotificationKind, User
from accounts.services import notify
from gallery.evidence import images_evidence
from gallery.models import Artwork
from gallery.services.visibility import artwork_set_held
from moderation.models import AuditAction, AuditRole, Case, Flag, FlagSource, Strike
from moderation.services.audit import audit_write
from moderation.services.flags import case_rescore, trusted_ai_flaggers
from moderation.services.intake import mismatch_flag
from moderation.services.trust import trust_recompute

HIGH_RISK = 60


def case_process(*, case_id: int) -> None:
    """Rescore; hold the post out of human-only feeds when enough trusted members flag it as
    AI; tell moderators once when a case becomes high-risk.

    Safe to run concurrently for one case (each new flag enqueues a run): the case row is
    locked first, so the hold and the "already told" check below see the previous run's rows.
    """
    with transaction.atomic():
        # Check-then-create (auto-hold, high-risk notices) needs this lock: without it two runs
        # could both find no notice and both notify.
        Case.objects.select_for_update().filter(pk=case_id).exists()
        # Cleared first, under the row lock: a flag arriving meanwhile sets it again after
        # this commits, so its scoring is never lost.
        Case.objects.filter(pk=case_id).update(process_requested_at=None)
        case = case_rescore(case_id=case_id)
        if not case.is_open or case.artwork_id is None:
            return
        agreeing = trusted_ai_flaggers(case)
        if agreeing >= settings.MODERATION_AUTO_HOLD_FLAGS and not case.artwork.held:
            before, after = artwork_set_held(artwork_id=case.artwork_id, held=True)
            audit_write(
                actor=None, role=AuditRole.SYSTEM, action=AuditAction.AUTO_HOLD, case=case,
                before=before, after=after, reason=f"{agreeing} trusted members flagged it as AI.",
            )  # fmt: skip
        if case.risk_score >= HIGH_RISK:
            url = case.get_absolute_url()
            already = set(
                Notification.objects.filter(
                    url=url, kind=NotificationKind.CASE_HIGH_RISK
                ).values_list("user_id", flat=True)
            )
            for moderator in User.objects.moderators().exclude(pk__in=already):
                notify(
                    user=moderator, kind=NotificationKind.CASE_HIGH_RISK, url=url,
                    title=f"High-risk case: {case.artwork.title} (score {case.risk_score})",
                )  # fmt: skip


def cases_sweep_unprocessed(*, older_than: timedelta = timedelta(minutes=2)) -> int:
    """Score cases whose process_case task was lost (broker down, worker killed)."""
    cutoff = timezone.now() - older_than
    ids = list(
        Case.objects.filter(process_requested_at__lt=cutoff).values_list("pk", flat=True)[:200]
    )
    for case_id in ids:
        case_process(case_id=case_id)
    return len(ids)


def upkeep(*, now=None) -> dict:
    """The daily sweep: recompute trust for members whose strike expired in the last day,
    escalate open cases whose process evidence is overdue (logged, rescored), and raise the
    provenance flags that a lost task never raised. Idempotent: a second run finds nothing
    new. Returns counts for the task's log."""
    now = now or timezone.now()
    expired = Strike.objects.filter(
        reversed_at__isnull=True, expires_at__lte=now, expires_at__gt=now - timedelta(days=1)
    ).values_list("user_id", flat=True)
    for user_id in set(expired):
        trust_recompute(user_id=user_id)
    overdue = list(Case.objects.open().filter(evidence_due__lt=now, escalated=False))
    for case in overdue:
        Case.objects.filter(pk=case.pk).update(escalated=True)
        audit_write(actor=None, role=AuditRole.SYSTEM, action=AuditAction.EVIDENCE_OVERDUE,
                    case=case, reason="No process evidence by the deadline.")  # fmt: skip
        case_rescore(case_id=case.pk)
    # Mismatches whose flag was never raised (broker down when the scan finished).
    missed = (
        Artwork.objects.filter(label_mismatch=True, status="published")
        .exclude(flags__source=FlagSource.PROVENANCE, flags__status=Flag.Status.OPEN)
        .exclude(cases__status=Case.Status.CLOSED)[:500]
    )
    for artwork in missed:
        mismatch_flag(
            artwork_id=artwork.pk,
            verdict=artwork.provenance_verdict,
            evidence=images_evidence(artwork.images.all()),
        )
    return {"strikes_expired": len(set(expired)), "evidence_overdue": len(overdue)}
