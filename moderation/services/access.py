"""Who may act on a case or an appeal: a moderator never handles one they are a party to.

The one home of the conflict-of-interest rule. The services check it under their row lock
(``case_claim``, ``case_release``, ``case_request_evidence``, ``case_decide``,
``appeal_decide``); the site's views and the API call the same functions to refuse early with
a 403 and to hide the buttons.
"""

from __future__ import annotations

from accounts.models import User
from gallery.models import ArtworkImage
from moderation.models import Appeal, Case, FlagSource
from moderation.services import ModerationForbidden


def case_conflict(*, moderator: User, case: Case) -> str | None:
    """Why ``moderator`` must not act on ``case``, or None when they may.

    A party is the artist of the post, any member who flagged it (whatever became of the
    flag: the reporter would be judging their own report), and the artist whose earlier work
    a near-duplicate flag points to (the alleged victim of a copy). On a comment case: the
    comment's author, the artist of the post it is under (often the one it is aimed at), and
    its reporters. On a collection case: its owner and its reporters. Costs at most two
    queries beyond ``case.artwork`` / ``case.comment`` / ``case.collection`` and
    the comment's post.
    """
    if case.is_about_collection:
        collection = case.collection
        if collection is not None and collection.owner_id == moderator.pk:
            return "This case is about your own collection: another moderator must handle it."
        if case.flags.filter(source=FlagSource.MEMBER, reporter=moderator).exists():
            return "You reported this collection: another moderator must handle the case."
        return None
    if case.is_about_comment:
        comment = case.comment
        if comment is not None and comment.author_id == moderator.pk:
            return "This case is about your own comment: another moderator must handle it."
        if comment is not None and comment.artwork.artist_id == moderator.pk:
            return "This comment is under your own post: another moderator must handle the case."
        if case.flags.filter(source=FlagSource.MEMBER, reporter=moderator).exists():
            return "You reported this comment: another moderator must handle the case."
        return None
    artwork = case.artwork
    if artwork is not None and artwork.artist_id == moderator.pk:
        return "This case is about your own post: another moderator must handle it."
    flags = case.flags.all()
    if flags.filter(source=FlagSource.MEMBER, reporter=moderator).exists():
        return "You reported this post: another moderator must handle the case."
    copied = [
        item.get("other_image_id")
        for evidence in flags.filter(source=FlagSource.DUPLICATE).values_list("evidence", flat=True)
        for item in evidence or ()
        if isinstance(item, dict) and item.get("other_image_id")
    ]
    if copied and ArtworkImage.objects.filter(pk__in=copied, artwork__artist=moderator).exists():
        return "This case is about a copy of your own work: another moderator must handle it."
    return None


def appeal_conflict(*, moderator: User, appeal: Appeal) -> str | None:
    """Why ``moderator`` must not decide ``appeal``, or None: the appellant, the moderator
    whose decision is appealed, and every party to the case itself are refused."""
    if appeal.appellant_id == moderator.pk:
        return "This is your own appeal: another moderator must decide it."
    if appeal.decision.moderator_id == moderator.pk:
        return "Another moderator must decide an appeal of your decision."
    return case_conflict(moderator=moderator, case=appeal.decision.case)


def case_access_check(*, moderator: User, case: Case) -> None:
    """Raise ``ModerationForbidden`` when ``moderator`` is a party to ``case``."""
    reason = case_conflict(moderator=moderator, case=case)
    if reason:
        raise ModerationForbidden(reason)


def appeal_access_check(*, moderator: User, appeal: Appeal) -> None:
    """Raise ``ModerationForbidden`` when ``moderator`` is a party to ``appeal``."""
    reason = appeal_conflict(moderator=moderator, appeal=appeal)
    if reason:
        raise ModerationForbidden(reason)
