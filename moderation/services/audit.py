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

    An entry on a comment case names the comment and keeps an excerpt of its words as they
    are now (``comment_excerpt``), so the log still says what was judged after an edit or a
    deletion. ``role`` and ``action`` must belong to their vocabularies: a stray string raises
    ``ValueError`` here, before the database's check constraints would refuse it.
    """
    comment = case.comment if case is not None and case.comment_id else None
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.pk else None,
        actor_role=AuditRole(role),
        action=AuditAction(action),
        reason=reason,
        case=case,
        artwork_id=artwork_id if artwork_id is not None else (case.artwork_id if case else None),
        comment_id=comment.pk if comment else None,
        excerpt=comment_excerpt(comment.body) if comment else "",
        subject_user_id=subject_user_id,
        before=before or {},
        after=after or {},
    )


EXCERPT_CHARS = 200


def comment_excerpt(body: str) -> str:
    """A comment's words on one line, cut to ``AuditEntry.excerpt``'s length with an ellipsis."""
    text = " ".join(body.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"
