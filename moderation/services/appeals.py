"""Appeals: once per decision, decided by a different moderator; upheld ones are reversed."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

import imaging
from accounts.models import NotificationKind, User
from accounts.services import user_restrictions_lift
from community.collections import collection_set_hidden
from community.models import Comment, CommentStatus
from community.services_moderation import MODERATION_STATUSES, comment_set_status
from gallery.models import LabelChange
from gallery.services.artworks import artwork_relabel
from gallery.services.staged_files import StagedFiles
from gallery.services.upload import display_name, image_probe
from gallery.services.visibility import artwork_restore, artwork_set_mature
from moderation.models import (
    Appeal,
    AppealFile,
    AuditAction,
    AuditEntry,
    AuditRole,
    Decision,
    Strike,
)
from moderation.services import (
    ModerationConflict,
    ModerationError,
    ModerationForbidden,
    ModerationInvalid,
    ModerationNotFound,
)
from moderation.services.access import appeal_access_check
from moderation.services.audit import audit_write
from moderation.services.notify import tell_artist
from moderation.services.trust import trust_recompute

MAX_APPEAL_FILES = 5
Action = Decision.Action


def appeal_subject(decision: Decision) -> User | None:
    """The member a decision is about (the post's artist, or the comment's author), the only
    one who may appeal it; None when the post or the comment is gone."""
    return decision.case.subject_user


def appeal_refusal(*, appellant: User, decision: Decision) -> ModerationError | None:
    """Why ``appellant`` may not appeal ``decision`` now, or None when they may.

    The one home of the rule: ``appeal_create`` raises what this returns, and the decision
    page shows the appeal form only when it returns None. Only the artist of the post may
    appeal, once, a decision that did something and still stands.
    """
    subject = appeal_subject(decision)
    if subject is None or subject.pk != appellant.pk:
        who = (
            "the comment's author"
            if decision.case.is_about_comment
            else "the collection's owner"
            if decision.case.is_about_collection
            else "the artist"
        )
        return ModerationForbidden(f"Only {who} can appeal this decision.")
    if Appeal.objects.filter(decision=decision).exists():
        return ModerationConflict("This decision has already been appealed.")
    if decision.action == Action.DISMISS or decision.reversed_at:
        return ModerationInvalid("There is nothing to appeal in this decision.")
    return None


def appeal_create(*, appellant: User, decision: Decision, statement: str, files=()) -> Appeal:
    """The artist appeals a decision once, with a statement and optional evidence images.

    Files are checked like uploads (JPEG, PNG, WebP, GIF) and stored privately before the
    transaction; any failure deletes them again (``gallery.services.staged_files``). Raises what
    ``appeal_refusal`` finds (``ModerationForbidden``, ``ModerationConflict``,
    ``ModerationInvalid``), ``ModerationInvalid`` for an empty statement or a bad file, and
    ``ModerationConflict`` when a concurrent appeal of the same decision won.
    """
    if refusal := appeal_refusal(appellant=appellant, decision=decision):
        raise refusal
    if not statement.strip():
        raise ModerationInvalid("Tell the moderators why the decision should change.")
    files = list(files)
    if len(files) > MAX_APPEAL_FILES:
        raise ModerationInvalid(f"At most {MAX_APPEAL_FILES} evidence files.")
    probes = []
    for upload in files:
        try:
            probes.append(image_probe(upload))
        except imaging.ImageRejected as exc:
            raise ModerationInvalid(f"{display_name(upload)}: {exc.reason}") from None
    try:
        # Files first, rows after, as staged files: a failure of any kind (not only the
        # unique constraint) deletes them, and a process that dies in between leaves a note
        # the beat sweep acts on (gallery.services.staged_files says why not inside).
        with StagedFiles() as staged:
            names = []
            for upload, probe in zip(files, probes, strict=True):
                upload.seek(0)
                name = f"appeals/{secrets.token_urlsafe(24)}.{probe.extension}"
                names.append(staged.save(name, upload))
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    decision=decision, appellant=appellant, statement=statement.strip()[:5000]
                )
                for name, probe in zip(names, probes, strict=True):
                    AppealFile.objects.create(appeal=appeal, file=name, format=probe.format)
                audit_write(
                    actor=appellant, role=AuditRole.ARTIST, action=AuditAction.APPEAL,
                    case=decision.case, reason=statement[:500], subject_user_id=appellant.pk,
                )  # fmt: skip
                staged.claim()
    except IntegrityError:
        # The unique constraint is the guarantee; appeal_refusal's check only answers early.
        raise ModerationConflict("This decision has already been appealed.") from None
    return appeal


def appeal_decide(*, moderator: User, appeal_id: int, uphold: bool, response: str) -> Appeal:
    """Decide an appeal. Upholding reverses the decision's effects and its strike.

    Raises ``ModerationForbidden`` for a party to it (the appellant, the moderator who made
    the decision, a party to the case: ``moderation.services.access.appeal_conflict``),
    ``ModerationNotFound`` when it is missing, ``ModerationConflict`` when it is decided
    already, ``ModerationInvalid`` for an empty response.
    """
    if not response.strip():
        raise ModerationInvalid("Write a response: the artist will read it.")
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update(of=("self",))
            .select_related(
                "decision",
                "decision__case",
                "decision__case__artwork",
                "decision__case__comment",
                "decision__case__comment__artwork",
            )
            .filter(pk=appeal_id)
            .first()
        )
        if appeal is None:
            raise ModerationNotFound("There is no such appeal.")
        # Who appealed matters as much as who decided: a moderator appealing a decision
        # about their own post must not be the one to uphold it.
        appeal_access_check(moderator=moderator, appeal=appeal)
        if appeal.status != Appeal.Status.OPEN:
            raise ModerationConflict("This appeal has already been decided.")
        decision = appeal.decision
        before, after = {}, {}
        if uphold:
            before, after = _reverse(decision, moderator, response)
        appeal.status = Appeal.Status.UPHELD if uphold else Appeal.Status.DENIED
        appeal.decided_by, appeal.decided_at = moderator, timezone.now()
        appeal.response = response.strip()[:2000]
        appeal.save()
        audit_write(
            actor=moderator, role=AuditRole.MODERATOR,
            action=AuditAction.APPEAL_UPHELD if uphold else AuditAction.APPEAL_DENIED,
            case=decision.case,
            reason=response, before=before, after=after, subject_user_id=appeal.appellant_id,
        )  # fmt: skip
        artwork = decision.case.artwork
        comment = decision.case.comment
        collection = decision.case.collection
        if comment is not None:
            # The comment's own place under its post (the thread's anchor).
            url = f"{comment.artwork.get_absolute_url()}#comment-{comment.pk}"
        elif collection is not None:
            url = collection.get_absolute_url()
        else:
            url = artwork.get_absolute_url() if artwork else "/"
        tell_artist(
            user=appeal.appellant,
            title=(
                "Your appeal was upheld: the decision is reversed"
                if uphold
                else "Your appeal was reviewed: the decision stands"
            ),
            body=appeal.response,
            url=url,
            template=NotificationKind.APPEAL,
            context={"appeal": appeal, "artwork": artwork, "comment": comment, "upheld": uphold},
        )
    return appeal


def _reverse(decision: Decision, moderator: User, response: str) -> tuple[dict, dict]:
    decision.reversed_at = timezone.now()  # the returned appeal shows the reversal
    Decision.objects.filter(pk=decision.pk).update(reversed_at=decision.reversed_at)
    artwork = decision.case.artwork
    before: dict = {}
    after: dict = {"decision_reversed": decision.pk}
    comment = decision.case.comment
    if comment is not None and decision.action in (Action.HIDE, Action.REMOVE):
        b, a = _restore_comment(decision, comment)
        before.update(b)
        after.update(a)
    collection_id = decision.case.collection_id
    if collection_id is not None and decision.action == Action.HIDE:
        b, a = collection_set_hidden(collection_id=collection_id, hidden=False)
        before.update(b)
        after.update(a)
    if artwork is not None:
        if decision.action == Action.RELABEL:
            previous = (
                LabelChange.objects.filter(artwork=artwork, to_label=decision.new_label)
                .order_by("-created_at", "-id")
                .values_list("from_label", flat=True)
                .first()
            )
            if previous and previous != artwork.label:
                before["label"] = artwork.label
                artwork_relabel(
                    artwork=artwork, to_label=previous, by=LabelChange.By.MODERATOR,
                    actor=moderator, reason=f"Appeal upheld: {response}",
                )  # fmt: skip
                after["label"] = previous
        elif decision.action in (Action.HIDE, Action.REMOVE):
            b, a = artwork_restore(artwork_id=artwork.pk)
            before.update(b)
            after.update(a)
        elif decision.action == Action.MARK_MATURE:
            b, a = artwork_set_mature(artwork_id=artwork.pk, mature=False)
            before.update(b)
            after.update(a)
    strike = Strike.objects.filter(decision=decision, reversed_at__isnull=True).first()
    subject = appeal_subject(decision)
    if strike is not None:
        Strike.objects.filter(pk=strike.pk).update(reversed_at=timezone.now())
        after["strike_reversed"] = True
    if subject is not None and (strike is not None or decision.action == Action.SUSPEND):
        _relax_ladder(subject)
        subject_id = subject.pk
        transaction.on_commit(lambda: trust_recompute(user_id=subject_id))
    return before, after


def _restore_comment(decision: Decision, comment: Comment) -> tuple[dict, dict]:
    """Put a hidden or removed comment back as it was before the decision (visible, or
    hidden by the post's artist), counted again when visible. A comment its author deleted
    since, or that another decision has changed, is left alone."""
    current = Comment.objects.filter(pk=comment.pk).values_list("status", flat=True).first()
    if current not in MODERATION_STATUSES:
        return {}, {}
    # The decision's own audit entry holds the status it changed (comment_set_status's
    # "before"): the one record of it, append-only.
    entry = (
        AuditEntry.objects.filter(case_id=decision.case_id, action=decision.action)
        .values_list("before", flat=True)
        .first()
    )
    previous = (entry or {}).get("status")
    if previous not in (CommentStatus.VISIBLE, CommentStatus.HIDDEN):
        previous = CommentStatus.VISIBLE
    return comment_set_status(comment_id=comment.pk, status=previous)


def _relax_ladder(user: User) -> None:
    """Lift the hold or suspension that the remaining active strikes no longer justify."""
    now = timezone.now()
    active = Strike.objects.filter(user=user, reversed_at__isnull=True, expires_at__gt=now).count()
    ladder = settings.MODERATION_STRIKE_LADDER
    rungs = set(ladder[:active])
    user_restrictions_lift(user=user, suspension="suspend" not in rungs, hold="hold" not in rungs)
