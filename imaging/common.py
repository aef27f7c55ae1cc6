"""What validation and rendering share: the error type, the pixel limit and strict decoding."""

from __future__ import annotations

import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
DAMAGED = "is damaged or incomplete"

# Everything Pillow's plugins are known to raise on hostile or broken input.
DECODE_ERRORS = (
    OSError,
    ValueError,
    SyntaxError,
    EOFError,
    struct.error,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
)


class ImageRejected(ValueError):
    """An upload that is not an image we accept; `reason` is a sentence without the filename."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def check_pixels(size: tuple[int, int], max_pixels: int) -> None:
    """Raise ImageRejected when width x height is over `max_pixels`."""
    width, height = size
    if width * height > max_pixels:
        raise ImageRejected(
            f"is {width} x {height} pixels ({width * height / 1e6:.1f} megapixels), "
            f"over the limit of {max_pixels / 1e6:g} megapixels"
        )


@contextmanager
def strict_decoding() -> Iterator[None]:
    """Treat Pillow's decompression-bomb warning as the error it is."""
    # catch_warnings swaps the process-wide filter list: not thread-safe before Python 3.14, fine
    # for sync gunicorn workers and prefork Celery children that handle one image at a time.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        yield
