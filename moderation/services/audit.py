"""The append-only audit log: every moderation action writes one entry."""

from __future__ import annotations

from moderation.models import AuditAction, AuditEntry, AuditRole


def audit_write(
    *,
    actor,
    role: AuditRole,
    action: AuditAction,
    reason: str = "",
    case=None,
    artwork_id: int | None = None,
    subject_user_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Append one entry (who, in which role, did what, why, and the state before and after).

    ``role`` and ``action`` must belong to their vocabularies: a stray string raises
    ``ValueError`` here, before the database's check constraints would refuse it.
    """
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_role=AuditRole(role),
        action=AuditAction(action),
        reason=reason,
        case=case,
        artwork_id=artwork_id if artwork_id is not None else (case.artwork_id if case else None),
        subject_user_id=subject_user_id,
        before=before or {},
        after=after or {},
    )
