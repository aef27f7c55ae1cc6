"""Moderation's answers to gallery's documented events (connected in ModerationConfig.ready)."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def on_artwork_scanned(sender, *, artwork_id: int, verdict: str, mismatch: bool, evidence, **kw):
    if not mismatch:
        return
    from moderation.tasks import flag_mismatch

    try:
        flag_mismatch.delay(artwork_id, verdict, evidence)
    except Exception:  # broker down: the sweep in moderation.tasks picks mismatches up later
        logger.exception("could not enqueue the mismatch flag for artwork %s", artwork_id)


def on_artwork_published(sender, *, artwork_id: int, **kwargs):
    from moderation.tasks import check_published

    try:
        check_published.delay(artwork_id)
    except Exception:
        logger.exception("could not enqueue the publication checks for artwork %s", artwork_id)
