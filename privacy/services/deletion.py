"""Delete my account: a request, a grace period, then the purge.

1. ``account_delete_request``: the member confirms (their password on the site; on the API a
   read-write token and their handle typed as confirmation). The account is deactivated at
   once: they are signed out, every session and token stops working (Django and the API
   refuse inactive accounts), and the state table (``gallery.state``, ``artist_active``)
   takes every post of theirs off every surface in the same transaction.
2. For ``ACCOUNT_DELETION_GRACE_DAYS`` they can change their mind: signing in with the right
   password leads to a page offering to cancel (``accounts.adapters.AccountAdapter.
   respond_user_inactive`` → ``privacy:deletion_cancel``), and the API has
   ``POST /api/v1/me/deletion/cancel/`` with the login and password. Cancelling restores the
   account exactly as it was (nothing has been deleted yet).
3. After the grace period the beat task ``purge_accounts`` runs ``account_purge``: artworks
   with every file (originals, derivatives, withdrawn copies, through ``FileDeletion``),
   their comments, likes, follows, blocks, mutes, notifications, tokens, exports, the
   evidence files they sent moderators, the avatar, and the personal fields. The ``User`` row
   stays as a tombstone (``deleted-<id>``): moderation's cases, flags, decisions, appeals,
   strikes and the append-only audit log keep their rows and point at an anonymised actor.

The purge is a series of idempotent steps, each in its own transaction(s), so a worker killed
half-way leaves a consistent database and the next run finishes the rest; ``deleted_at`` is
set by the last step and marks it done.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from accounts import services as accounts_services
from accounts.models import User
from community import services as community_services
from community.collections import collections_erase
from community.models import Comment
from config.errors import Conflict, Invalid
from config.urls_abs import site_base
from gallery import listing_cache
from gallery.models import Artwork, FileDeletion, RescanRun
from gallery.services.artworks import artwork_delete, likes_erase
from gallery.services.withdrawal import file_deletions_run
from moderation.models import AppealFile, CaseEvidence
from privacy.models import DataExport

logger = logging.getLogger(__name__)

BAD_LOGIN = "The login or the password is wrong."
# Artworks deleted per transaction by the purge: each deletes its images' rows and writes
# their files down, so a batch stays a short transaction whatever the portfolio's size.
ARTWORK_BATCH = 20


def grace_start(now=None) -> datetime:
    """Requests made before this moment are past their grace period."""
    return (now or timezone.now()) - timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)


def purge_date(user: User):
    """When the account of a member who asked for deletion will be purged."""
    return user.deletion_requested_at + timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)


# --- Asking and cancelling ----------------------------------------------------------------------


def account_delete_request(
    *, user: User, password: str | None = None, confirmation: str | None = None
) -> User:
    """Ask for ``user``'s account to be deleted after the grace period; deactivate it now.

    Exactly one proof: ``password`` (the site re-asks for it) or ``confirmation`` (the API:
    the member's handle, typed; the read-write token is the credential). Raises ``Invalid``
    with a field error (``password`` or ``confirmation``) when it does not match. Effects:
    ``deletion_requested_at`` set, the account deactivated (posts hidden everywhere, sessions
    and tokens refused), an email saying when and how to cancel after the commit. A second
    request while one is pending changes nothing. Suspended members may ask too.
    """
    if password is not None:
        if not password or not user.check_password(password):
            raise Invalid(
                "The password is wrong.",
                field_errors={"password": ["The password is wrong."]},
                code="wrong_password",
            )
    elif confirmation is not None:
        if confirmation.strip().lower() != user.handle.lower():
            message = f"Type your handle ({user.handle}) to confirm."
            raise Invalid(message, field_errors={"confirmation": [message]}, code="confirmation")
    else:
        raise Invalid(
            "Confirm with your password.",
            field_errors={"password": ["Confirm with your password."]},
            code="confirmation",
        )
    with transaction.atomic():
        marked = accounts_services.user_deletion_mark(user_id=user.pk)
        if marked is not None:
            # Their comments leave every thread for the grace period (community.selectors).
            community_services.author_comments_recount(author_id=user.pk)
            transaction.on_commit(partial(_email, marked, "deletion_requested"), robust=True)
            user.deletion_requested_at, user.is_active = marked.deletion_requested_at, False
    return user


def account_delete_cancel(*, user: User) -> User:
    """Cancel ``user``'s pending deletion within the grace period and reactivate the account:
    everything comes back as it was. The caller has proven who they are (a password checked
    at sign-in, or ``deletion_cancel_credentials``).

    Raises ``Conflict`` (code ``not_pending``) when no deletion is pending, and (code
    ``too_late``) once the grace period is over: the purge owns the account then.
    """
    with transaction.atomic():
        restored = accounts_services.user_deletion_unmark(
            user_id=user.pk, requested_after=grace_start()
        )
        if restored is None:
            fresh = User.objects.only("deletion_requested_at", "deleted_at").get(pk=user.pk)
            if fresh.deletion_requested_at is None:
                raise Conflict("This account is not being deleted.", code="not_pending")
            raise Conflict(
                "The grace period is over: this account is being deleted and can no longer "
                "be restored.",
                code="too_late",
            )
        # Their comments come back in every thread, and in the posts' counts.
        community_services.author_comments_recount(author_id=user.pk)
    user.deletion_requested_at, user.is_active = None, True
    return user


def deletion_cancel_credentials(*, login: str, password: str) -> User:
    """The member whose deletion is pending and whose ``login`` (handle or email, any case)
    and ``password`` match, for the API's cancel (inactive accounts cannot authenticate).

    Raises ``Invalid`` with one message for an unknown login and a wrong password (no probing
    for accounts), and ``Conflict`` (code ``not_pending``) for an account not being deleted.
    """
    login = login.strip().lower()
    user = (
        get_user_model()
        .objects.filter(Q(handle__lower=login) | Q(email__lower=login), deleted_at__isnull=True)
        .first()
    )
    if user is None:
        # Hash anyway: an unknown login must take as long as a wrong password.
        get_user_model()().set_password(password)
        raise Invalid(BAD_LOGIN, code="bad_login")
    if not user.check_password(password):
        raise Invalid(BAD_LOGIN, code="bad_login")
    if not user.deletion_pending:
        raise Conflict("This account is not being deleted.", code="not_pending")
    return user


def _email(user: User, template: str) -> None:
    if not user.email:
        return
    context = {
        "user": user,
        "purge_on": purge_date(user),
        "grace_days": settings.ACCOUNT_DELETION_GRACE_DAYS,
        "SITE_URL": site_base(),
    }
    text = render_to_string(f"privacy/email/{template}.txt", context)
    html = render_to_string(f"privacy/email/{template}.html", context)
    subject = "[Atelier] Your account will be deleted"
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [user.email])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception:  # the request stands whether or not the mail server answers
        logger.exception("could not email member %s about their deletion", user.pk)


# --- The purge ----------------------------------------------------------------------------------


def accounts_purge_due(*, limit: int = 20) -> int:
    """Beat task body: purge the accounts whose grace period is over. Returns how many were
    finished. One account's failure is logged and left for the next run (its steps are
    idempotent), never blocking the others."""
    due = list(
        User.objects.filter(
            deletion_requested_at__lte=grace_start(), deleted_at__isnull=True
        ).values_list("pk", flat=True)[:limit]
    )
    finished = 0
    for user_id in due:
        try:
            finished += account_purge(user_id=user_id)
        except Exception:
            logger.exception("purging member %s failed; the next run resumes it", user_id)
    return finished


def account_purge(*, user_id: int) -> bool:
    """Remove the member's posts, files and personal data; keep a tombstone row.

    Does nothing (returns False) unless the member asked for deletion more than
    ``ACCOUNT_DELETION_GRACE_DAYS`` ago and is not purged yet. Every step is idempotent and
    commits on its own, so a run killed half-way is finished by the next; the files go
    through ``FileDeletion`` (deleted after each commit, retried by the beat sweep on a
    storage outage). Raises what a step raises (database errors), leaving the rest for the
    next run. Returns True when the account is purged.
    """
    user = User.objects.filter(pk=user_id).first()
    if user is None or user.deleted_at is not None:
        return False
    if user.deletion_requested_at is None or user.deletion_requested_at > grace_start():
        return False
    _artworks_delete(user_id)
    _comments_erase(user_id)
    likes_erase(user_id=user_id)
    collections_erase(user_id=user_id)
    accounts_services.follows_erase(user_id=user_id)
    _moderation_files_release(user_id)
    _exports_delete(user_id)
    with transaction.atomic():
        RescanRun.objects.filter(artist_id=user_id).delete()
        accounts_services.user_personal_rows_erase(user_id=user_id)
        files = accounts_services.user_tombstone(user_id=user_id)
        _files_delete([(FileDeletion.Store(store), name) for store, name in files])
    logger.info("member %s purged after their deletion request", user_id)
    return True


def _files_delete(files: list[tuple[str, str]]) -> None:
    """Inside a transaction: write the files down and delete them after the commit."""
    if not files:
        return
    notes = FileDeletion.objects.bulk_create(
        FileDeletion(store=store, name=name) for store, name in files
    )
    ids = [n.pk for n in notes]
    transaction.on_commit(lambda: file_deletions_run(ids=ids))


def _artworks_delete(user_id: int) -> None:
    while True:
        batch = list(
            Artwork.objects.filter(artist_id=user_id).select_related("artist")[:ARTWORK_BATCH]
        )
        if not batch:
            return
        for artwork in batch:
            # gallery's own use case: rows, counters, cached listings, and every file
            # (originals, derivatives, withdrawn copies) through FileDeletion on commit.
            artwork_delete(artwork=artwork)


def _comments_erase(user_id: int) -> None:
    """The member's comments on other members' posts (those on their own posts went with
    the posts). A comment others replied to keeps its row, emptied and marked deleted, so
    the replies (their authors' words) stay in their thread; every other comment goes."""
    while True:
        with transaction.atomic():
            batch = list(
                Comment.objects.select_for_update(skip_locked=True)
                .filter(author_id=user_id)
                .exclude(status=Comment.Status.DELETED, body="")
                .values_list("pk", "artwork_id")[:200]
            )
            if not batch:
                return
            ids = [pk for pk, _ in batch]
            answered = set(
                Comment.objects.filter(parent_id__in=ids)
                .exclude(author_id=user_id)
                .values_list("parent_id", flat=True)
            )
            Comment.objects.filter(pk__in=answered).update(
                status=Comment.Status.DELETED,
                body="",
                edited_at=None,
                status_changed_at=timezone.now(),
            )
            Comment.objects.filter(pk__in=set(ids) - answered).delete()
            _comment_counts_refresh({a for _, a in batch})


def _comment_counts_refresh(artwork_ids: set[int]) -> None:
    community_services.comment_counts_refresh(artwork_ids)
    # Cards show the count: their cached listings are retired like a like's.
    for artwork in Artwork.objects.filter(pk__in=artwork_ids).only("artist_id", "medium"):
        listing_cache.likes_changed(
            artwork_id=artwork.pk, artist_id=artwork.artist_id, medium=artwork.medium
        )


def _moderation_files_release(user_id: int) -> None:
    """The files the member sent moderators (process evidence, appeal attachments) are
    deleted with their rows; the cases, appeals and decisions they belonged to stay."""
    with transaction.atomic():
        evidence = list(CaseEvidence.objects.select_for_update().filter(uploaded_by_id=user_id))
        attachments = list(
            AppealFile.objects.select_for_update().filter(appeal__appellant_id=user_id)
        )
        names = [row.file.name for row in [*evidence, *attachments] if row.file.name]
        CaseEvidence.objects.filter(pk__in=[e.pk for e in evidence]).delete()
        AppealFile.objects.filter(pk__in=[a.pk for a in attachments]).delete()
        _files_delete([(FileDeletion.Store.PRIVATE, name) for name in names])


def _exports_delete(user_id: int) -> None:
    with transaction.atomic():
        exports = list(DataExport.objects.select_for_update().filter(user_id=user_id))
        DataExport.objects.filter(pk__in=[e.pk for e in exports]).delete()
        _files_delete([(FileDeletion.Store.PRIVATE, e.file_name) for e in exports])
