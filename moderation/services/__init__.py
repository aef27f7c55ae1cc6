"""Moderation's writes. Each module is one subject: flags, decisions, appeals, review, reports."""


class ModerationError(Exception):
    """A moderation action that cannot be done; ``str(exc)`` is a message for the person."""
