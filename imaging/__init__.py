"""The single seam for pixel work: upload validation and derivative rendering.

Plain Python + Pillow + imagehash, no Django, and no app: `gallery` (artworks) and `accounts`
(avatars) both use it, and accounts may not import gallery. `probe` runs in the web request
and decodes nothing (imaging.validate); `render` and `square` decode, in a Celery worker under
its time limit (imaging.derivatives). Both read only from a binary file object, so either can
be swapped for another library or benchmarked alone (see bench/thumbnails.py).
"""

from imaging.common import ALLOWED_FORMATS, ImageRejected
from imaging.derivatives import (
    DEFAULT_WIDTHS,
    JPEG_MAX_SIDE,
    MAX_DERIVATIVE_SIDE,
    WEBP_MAX_SIDE,
    Derivative,
    Rendered,
    derivative_sizes,
    fitted,
    hash_distance,
    perceptual_hash,
    render,
    render_zoom,
    square,
    zoom_size,
)
from imaging.label_xmp import PacketError, label_packet, with_packet
from imaging.validate import (
    MAX_JPEG_SCANS,
    MAX_PNG_CHUNKS,
    ProbeResult,
    jpeg_scan_count,
    png_chunk_count,
    probe,
)

__all__ = [
    "ALLOWED_FORMATS",
    "DEFAULT_WIDTHS",
    "JPEG_MAX_SIDE",
    "MAX_DERIVATIVE_SIDE",
    "MAX_JPEG_SCANS",
    "MAX_PNG_CHUNKS",
    "WEBP_MAX_SIDE",
    "Derivative",
    "ImageRejected",
    "PacketError",
    "ProbeResult",
    "Rendered",
    "derivative_sizes",
    "fitted",
    "hash_distance",
    "jpeg_scan_count",
    "label_packet",
    "perceptual_hash",
    "png_chunk_count",
    "probe",
    "render",
    "render_zoom",
    "square",
    "with_packet",
    "zoom_size",
]
