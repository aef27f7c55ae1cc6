"""Telling people what happened: in-site notifications, and email for decisions and appeals."""

from __future__ import annotations

from accounts.models import NotificationKind
from accounts.services import notify


def tell_artist(
    *, user, title: str, body: str, url: str, template: NotificationKind, context: dict
) -> None:
    """In-site notification and an email (text and HTML), routed by ``notify`` like every
    other: the in-site notice always (these kinds cannot be turned off), the email as the
    member chose for the kind (at once by default, with its unsubscribe link).

    ``template`` is the notification's kind and names the email's templates
    (``moderation/email/<kind>.txt`` and ``.html``).
    """
    notify(
        user=user, kind=template, title=title, body=body, url=url,
        email_template=f"moderation/email/{template}", email_context=context,
    )  # fmt: skip


def tell_reporters(*, reporters, artwork_title: str, outcome: str) -> None:
    """Reporters learn the outcome, never which moderator decided."""
    for reporter in reporters:
        notify(
            user=reporter,
            kind=NotificationKind.REPORT_OUTCOME,
            title=f"Your report about “{artwork_title}” was reviewed",
            body=outcome,
        )
