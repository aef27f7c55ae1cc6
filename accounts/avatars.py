"""Avatar validation and resizing.

Avatars are accounts' only image work; gallery.imaging cannot be used here because accounts must
not import gallery (apps import one way: accounts <- gallery <- moderation).
"""

from __future__ import annotations

import io
import warnings
from typing import BinaryIO

from PIL import Image, ImageOps

AVATAR_SIZE = 256
MAX_AVATAR_BYTES = 5 * 1024 * 1024
MAX_AVATAR_PIXELS = 40_000_000


class AvatarRejected(ValueError):
    pass


def avatar_render(fileobj: BinaryIO) -> bytes:
    """Return a square 256 px WebP with no metadata, or raise ``AvatarRejected`` with a reason.

    Only JPEG, PNG, WebP and GIF are opened; the pixel count is checked from the header before
    decoding so a decompression bomb costs nothing.
    """
    fileobj.seek(0, io.SEEK_END)
    if fileobj.tell() > MAX_AVATAR_BYTES:
        raise AvatarRejected("The avatar is larger than 5 MB.")
    fileobj.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(fileobj, formats=["JPEG", "PNG", "WEBP", "GIF"])
            if image.width * image.height > MAX_AVATAR_PIXELS:
                raise AvatarRejected("The avatar has too many pixels (at most 40 megapixels).")
            image.draft("RGB", (AVATAR_SIZE * 2, AVATAR_SIZE * 2))
            image = ImageOps.exif_transpose(image)
            image = image.convert("RGBA" if "A" in image.getbands() else "RGB")
    except AvatarRejected:
        raise
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Warning):
        raise AvatarRejected(
            "The avatar is not a JPEG, PNG, WebP or GIF image, or it is damaged."
        ) from None
    square = ImageOps.fit(image, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, "WEBP", quality=85)
    return out.getvalue()
