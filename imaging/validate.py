"""Upload validation that runs in the web request: bounded work only, never a pixel decode.

`probe` reads the size, the magic bytes, the header's width and height, the animation frame
count and, for JPEG, the number of scans. Whether the compressed data is complete is found out
in the worker, where `render` decodes under the task's time limit and fails the image with a
readable reason: a decode can cost far more than its file size suggests (issue 10: a 582 KB
progressive JPEG took 70 s), so it has no place in a request.
"""

from __future__ import annotations

import os
import re
import struct
from dataclasses import dataclass
from typing import BinaryIO

from PIL import Image

from imaging.common import DAMAGED, DECODE_ERRORS, ImageRejected, check_pixels, strict_decoding

_MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
_EXTENSION = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif"}
_NOT_ALLOWED = "is not a JPEG, PNG, WebP or GIF image"
_SNIFF_BYTES = 4096

# Leading bytes of formats we refuse, with the words used in the rejection reason.
_FOREIGN_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"II+\x00", "a TIFF image"),
    (b"MM\x00+", "a TIFF image"),
    (b"%!PS", "an EPS/PostScript file"),
    (b"\xc5\xd0\xd3\xc6", "an EPS/PostScript file"),
    (b"\x00\x00\x01\x00", "a Windows icon (ICO)"),
    (b"\x00\x00\x02\x00", "a Windows cursor (CUR)"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"8BPS", "a Photoshop document"),
    (b"\xff\x4f\xff\x51", "a JPEG 2000 image"),
    (b"\x00\x00\x00\x0cjP  ", "a JPEG 2000 image"),
    (b"\xff\x0a", "a JPEG XL image"),
    (b"\x00\x00\x00\x0cJXL ", "a JPEG XL image"),
    (b"BM", "a BMP image"),
)
_HEIF_BRANDS = frozenset(
    (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis")
)

# --- JPEG structure ---
# SOF0-SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_SOS = 0xDA
_JPEG_EOI = 0xD9
# A progressive JPEG's decode time grows with its scan count, and a scan can be repeated at
# will (libjpeg-turbo's "LJT-01-003": the EOB-run loophole makes each repeat cost a full pass
# over the image for a few bytes), so a short file can keep a decoder busy for minutes. Real
# encoders write few scans: libjpeg's jpeg_simple_progression 10 for colour, 6 for greyscale,
# 18 for CMYK; Photoshop 3 to 5; mozjpeg's scan optimisation searches 64 candidate scans and
# writes a subset of them; a baseline JPEG has 1, or one per component. 100 leaves room above
# all of them. libjpeg-turbo leaves its TJPARAM_SCANLIMIT off by default, and its own fuzzers
# set 500; we refuse well below that because the request cannot afford the attempt.
MAX_JPEG_SCANS = 100
# A PNG is a string of chunks, and Pillow walks them in Python, about 5 µs each, when it opens
# the file and again while decoding it: a 50 MB PNG of 4.4 million empty chunks took 22 s to
# probe and 33 s to render. Encoders write the image data in chunks of 8 KB (libpng) up to a
# few MB, so a 50 MB PNG holds a few thousand; one chunk per row of a 20,000-row image is
# still well below this. Counting reads only each chunk's 8-byte header.
MAX_PNG_CHUNKS = 65_536
# Said by probe and, for an original stored before probe refused such files, by render.
TOO_MANY_PNG_CHUNKS = (
    f"is a PNG cut into more than {MAX_PNG_CHUNKS:,} pieces, far more than any editor writes; "
    "save it again as an ordinary PNG"
)
# Markers between scans (tables, restart intervals, APPn) are a handful per scan in real files;
# walking a file made of millions of tiny segments would cost seconds of Python.
_JPEG_MAX_SEGMENTS = 4096
# Inside entropy-coded data 0xFF is always followed by 0x00 (stuffing) or a restart marker
# D0-D7; anything else after 0xFF (fill bytes 0xFF aside) is the next segment's marker.
_JPEG_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")
_FIRST_CHUNK, _MAX_CHUNK = 64 * 1024, 1024 * 1024


@dataclass(frozen=True)
class ProbeResult:
    format: str  # one of ALLOWED_FORMATS
    mime: str
    extension: str  # "jpg", "png", "webp", "gif"
    width: int  # as stored, before EXIF orientation
    height: int
    frames: int
    size: int  # bytes


def probe(
    fileobj: BinaryIO,
    *,
    max_bytes: int,
    max_pixels: int,
    max_frames: int,
    max_scans: int = MAX_JPEG_SCANS,
) -> ProbeResult:
    """Check that an upload is a JPEG, PNG, WebP or GIF within the limits, without decoding it.

    Reads `fileobj` (seekable, binary) and leaves it at position 0. Checks, in order: the size
    (by seeking, so an over-size file is never read), the format sniffed from the magic bytes
    (never the filename or the client's content type), width x height from the header against
    `max_pixels`, for JPEG the number of scans against `max_scans` (found by walking the
    segments and skipping the entropy-coded data, in chunks of 1 MB), then Pillow's header
    parser (no decode) for the animation frame count against `max_frames`.

    The work is linear in the file size and never decodes a pixel, so a truncated or corrupt
    file can pass: `render` finds it in the worker. Raises ImageRejected with a user-facing
    `reason`. Pillow's own limit (`Image.MAX_IMAGE_PIXELS`) is enforced too.
    """
    size = fileobj.seek(0, os.SEEK_END)
    fileobj.seek(0)
    if size == 0:
        raise ImageRejected("is empty")
    if size > max_bytes:
        raise ImageRejected(f"is {_human_bytes(size)}, over the {_human_bytes(max_bytes)} limit")
    try:
        head = fileobj.read(_SNIFF_BYTES)
        fmt = _sniff(head)
        if fmt == "JPEG":
            header_size, scans = _jpeg_structure(fileobj, max_scans)
        else:
            header_size, scans = _header_size(fmt, head), 0
        # Image.open already refuses sizes past Pillow's limit, so our own check has to come
        # first to be the one that answers (with the real size in the reason).
        if header_size is not None:
            check_pixels(header_size, max_pixels)
        if fmt == "PNG" and png_chunk_count(fileobj, stop_after=MAX_PNG_CHUNKS) > MAX_PNG_CHUNKS:
            raise ImageRejected(TOO_MANY_PNG_CHUNKS)
        if scans > max_scans:
            raise ImageRejected(
                f"is a JPEG with more than {max_scans} scans, far more than any camera or "
                "editor writes; save it again as an ordinary JPEG or PNG"
            )
        fileobj.seek(0)
        with strict_decoding():
            im = Image.open(fileobj, formats=[fmt])
            check_pixels(im.size, max_pixels)
            # JPEG "frames" would be MPO side images (depth maps, gain maps): not animation.
            frames = 1 if fmt == "JPEG" else getattr(im, "n_frames", 1)
            if frames > max_frames:
                raise ImageRejected(
                    f"has {frames} animation frames, over the limit of {max_frames}"
                )
            width, height = im.size
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected("has too many pixels to be processed safely") from exc
    except DECODE_ERRORS as exc:
        raise ImageRejected(DAMAGED) from exc
    finally:
        fileobj.seek(0)
    return ProbeResult(
        format=fmt,
        mime=_MIME[fmt],
        extension=_EXTENSION[fmt],
        width=width,
        height=height,
        frames=frames,
        size=size,
    )


def png_chunk_count(fileobj: BinaryIO, *, stop_after: int) -> int:
    """Number of chunks in a PNG up to IEND (or the end of the file), counting no further than
    `stop_after` + 1. Reads each chunk's 8-byte header and seeks over its data and CRC."""
    fileobj.seek(8)  # the signature
    count = 0
    while count <= stop_after:
        head = fileobj.read(8)
        if len(head) < 8:
            break
        count += 1
        if head[4:8] == b"IEND":
            break
        fileobj.seek(int.from_bytes(head[:4], "big") + 4, os.SEEK_CUR)
    return count


def jpeg_scan_count(fileobj: BinaryIO, *, stop_after: int) -> int:
    """Number of scans (SOS segments) in a JPEG, counting no further than `stop_after` + 1.

    No decode: see `probe`. Raises ImageRejected for a file of absurdly many segments.
    """
    fileobj.seek(0)
    try:
        return _jpeg_structure(fileobj, stop_after)[1]
    finally:
        fileobj.seek(0)


def _sniff(head: bytes) -> str:
    """Name the allowed format `head` starts with, or raise ImageRejected saying what it is."""
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "GIF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    raise ImageRejected(f"{_NOT_ALLOWED} ({_describe_foreign(head)})")


def _describe_foreign(head: bytes) -> str:
    for magic, what in _FOREIGN_MAGIC:
        if head.startswith(magic):
            return f"it looks like {what}"
    if head[4:8] == b"ftyp":
        if head[8:12] in _HEIF_BRANDS:
            return "it looks like a HEIC or AVIF image"
        return "it looks like a video or other ISO media file"
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    if b"<svg" in text:
        return "it looks like an SVG drawing"
    if text.startswith((b"<!doctype html", b"<html")) or any(
        tag in text for tag in (b"<html", b"<head", b"<body", b"<script", b"<iframe")
    ):
        return "it looks like an HTML page"
    if text.startswith(b"<?xml"):
        return "it looks like an XML document"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            return "it looks like a text file"
    return "its format is not recognised"


def _header_size(fmt: str, head: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG, GIF or WebP header without Pillow, or None if not found."""
    if fmt == "PNG" and head[12:16] == b"IHDR" and len(head) >= 24:
        return struct.unpack(">II", head[16:24])
    if fmt == "GIF" and len(head) >= 10:
        return struct.unpack("<HH", head[6:10])
    if fmt == "WEBP" and len(head) >= 30:
        chunk = head[12:16]
        if chunk == b"VP8X":
            width, height = head[24:27], head[27:30]
            return 1 + int.from_bytes(width, "little"), 1 + int.from_bytes(height, "little")
        if chunk == b"VP8L" and head[20] == 0x2F:
            bits = int.from_bytes(head[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
            width, height = struct.unpack("<HH", head[26:30])
            return width & 0x3FFF, height & 0x3FFF
    return None


def _jpeg_structure(fileobj: BinaryIO, max_scans: int) -> tuple[tuple[int, int] | None, int]:
    """Walk a JPEG's segments: (width, height) from the first SOF or None, and the number of
    scans up to the end of the first image (stops counting past `max_scans`).

    A truncated or malformed tail ends the walk quietly: the worker's decode reports it.
    """
    size: tuple[int, int] | None = None
    scans = 0
    pos = 2
    for _ in range(_JPEG_MAX_SEGMENTS):
        fileobj.seek(pos)
        marker = fileobj.read(4)
        if len(marker) < 2 or marker[0] != 0xFF:
            return size, scans
        kind = marker[1]
        if kind == 0xFF:  # fill byte
            pos += 1
            continue
        if kind == _JPEG_EOI:
            return size, scans
        if kind in (0x01, 0xD8) or 0xD0 <= kind <= 0xD7:  # markers without a length
            pos += 2
            continue
        if len(marker) < 4:
            return size, scans
        pos += 2 + struct.unpack(">H", marker[2:4])[0]
        if kind in _JPEG_SOF and size is None:
            sof = fileobj.read(5)
            if len(sof) == 5:
                height, width = struct.unpack(">HH", sof[1:5])
                size = (width, height)
        elif kind == _JPEG_SOS:
            scans += 1
            if scans > max_scans:
                return size, scans
            found = _next_marker(fileobj, pos)
            if found is None:
                return size, scans
            pos = found
    raise ImageRejected(
        f"is a JPEG of more than {_JPEG_MAX_SEGMENTS} segments; save it again as an ordinary "
        "JPEG or PNG"
    )


def _next_marker(fileobj: BinaryIO, pos: int) -> int | None:
    """Offset of the first marker at or after `pos` that ends entropy-coded data, or None."""
    size = _FIRST_CHUNK  # most scans end within it; growing keeps a big scan cheap to skip
    while True:
        fileobj.seek(pos)
        chunk = fileobj.read(size)
        size = min(size * 2, _MAX_CHUNK)
        if len(chunk) < 2:
            return None
        found = _JPEG_NEXT_MARKER.search(chunk)
        if found is not None:
            return pos + found.start()
        # Overlap by one byte: a 0xFF at the end of this chunk may start a marker.
        pos += len(chunk) - 1


def _human_bytes(n: int) -> str:
    for unit, scale in (("MB", 1024**2), ("KB", 1024)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"
