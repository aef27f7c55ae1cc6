"""Moderation's writes. Each module is one subject: flags, decisions, appeals, review, reports."""


class ModerationError(Exception):
    """A moderation action that cannot be done; ``str(exc)`` is a message for the person."""


class ModerationForbidden(ModerationError):
    """The person may not take part at all, whatever the state (a moderator who is a party to
    the case or the appeal, see ``moderation.services.access``): the site and the API answer
    403, where a plain ``ModerationError`` is about the state or the input."""
