"""Portfolio banners through the same pixel seam and the same rules as avatars (imaging).

The request only probes (bounded, no decode); the decode, crop and re-encode run in the worker
(accounts.tasks.render_banner) under its time limit. Only the rendered WebP is ever public: it
is made from the pixels alone, so no EXIF (GPS included), XMP or comment of the upload survives.
"""

from __future__ import annotations

from typing import BinaryIO

from django.conf import settings

import imaging

BANNER_SIZE = (1500, 500)
MAX_BANNER_BYTES = 10 * 1024 * 1024
MAX_BANNER_PIXELS = 40_000_000


class BannerRejected(ValueError):
    """A new banner we will not take; the message is a sentence for the member."""


def banner_probe(fileobj: BinaryIO) -> imaging.ProbeResult:
    """Check an uploaded banner in the request (size, format, header, frames, JPEG scans).

    Raises BannerRejected with a sentence for the member.
    """
    try:
        return imaging.probe(
            fileobj,
            max_bytes=MAX_BANNER_BYTES,
            max_pixels=MAX_BANNER_PIXELS,
            max_frames=settings.ATELIER_MAX_FRAMES,
        )
    except imaging.ImageRejected as exc:
        raise BannerRejected(f"The banner {exc.reason}.") from None


def banner_render(fileobj: BinaryIO) -> bytes:
    """A 1500 x 500 WebP of the image's centre with no metadata (worker only: this decodes).

    Raises BannerRejected with a sentence for the member when the file cannot be decoded.
    """
    try:
        return imaging.fitted(fileobj, size=BANNER_SIZE, max_pixels=MAX_BANNER_PIXELS)
    except imaging.ImageRejected as exc:
        raise BannerRejected(f"The banner {exc.reason}.") from None
