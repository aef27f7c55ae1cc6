"""Moderation's writes. Each module is one subject: flags, decisions, appeals, review, reports.

Refusals are ``config.errors`` types, so the site and the API map them to a status without
reading the message; each also is a ``ModerationError``, the one type to catch for "any
moderation refusal".
"""

from config.errors import Conflict, DomainError, Invalid, NotAllowed, NotFound, RateLimited


class ModerationError(DomainError):
    """A moderation action that cannot be done; ``message`` is for the person. Raised only
    as one of the subclasses below, which say why."""


class ModerationInvalid(ModerationError, Invalid):
    """The input or the target does not fit the action (400)."""


class ModerationForbidden(ModerationError, NotAllowed):
    """The person may not take part at all, whatever the state (a moderator who is a party to
    the case or the appeal, see ``moderation.services.access``): 403."""


class ModerationNotFound(ModerationError, NotFound):
    """The case or appeal does not exist (404)."""


class ModerationConflict(ModerationError, Conflict):
    """The state stands in the way: decided, claimed by someone else, already done (409)."""


class ModerationRateLimited(ModerationError, RateLimited):
    """The member's hourly limit (429, ``retry_after`` seconds)."""
