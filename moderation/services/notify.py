"""Telling people what happened: in-site notifications, and email for decisions and appeals."""

from __future__ import annotations

from accounts.models import NotificationKind
from accounts.services import notify


def tell_artist(
    *,
    user,
    title: str,
    body: str,
    url: str,
    template: NotificationKind,
    context: dict,
    email_template: str | None = None,
) -> None:
    """In-site notification and an email (text and HTML), routed by ``notify`` like every
    other: the in-site notice always (these kinds cannot be turned off), the email as the
    member chose for the kind (at once by default, with its unsubscribe link).

    ``template`` is the notification's kind and, unless ``email_template`` names others
    (a decision about a comment has its own words), the email's templates
    (``moderation/email/<name>.txt`` and ``.html``).
    """
    notify(
        user=user, kind=template, title=title, body=body, url=url,
        email_template=f"moderation/email/{email_template or template}",
        email_context=context,
    )  # fmt: skip


def tell_reporters(
    *,
    reporters,
    artwork_title: str,
    outcome: str,
    about_comment: bool = False,
    about_collection: bool = False,
) -> None:
    """Reporters learn the outcome, never which moderator decided (``about_comment``: the
    report was about a comment under the post ``artwork_title``; ``about_collection``:
    ``artwork_title`` already names the collection)."""
    if about_collection:
        about = artwork_title
    elif about_comment:
        about = f"a comment on “{artwork_title}”"
    else:
        about = f"“{artwork_title}”"
    for reporter in reporters:
        notify(
            user=reporter,
            kind=NotificationKind.REPORT_OUTCOME,
            title=f"Your report about {about} was reviewed",
            body=outcome,
        )
