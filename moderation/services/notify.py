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
    *, user, title: str, body: str, url: str, template: NotificationKind, context: dict
) -> None:
    """In-site notification and an email (text and HTML) after the commit.

    ``template`` is the notification's kind and names the email's templates
    (``moderation/email/<kind>.txt`` and ``.html``).
    """
    notify(user=user, kind=template, title=title, body=body, url=url)
    _email(user, title, template, {**context, "title": title, "body": body, "url": url})


def tell_reporters(*, reporters, artwork_title: str, outcome: str) -> None:
    """Reporters learn the outcome, never which moderator decided."""
    for reporter in reporters:
        notify(
            user=reporter,
            kind=NotificationKind.REPORT_OUTCOME,
            title=f"Your report about “{artwork_title}” was reviewed",
            body=outcome,
        )
