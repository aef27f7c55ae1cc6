"""NovelAI-style "stealth" metadata hidden in the alpha channel of PNG and WebP files.

The format (ashen-sensored/sd_webui_stealth_pnginfo, scripts/stealth_pnginfo.py): alpha-channel
LSBs read column by column (x outer, y inner), MSB first: magic ``stealth_pnginfo`` or
``stealth_pngcomp`` (15 bytes), a 32-bit big-endian payload length in bits, then the payload,
gzip-compressed for ``pngcomp``. The payload is a generator's parameter block
(``generators.generation_text``). The RGB variants of that extension are not probed: that would
mean decoding every opaque PNG.

This is the one place pixels are decoded. For non-interlaced 8-bit RGBA PNGs the magic is
probed first from the first pixel column alone (``_png_first_column_alpha``), so files without
it are never decoded; without that probe only images up to 4 megapixels are decoded on the off
chance. The full decode is bounded by ``STEALTH_MAX_PIXELS``.
"""

from __future__ import annotations

import contextlib
import io
import zlib

from . import generators
from .state import MAX_TEXT_BYTES, Scan

# Stealth metadata needs the alpha plane; beyond this the decode costs more than it can be worth.
STEALTH_MAX_PIXELS = 16_000_000

_STEALTH_MAGIC = (b"stealth_pnginfo", b"stealth_pngcomp")
_LSB_TO_ASCII = bytes(0x30 + (i & 1) for i in range(256))


def probe_stealth(scan: Scan) -> None:
    pixels = scan.width * scan.height
    if scan.png_rgba8 and scan.height >= 120:
        column = _png_first_column_alpha(scan.data, scan.idat, scan.width, 120)
        if column is None or _lsb_bytes(column.translate(_LSB_TO_ASCII)) not in _STEALTH_MAGIC:
            return
    elif pixels > 4_000_000:
        return  # without the cheap probe, only small images are decoded on the off chance
    if pixels > STEALTH_MAX_PIXELS:
        scan.errors.append("image too large to check its alpha channel for hidden metadata")
        return
    bits = _alpha_lsb_column_major(scan.data, scan.errors)
    if bits is None or len(bits) < 152:
        return
    magic = _lsb_bytes(bits[:120])
    if magic not in _STEALTH_MAGIC:
        return
    length = int(bits[120:152], 2)
    if length % 8 or length > MAX_TEXT_BYTES * 8 or 152 + length > len(bits):
        scan.errors.append("alpha-channel metadata has an impossible length; ignored")
        return
    payload = _lsb_bytes(bits[152 : 152 + length])
    if magic == b"stealth_pngcomp":
        inflated = _inflate_gzip(scan, payload)
        if inflated is None:
            return
        payload = inflated
    where = f"alpha channel {magic.decode()}"
    text = payload.decode("utf-8", "replace")
    if not generators.generation_text(scan, where, text):
        generators.generated(scan, "stealth", where, text)


def _inflate_gzip(scan: Scan, payload: bytes) -> bytes | None:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(payload, MAX_TEXT_BYTES + 1)
    except zlib.error as exc:
        scan.errors.append(f"alpha-channel metadata does not decompress ({exc}); ignored")
        return None
    if len(out) > MAX_TEXT_BYTES:
        scan.errors.append("alpha-channel metadata decompresses to over 1 MB; ignored")
        return None
    return out


def _png_first_column_alpha(
    data: bytes, idat: list[tuple[int, int]], width: int, rows: int
) -> bytes | None:
    """Alpha of the first pixel of the first ``rows`` rows of an 8-bit RGBA PNG.

    Only the scanlines' first four bytes are unfiltered: with nothing to the left of the first
    pixel, every PNG filter reduces to "this byte" or "this byte plus (half) the byte above".
    """
    stride = 1 + width * 4
    need = stride * rows
    inflater = zlib.decompressobj()
    out = bytearray()
    view = memoryview(data)
    try:
        for start, end in idat:
            out += inflater.decompress(view[start:end], need - len(out))
            if len(out) >= need:
                break
    except zlib.error:
        return None
    if len(out) < need:
        return None
    alphas = bytearray()
    above = 0
    for row in range(rows):
        base = row * stride
        ftype, value = out[base], out[base + 4]
        if ftype in (0, 1):
            alpha = value
        elif ftype in (2, 4):
            alpha = (value + above) & 0xFF
        elif ftype == 3:
            alpha = (value + above // 2) & 0xFF
        else:
            return None
        alphas.append(alpha)
        above = alpha
    return bytes(alphas)


def _alpha_lsb_column_major(data: bytes, errors: list[str]) -> bytes | None:
    """Decode the image (bounded by the caller) and return alpha LSBs as b"0"/b"1", x outer."""
    from PIL import Image  # only reached for images whose first column carries the magic

    # The caller's pixel bound sits far below Image.MAX_IMAGE_PIXELS, so no bomb warning can
    # fire (and warnings.catch_warnings would not be thread-safe here anyway).
    try:
        with Image.open(io.BytesIO(data), formats=["PNG", "WEBP"]) as im:
            if im.width * im.height > STEALTH_MAX_PIXELS or im.mode != "RGBA":
                return None
            im.load()
            alpha = im.getchannel("A").transpose(Image.Transpose.TRANSPOSE)
            return alpha.tobytes().translate(_LSB_TO_ASCII)
    except (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError) as exc:
        errors.append(f"alpha channel could not be decoded ({exc.__class__.__name__})")
    return None


def _lsb_bytes(bits: bytes) -> bytes:
    """Pack b"0"/b"1" characters (MSB first) into bytes."""
    if not bits:
        return b""
    with contextlib.suppress(ValueError):
        return int(bits, 2).to_bytes(len(bits) // 8, "big")
    return b""
