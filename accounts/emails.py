"""The one way Atelier emails a member about their notifications: text and HTML, with a signed
one-click unsubscribe link in the footer and in the ``List-Unsubscribe`` headers (RFC 2369 and
RFC 8058), sent after the caller's transaction commits.

Unsubscribe tokens are ``django.core.signing`` values naming a member and a scope: one kind
(``"like"``), every kind on one digest (``"digest-daily"``), or every email (``"all"``). They
carry their own date and expire after ``UNSUBSCRIBE_MAX_AGE``; nothing is stored.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from accounts.models import DigestPeriod, NotificationKind
from config.urls_abs import site_base

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "accounts.unsubscribe"
# Long enough for an old email found in an archive to still work; a stale link just says so.
UNSUBSCRIBE_MAX_AGE = timedelta(days=365)
SCOPE_ALL = "all"


def digest_scope(period: str) -> str:
    return f"digest-{period}"


def unsubscribe_scopes() -> frozenset[str]:
    """Every scope a token may name."""
    return frozenset(
        {*NotificationKind.values, *(digest_scope(p) for p in DigestPeriod.values), SCOPE_ALL}
    )


def unsubscribe_token(*, user_id: int, scope: str) -> str:
    """A signed, dated token that unsubscribes ``user_id`` from ``scope`` (no login needed)."""
    return signing.dumps([user_id, scope], salt=UNSUBSCRIBE_SALT)


class BadToken(Exception):
    """The unsubscribe token was altered, forged, names nothing we know, or is too old."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def unsubscribe_read(token: str) -> tuple[int, str]:
    """(user id, scope) from a token; ``BadToken`` with a message for a person otherwise."""
    try:
        user_id, scope = signing.loads(
            token[:500], salt=UNSUBSCRIBE_SALT, max_age=UNSUBSCRIBE_MAX_AGE
        )
    except signing.SignatureExpired:
        raise BadToken(
            "This unsubscribe link is too old. Sign in and choose your email settings instead."
        ) from None
    except (signing.BadSignature, ValueError, TypeError):
        raise BadToken(
            "This unsubscribe link is not valid: it may have been cut short when it was copied."
        ) from None
    if not isinstance(user_id, int) or scope not in unsubscribe_scopes():
        raise BadToken("This unsubscribe link is not valid.")
    return user_id, scope


def unsubscribe_url(*, user_id: int, scope: str) -> str:
    token = unsubscribe_token(user_id=user_id, scope=scope)
    return site_base() + reverse("unsubscribe", kwargs={"token": token})


def email_message(*, user, scope: str, subject: str, template: str, context: dict):
    """The email to ``user`` (None without an address), not yet sent.

    ``template`` names ``<template>.txt`` and ``<template>.html``; they get ``context`` plus
    ``user``, ``SITE_URL``, ``settings_url``, ``unsubscribe_url`` (for ``scope``) and
    ``unsubscribe_all_url``. Rendering happens now, so a template error surfaces in the caller.
    """
    if not user.email:
        return None
    base = site_base()
    context = {
        **context,
        "user": user,
        "SITE_URL": base,
        "settings_url": base + reverse("accounts:notification_settings"),
        "unsubscribe_url": unsubscribe_url(user_id=user.pk, scope=scope),
        "unsubscribe_all_url": unsubscribe_url(user_id=user.pk, scope=SCOPE_ALL),
    }
    text = render_to_string(f"{template}.txt", context)
    html = render_to_string(f"{template}.html", context)
    headers = {
        # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" to the https URL, no login.
        "List-Unsubscribe": f"<{context['unsubscribe_url']}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    message = EmailMultiAlternatives(
        f"[Atelier] {subject}", text, settings.DEFAULT_FROM_EMAIL, [user.email], headers=headers
    )
    message.attach_alternative(html, "text/html")
    return message


def email_on_commit(*, user, scope: str, subject: str, template: str, context: dict) -> None:
    """Email ``user`` after the current transaction commits (at once outside one); the
    message is built now (``email_message``). A mail server that fails is logged and does not
    undo what the caller committed. No address, no email."""
    message = email_message(
        user=user, scope=scope, subject=subject, template=template, context=context
    )
    if message is None:
        return
    user_id = user.pk

    def send() -> None:
        try:
            message.send()
        except Exception:  # what the caller decided stands whether or not the mail server answers
            logger.exception("could not email member %s about %s", user_id, subject)

    transaction.on_commit(send)
