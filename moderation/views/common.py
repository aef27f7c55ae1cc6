"""What the moderation pages share: a case or an appeal to act on, refused to a party.

A refusal is the service's typed error (``ModerationForbidden``); ``config.errors``'s
middleware turns it into the 403 page with its message, so the views and the services (which
check again under their row lock) answer alike.
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from moderation.models import Appeal, Case
from moderation.services import ModerationConflict, ModerationInvalid
from moderation.services.access import appeal_access_check, case_access_check

# What a moderation page shows as a message or a form error and stays on the page; a
# ModerationForbidden or ModerationNotFound is a 403 or 404 page instead (config.errors).
SHOWN_ON_PAGE = (ModerationConflict, ModerationInvalid)


def case_to_act_on(request, pk: int) -> Case:
    """The case (404 when unknown), refused with a 403 to a moderator who is a party to it."""
    case = get_object_or_404(
        Case.objects.select_related("artwork", "comment", "comment__artwork"), pk=pk
    )
    case_access_check(moderator=request.user, case=case)
    return case


def appeal_to_decide(request, pk: int) -> Appeal:
    """The appeal (404 when unknown), refused with a 403 to a moderator who is a party."""
    appeal = get_object_or_404(
        Appeal.objects.select_related(
            "decision",
            "decision__case",
            "decision__case__artwork",
            "decision__case__comment",
            "decision__case__comment__artwork",
        ),
        pk=pk,
    )
    appeal_access_check(moderator=request.user, appeal=appeal)
    return appeal
