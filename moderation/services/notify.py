"""Telling people what happened: in-site notifications, and email for decisions and appeals."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from accounts.models import NotificationKind
from accounts.services import notify
from config.urls_abs import site_base

logger = logging.getLogger(__name__)


def _email(user, subject: str, template: str, context: dict) -> None:
    if not user.email:
        return
    context = {**context, "user": user, "SITE_URL": site_base()}
    text = render_to_string(f"moderation/email/{template}.txt", context)
    html = render_to_string(f"moderation/email/{template}.html", context)

    def send() -> None:
        message = EmailMultiAlternatives(
            f"[Atelier] {subject}", text, settings.DEFAULT_FROM_EMAIL, [user.email]
        )
        message.attach_alternative(html, "text/html")
        try:
            message.send()
        except Exception:  # the decision stands whether or not the mail server answers
            logger.exception("could not email %s about %s", user.pk, subject)

    transaction.on_commit(send)


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
    """In-site notification and an email (text and HTML) after the commit.

    ``template`` is the notification's kind and, unless ``email_template`` names others
    (a decision about a comment has its own words), the email's templates
    (``moderation/email/<name>.txt`` and ``.html``).
    """
    notify(user=user, kind=template, title=title, body=body, url=url)
    context = {**context, "title": title, "body": body, "url": url}
    _email(user, title, email_template or template, context)


def tell_reporters(
    *, reporters, artwork_title: str, outcome: str, about_comment: bool = False
) -> None:
    """Reporters learn the outcome, never which moderator decided (``about_comment``: the
    report was about a comment under the post ``artwork_title``)."""
    about = f"a comment on “{artwork_title}”" if about_comment else f"“{artwork_title}”"
    for reporter in reporters:
        notify(
            user=reporter,
            kind=NotificationKind.REPORT_OUTCOME,
            title=f"Your report about {about} was reviewed",
            body=outcome,
        )
