"""Moderation's answers to gallery's documented events (connected in ModerationConfig.ready)."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def on_artwork_scanned(sender, *, artwork_id: int, **kwargs):
    """A post settled: run the intake in a task. The hand-off is durable (gallery's
    ``handoff_pending``), so a broker outage only delays it until ``intake_sweep`` runs."""
    from moderation.tasks import intake_artwork

    try:
        intake_artwork.delay(artwork_id)
    except Exception:  # broker down: the sweep finishes the hand-off
        logger.exception("could not enqueue the intake of artwork %s", artwork_id)
