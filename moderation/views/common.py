"""What the moderation pages share: a case or an appeal to act on, and the 403 for a party."""

from __future__ import annotations

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from moderation.models import Appeal, Case
from moderation.services import ModerationForbidden
from moderation.services.access import appeal_conflict, case_conflict


def forbidden_is_403(view):
    """A service's ``ModerationForbidden`` becomes the site's 403 page with its message (the
    views ask first, but the service has the last word under its row lock)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ModerationForbidden as exc:
            raise PermissionDenied(str(exc)) from None

    return wrapper


def case_to_act_on(request, pk: int) -> Case:
    """The case (404 when unknown), refused with a 403 to a moderator who is a party to it."""
    case = get_object_or_404(Case.objects.select_related("artwork"), pk=pk)
    reason = case_conflict(moderator=request.user, case=case)
    if reason:
        raise PermissionDenied(reason)
    return case


def appeal_to_decide(request, pk: int) -> Appeal:
    """The appeal (404 when unknown), refused with a 403 to a moderator who is a party."""
    appeal = get_object_or_404(
        Appeal.objects.select_related("decision", "decision__case", "decision__case__artwork"),
        pk=pk,
    )
    reason = appeal_conflict(moderator=request.user, appeal=appeal)
    if reason:
        raise PermissionDenied(reason)
    return appeal
