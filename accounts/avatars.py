"""Avatars through the same pixel seam and the same rules as artworks (imaging).

The request only probes (bounded, no decode); the decode and resize run in the worker
(accounts.tasks.render_avatar) under its time limit.
"""

from __future__ import annotations

from typing import BinaryIO

from django.conf import settings

import imaging

AVATAR_SIZE = 256
MAX_AVATAR_BYTES = 5 * 1024 * 1024
MAX_AVATAR_PIXELS = 40_000_000


class AvatarRejected(ValueError):
    """A new avatar we will not take; the message is a sentence for the member."""


def avatar_probe(fileobj: BinaryIO) -> imaging.ProbeResult:
    """Check an uploaded avatar in the request (size, format, header, frames, JPEG scans).

    Raises AvatarRejected with a sentence for the member.
    """
    try:
        return imaging.probe(
            fileobj,
            max_bytes=MAX_AVATAR_BYTES,
            max_pixels=MAX_AVATAR_PIXELS,
            max_frames=settings.ATELIER_MAX_FRAMES,
        )
    except imaging.ImageRejected as exc:
        raise AvatarRejected(f"The avatar {exc.reason}.") from None


def avatar_render(fileobj: BinaryIO) -> bytes:
    """A square 256 px WebP with no metadata (worker only: this decodes).

    Raises AvatarRejected with a sentence for the member when the file cannot be decoded.
    """
    try:
        return imaging.square(fileobj, side=AVATAR_SIZE, max_pixels=MAX_AVATAR_PIXELS)
    except imaging.ImageRejected as exc:
        raise AvatarRejected(f"The avatar {exc.reason}.") from None
