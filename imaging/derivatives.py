"""Derivative rendering, avatars and perceptual hashes: the pixel work, done in the worker.

Everything here decodes pixels, so it runs in a Celery task under its time limit, never in a
web request (the request runs `imaging.validate.probe`, which decodes nothing).
"""

from __future__ import annotations

import io
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import BinaryIO

from PIL import ExifTags, Image, ImageCms, ImageFile, ImageOps

from imaging.common import (
    ALLOWED_FORMATS,
    DAMAGED,
    DECODE_ERRORS,
    ImageRejected,
    check_pixels,
    strict_decoding,
)
from imaging.validate import MAX_JPEG_SCANS, MAX_PNG_CHUNKS, TOO_MANY_PNG_CHUNKS, jpeg_scan_count

DEFAULT_WIDTHS = (320, 640, 1280, 2048)
# The formats' own ceilings on a side: libwebp's WEBP_MAX_DIMENSION, and libjpeg's
# JPEG_MAX_DIMENSION (the JPEG header could say 65535; libjpeg and so Pillow stop at 65500).
WEBP_MAX_SIDE = 16383
JPEG_MAX_SIDE = 65500
# A derivative's long side is bounded like its width: a webtoon strip (800 x 17000) or a
# panorama keeps its full width up to this height, and a more extreme image (1 x 100000) is
# scaled to fit it, squeezed if need be but never to a 0-pixel side. It is JPEG's ceiling, so
# every derivative has a JPEG; WebP is written only where both sides fit WebP's.
MAX_DERIVATIVE_SIDE = JPEG_MAX_SIDE

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True)
class Derivative:
    width: int
    height: int
    format: str  # "webp" | "jpeg"
    data: bytes


@dataclass(frozen=True)
class Rendered:
    width: int  # full size after EXIF orientation
    height: int
    derivatives: tuple[Derivative, ...]
    phash: str  # 16 hex characters
    placeholder: str  # dominant colour, "#rrggbb"
    # The larger copy for zooming in the lightbox (WebP), when `zoom_edge` asked for one and
    # it has more pixels than the widest derivative; never part of a srcset.
    zoom: Derivative | None = None


def render(
    fileobj: BinaryIO,
    *,
    widths: Sequence[int] = DEFAULT_WIDTHS,
    jpeg_quality: int = 82,
    webp_quality: int = 80,
    max_pixels: int = 100_000_000,
    max_side: int = MAX_DERIVATIVE_SIDE,
    xmp: bytes | None = None,
    zoom_edge: int = 0,
) -> Rendered:
    """Make the srcset derivatives, perceptual hash and placeholder colour of a stored image.

    `fileobj` should already have passed `probe`; completeness is checked here, by decoding.
    The image is oriented by its EXIF tag, converted to sRGB (embedded ICC profile, CMYK,
    16-bit, palette) and resized to every width in `widths` smaller than the image, plus the
    image's own width when it is not larger than the largest requested width (never upscaled).
    A size whose height would pass `max_side` is scaled down to fit it (see
    MAX_DERIVATIVE_SIDE), so sizes may collapse into one. Each size is written as JPEG
    (flattened on white) and, where both sides fit WEBP_MAX_SIDE, as WebP (keeps alpha), with
    no metadata at all: EXIF/GPS, XMP, ICC, comments and text chunks are dropped. Animated
    images give their first frame. `xmp` (see imaging.label_xmp.label_packet) is then written
    into every derivative as its only metadata.

    With `zoom_edge`, one more copy is made for zooming (see `zoom_size`: long side at most
    `zoom_edge`, at most `max_pixels`, never upscaled), as WebP only and with the same lack of
    metadata, when it is larger than the widest derivative; it is `Rendered.zoom`.

    Returns derivatives ordered by width, WebP before JPEG. Raises ImageRejected if the file
    is incomplete or cannot be decoded, is over `max_pixels` (or Pillow's own limit), or is
    a JPEG with more than MAX_JPEG_SCANS scans.
    """
    decoded, icc, (full_w, full_h), sizes, zoom = _open(
        fileobj, widths, max_side, max_pixels, zoom_edge
    )
    derivatives: list[Derivative] = []
    zoomed: Derivative | None = None
    current: Image.Image | None = None
    # Largest first: each size is made from the one before.
    for width, height in ([zoom] if zoom else []) + sizes:
        if current is None:
            # Colour conversion after the first shrink: an ICC transform costs ~15 ms per
            # megapixel, and a phone photo always carries a profile (Display P3).
            current = _to_srgb(_shrink(decoded, (width, height)), icc)
        elif current.size != (width, height):
            current = current.resize((width, height), Image.Resampling.LANCZOS)
        if zoomed is None and (width, height) == zoom:
            zoomed = Derivative(width, height, "webp", _encode(current, "WEBP", webp_quality, xmp))
            continue
        flat = _flatten(current)
        if width <= WEBP_MAX_SIDE and height <= WEBP_MAX_SIDE:
            derivatives.append(
                Derivative(width, height, "webp", _encode(current, "WEBP", webp_quality, xmp))
            )
        derivatives.append(
            Derivative(width, height, "jpeg", _encode(flat, "JPEG", jpeg_quality, xmp))
        )
    derivatives.sort(key=lambda d: (d.width, d.format != "webp"))
    return Rendered(
        width=full_w,
        height=full_h,
        derivatives=tuple(derivatives),
        phash=perceptual_hash(flat),
        placeholder=_dominant_colour(flat),
        zoom=zoomed,
    )


def render_zoom(
    fileobj: BinaryIO,
    *,
    zoom_edge: int,
    widths: Sequence[int] = DEFAULT_WIDTHS,
    webp_quality: int = 80,
    max_pixels: int = 100_000_000,
    max_side: int = MAX_DERIVATIVE_SIDE,
    xmp: bytes | None = None,
) -> Derivative | None:
    """Only the zoom copy `render` would make of this image with these arguments, or None when
    it would make none (for images rendered before zoom copies existed). Raises as `render`."""
    decoded, icc, _full, _sizes, zoom = _open(fileobj, widths, max_side, max_pixels, zoom_edge)
    if zoom is None:
        return None
    current = _to_srgb(_shrink(decoded, zoom), icc)
    return Derivative(zoom[0], zoom[1], "webp", _encode(current, "WEBP", webp_quality, xmp))


def zoom_size(
    full: tuple[int, int], *, edge: int, max_pixels: int, above: tuple[int, int]
) -> tuple[int, int] | None:
    """The (width, height) of the zoom copy of an image of size `full`, or None for none.

    Its long side is at most `edge` (and WebP's ceiling), it has at most `max_pixels` pixels
    and never more than the image (no upscaling). None when `edge` is 0 or the copy would be
    no larger than `above`, the widest derivative (it would add nothing).
    """
    full_w, full_h = full
    if edge < 1:
        return None
    edge = min(edge, WEBP_MAX_SIDE)
    scale = min(1.0, edge / max(full_w, full_h), math.sqrt(max_pixels / (full_w * full_h)))
    width = min(full_w, edge, max(1, round(full_w * scale)))
    height = min(full_h, edge, max(1, round(full_h * scale)))
    if width * height > max_pixels:
        width, height = max(1, math.floor(full_w * scale)), max(1, math.floor(full_h * scale))
    if width <= above[0] and height <= above[1]:
        return None
    return width, height


def _open(
    fileobj: BinaryIO, widths: Sequence[int], max_side: int, max_pixels: int, zoom_edge: int
) -> tuple[Image.Image, bytes | None, tuple[int, int], list[tuple[int, int]], tuple | None]:
    """Check and decode the file for `render`: the decoded image, its ICC profile, the full
    oriented size, the derivative sizes (largest first) and the zoom size (or None)."""
    if not widths or min(widths) < 1 or max_side < 1:
        raise ValueError("widths and max_side must be positive")
    fileobj.seek(0)
    try:
        with strict_decoding():
            _check_png(fileobj)
            im = Image.open(fileobj, formats=list(ALLOWED_FORMATS))
            check_pixels(im.size, max_pixels)
            _check_scans(im, fileobj)
            return _decode_for(im, widths, max_side, max_pixels, zoom_edge)
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("has too many pixels to be processed safely") from exc
    except DECODE_ERRORS as exc:
        raise ImageRejected(DAMAGED) from exc


def derivative_sizes(
    full: tuple[int, int], widths: Sequence[int], max_side: int = MAX_DERIVATIVE_SIDE
) -> list[tuple[int, int]]:
    """The (width, height) of each derivative of an image of size `full`, largest first."""
    full_w, full_h = full
    targets = {w for w in widths if w < full_w}
    if full_w <= max(widths):
        targets.add(full_w)
    sizes = set()
    for width in targets:
        scale = min(width / full_w, max_side / full_h)
        sizes.add((max(1, round(full_w * scale)), max(1, min(max_side, round(full_h * scale)))))
    return sorted(sizes, reverse=True)


def square(fileobj: BinaryIO, *, side: int, max_pixels: int, quality: int = 85) -> bytes:
    """A `side` x `side` WebP of the image's centre (avatars), oriented, sRGB, no metadata.

    Animated images give their first frame. Raises ImageRejected as `render` does.
    """
    return fitted(fileobj, size=(side, side), max_pixels=max_pixels, quality=quality)


def fitted(
    fileobj: BinaryIO, *, size: tuple[int, int], max_pixels: int, quality: int = 85
) -> bytes:
    """A WebP of exactly `size`, cropped from the image's centre (avatars, portfolio banners),
    oriented, sRGB, no metadata (EXIF, GPS, XMP and comments are all dropped).

    Animated images give their first frame. Raises ImageRejected as `render` does.
    """
    width, height = size
    fileobj.seek(0)
    try:
        with strict_decoding():
            _check_png(fileobj)
            im = Image.open(fileobj, formats=list(ALLOWED_FORMATS))
            check_pixels(im.size, max_pixels)
            _check_scans(im, fileobj)
            # draft keeps both sides at least twice the target, so the crop still has detail.
            im.draft(im.mode, (width * 2, height * 2))
            im.load()
            icc = im.info.get("icc_profile")
            oriented = _resizable(ImageOps.exif_transpose(im))
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("has too many pixels to be processed safely") from exc
    except DECODE_ERRORS as exc:
        raise ImageRejected(DAMAGED) from exc
    cropped = ImageOps.fit(oriented, (width, height), Image.Resampling.LANCZOS)
    return _encode(_to_srgb(cropped, icc), "WEBP", quality)


def _check_scans(im: Image.Image, fileobj: BinaryIO) -> None:
    # probe refused these already; checked again for originals stored before it did, and for
    # callers that skip probe. The walk reads no pixels.
    if im.format in ("JPEG", "MPO"):
        position = fileobj.tell()
        try:
            if jpeg_scan_count(fileobj, stop_after=MAX_JPEG_SCANS) > MAX_JPEG_SCANS:
                raise ImageRejected(f"is a JPEG with more than {MAX_JPEG_SCANS} scans")
        finally:
            fileobj.seek(position)


def _check_png(fileobj: BinaryIO) -> None:
    """A PNG's chunks before Pillow opens it (Pillow walks them in Python at open already):
    ``_check_png_crcs``. Other formats pass; the file is left where it was."""
    position = fileobj.tell()
    try:
        if fileobj.read(8) == b"\x89PNG\r\n\x1a\n":
            _check_png_crcs(fileobj)
    finally:
        fileobj.seek(position)


def _check_png_crcs(fileobj: BinaryIO) -> None:
    """Every chunk's CRC, up to IEND: Pillow checks the ancillary chunks' but skips the image
    data's, so a damaged IDAT was caught only when zlib happened to choke on it (and otherwise
    became wrong pixels). One pass of crc32 over the file, no decoding; a file of more than
    MAX_PNG_CHUNKS chunks is refused as probe refuses it (originals stored before it did)."""
    fileobj.seek(8)  # the signature, which Pillow has checked
    for _ in range(MAX_PNG_CHUNKS + 1):
        head = fileobj.read(8)
        if not head:
            return  # no IEND, but every chunk whole and sound: Pillow accepts it too
        if len(head) < 8:
            raise ImageRejected(DAMAGED)
        length = int.from_bytes(head[:4], "big")
        crc = zlib.crc32(head[4:])
        remaining = length
        while remaining:
            chunk = fileobj.read(min(remaining, 1 << 20))
            if not chunk:
                raise ImageRejected(DAMAGED)
            crc = zlib.crc32(chunk, crc)
            remaining -= len(chunk)
        if fileobj.read(4) != crc.to_bytes(4, "big"):
            raise ImageRejected(DAMAGED)
        if head[4:] == b"IEND":
            return
    raise ImageRejected(TOO_MANY_PNG_CHUNKS)


def _decode_for(
    im: ImageFile.ImageFile, widths: Sequence[int], max_side: int, max_pixels: int, zoom_edge: int
) -> tuple[Image.Image, bytes | None, tuple[int, int], list[tuple[int, int]], tuple | None]:
    """Decode `im` no larger than the biggest derivative (or the zoom copy) needs, oriented, in
    a mode Pillow can resize. Returns it, its ICC profile, the full oriented size, the
    derivative sizes, largest first, and the zoom copy's size (None for none)."""
    orientation = im.getexif().get(ExifTags.Base.Orientation, 1)
    stored_w, stored_h = im.size
    full_w, full_h = (stored_h, stored_w) if orientation in (5, 6, 7, 8) else im.size
    sizes = derivative_sizes((full_w, full_h), widths, max_side)
    zoom = zoom_size((full_w, full_h), edge=zoom_edge, max_pixels=max_pixels, above=sizes[0])
    largest = zoom or sizes[0]
    if im.format in ("JPEG", "MPO"):
        # libjpeg decodes at 1/2, 1/4 or 1/8 scale for free; draft picks the smallest scale that
        # is still at least as large as the largest derivative on both sides.
        ratio = max(largest[0] / full_w, largest[1] / full_h)
        im.draft(im.mode, (math.ceil(stored_w * ratio), math.ceil(stored_h * ratio)))
    im.load()
    icc = im.info.get("icc_profile")
    oriented = ImageOps.exif_transpose(im) if orientation != 1 else im
    return _resizable(oriented), icc, (full_w, full_h), sizes, zoom


def _resizable(im: Image.Image) -> Image.Image:
    if im.mode.startswith("I;16") or im.mode in ("I", "F"):
        # Pillow's I;16 -> L conversion clips at 255 instead of scaling 16 bits down to 8.
        return im.convert("I").point(lambda v: v / 257).convert("L")
    if "transparency" in im.info or im.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
        has_alpha = "A" in im.getbands() or "transparency" in im.info
        return im.convert("RGBA" if has_alpha else "RGB")
    return im


def _shrink(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    # What draft() does for JPEG, done for the other formats: a box reduce by the integer factor
    # first (cheap), then Lanczos for the remaining factor below 2. At 4900 -> 2048 px this is
    # 4x faster than Lanczos alone and differs from it by about 46 dB PSNR (not visible).
    factor = min(im.width // size[0], im.height // size[1])
    if factor > 1:
        im = im.reduce(factor)
    return im if im.size == size else im.resize(size, Image.Resampling.LANCZOS)


def _to_srgb(im: Image.Image, icc: bytes | None) -> Image.Image:
    """Return `im` as 8-bit RGB or RGBA in sRGB, with an empty `info` (no metadata to leak)."""
    if icc:
        im = _apply_icc(im, icc)
    if im.mode not in ("RGB", "RGBA"):
        im = im.convert("RGBA" if "A" in im.getbands() else "RGB")
    im.info = {}
    return im


def _apply_icc(im: Image.Image, icc: bytes) -> Image.Image:
    alpha = im.getchannel("A") if "A" in im.getbands() else None
    colour = im.convert(im.mode.removesuffix("A")) if alpha is not None else im
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(colour, source, _SRGB, outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError):
        # A broken profile, or one for another colour space than the pixels': most likely
        # the pixels are sRGB already.
        return im
    if converted is None:  # only with inPlace=True
        return im
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def _flatten(im: Image.Image) -> Image.Image:
    if im.mode != "RGBA":
        return im
    background = Image.new("RGB", im.size, (255, 255, 255))
    background.paste(im, mask=im.getchannel("A"))
    return background


def _encode(im: Image.Image, fmt: str, quality: int, xmp: bytes | None = None) -> bytes:
    # Savers read some metadata (a JPEG comment, for one) from im.info, not only from arguments.
    im.info = {}
    buffer = io.BytesIO()
    if xmp:
        im.save(buffer, fmt, quality=quality, xmp=xmp)
    else:
        im.save(buffer, fmt, quality=quality)
    return buffer.getvalue()


def _dominant_colour(im: Image.Image) -> str:
    small = im.convert("RGB").resize((32, 32), Image.Resampling.BOX)
    quantised = small.quantize(colors=5)
    colours = quantised.getcolors() or [(1, 0)]
    _count, index = max(colours)
    palette = quantised.getpalette() or [0, 0, 0]
    r, g, b = palette[index * 3 : index * 3 + 3]
    return f"#{r:02x}{g:02x}{b:02x}"


def perceptual_hash(img: Image.Image) -> str:
    """imagehash's DCT pHash of `img` as 16 hex characters; near-duplicates differ in few bits.

    It works on a 32 x 32 greyscale copy, so pass a small derivative rather than the original.
    """
    # Imported here: imagehash pulls in numpy and scipy (~0.3 s, ~20 MB), which the upload
    # request (probe) never needs.
    import imagehash

    return str(imagehash.phash(img))


def hash_distance(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes from `perceptual_hash`.

    0 means identical; a resized or recompressed copy stays within about 4. Raises ValueError
    if the hashes are not hex strings of the same length.
    """
    if len(a) != len(b):
        raise ValueError("hashes of different lengths cannot be compared")
    return (int(a, 16) ^ int(b, 16)).bit_count()
