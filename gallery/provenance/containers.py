"""Container walkers for JPEG, PNG, WebP, GIF and TIFF: they collect raw metadata, nothing more.

Each walker steps through its format's segments or chunks by their length fields and copies
onto the ``Scan`` only what the readers need: text chunks, EXIF (TIFF) blobs, XMP packets, the
image size and whether it has alpha, PNG IDAT positions (for the stealth probe) and a hint that
a C2PA manifest is embedded. Image data is never decoded, nor even copied. Damage becomes an
error entry and the walk stops or skips, keeping what was found before it.

Where the metadata sits:

- JPEG: EXIF and XMP in APP1 (extended XMP split over several APP1 segments, joined by GUID and
  offset); C2PA as JUMBF in APP11. Only segments before the first scan are read.
- PNG: ``tEXt``/``zTXt``/``iTXt`` (XMP under the keyword ``XML:com.adobe.xmp``), ``eXIf``, C2PA
  in ``caBX``. Text chunks count wherever they sit: ComfyUI's animated PNGs put ``comf`` chunks
  after IDAT, and Midjourney's text may follow IDAT too. ImageMagick and GIMP 2.10 store EXIF
  and XMP as hex text under ``Raw profile type exif`` / ``xmp`` / ``APP1`` (ImageMagick's
  ``png.c``: a newline, the profile name, a newline, the byte count right-aligned in 8
  characters, a newline, then the bytes as hex, 72 digits a line); they are decoded and read
  like the binary chunks. Keywords are matched case-insensitively.
- WebP: ``EXIF``, ``XMP `` and ``C2PA`` chunks; size and alpha from ``VP8X``/``VP8L``/``VP8 ``.
- GIF: XMP in the ``XMP DataXMP`` application extension, C2PA in a ``C2PA`` one.
- TIFF: the whole file is the EXIF blob (XMP in tag 0x02BC, read by ``exif``).
- HEIF/HEIC/AVIF: the ISO-BMFF boxes, read by ``bmff``.
- Anything else: a loose ``<x:xmpmeta>`` packet, and the bytes "c2pa" as a C2PA hint.
"""

from __future__ import annotations

import struct
import zlib

from .state import MAX_TEXT_BYTES, MAX_XMP_BYTES, Scan, decode_text

_WEBP_WANTED = frozenset({b"VP8X", b"VP8L", b"VP8 ", b"EXIF", b"XMP "})
_XMP_APP1 = b"http://ns.adobe.com/xap/1.0/\x00"
_XMP_EXT_APP1 = b"http://ns.adobe.com/xmp/extension/\x00"
_RAW_PROFILE = "raw profile type "


def walk_jpeg(scan: Scan) -> None:
    extended: dict[bytes, dict[int, bytes]] = {}
    problem = _jpeg_segments(scan, extended)
    if problem:
        scan.errors.append(problem)
    for parts in extended.values():
        packet = b"".join(parts[k] for k in sorted(parts))
        scan.xmp.append(("JPEG extended XMP", packet))


def _jpeg_segments(scan: Scan, extended: dict[bytes, dict[int, bytes]]) -> str | None:
    """Collect metadata segments up to the first scan; return what was wrong, if anything."""
    data, pos, end = scan.data, 2, len(scan.data)
    while pos < end:
        if data[pos] != 0xFF:
            return f"JPEG segment structure is broken at byte {pos}"
        while pos < end and data[pos] == 0xFF:
            pos += 1
        if pos >= end:
            break
        marker = data[pos]
        pos += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD7:
            continue
        if marker == 0xD9:
            return None
        length = int.from_bytes(data[pos : pos + 2], "big") if pos + 2 <= end else 0
        if length < 2 or pos + length > end:
            return f"JPEG segment 0x{marker:02X} at byte {pos - 2} runs past the end of the file"
        payload = data[pos + 2 : pos + length]
        pos += length
        if marker == 0xDA:
            # Metadata precedes the scan; only look for the end marker to spot truncation.
            if data.rfind(b"\xff\xd9", pos) < 0:
                return "JPEG has no end marker (truncated file?)"
            return None
        if marker == 0xE1 and payload.startswith(b"Exif\x00\x00"):
            scan.exif.append(("JPEG APP1", payload[6:]))
        elif marker == 0xE1 and payload.startswith(_XMP_APP1):
            scan.xmp.append(("JPEG APP1", payload[len(_XMP_APP1) :]))
        elif marker == 0xE1 and payload.startswith(_XMP_EXT_APP1):
            body = payload[len(_XMP_EXT_APP1) :]
            if len(body) >= 40:
                offset = int.from_bytes(body[36:40], "big")
                extended.setdefault(body[:32], {})[offset] = body[40:]
        elif marker == 0xEB and payload[:2] == b"JP" and b"c2pa" in payload:
            scan.c2pa_hint = True
    return "JPEG ends before its image data (truncated file?)"


def walk_png(scan: Scan) -> None:
    data, pos, end = scan.data, 8, len(scan.data)
    seen_iend = False
    while pos + 8 <= end:
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        start = pos + 8
        name = ctype.decode("latin-1")
        if length > 0x7FFFFFFF or start + length + 4 > end:
            scan.errors.append(
                f"PNG chunk {name!r} at byte {pos} claims {length} bytes but only "
                f"{max(end - start - 4, 0)} remain (truncated or corrupt file)"
            )
            return
        # Image data is only indexed, never copied: slicing 30 MB of IDAT costs more than
        # the whole walk.
        body = data[start : start + length] if ctype not in (b"IDAT", b"fdAT") else b""
        pos = start + length + 4
        if ctype == b"IHDR" and length >= 13:
            scan.width, scan.height, depth, color, _, _, interlace = struct.unpack(
                ">IIBBBBB", body[:13]
            )
            # Stealth readers need Pillow's RGBA mode, which only colour type 6 gives.
            scan.has_alpha = color == 6
            scan.png_rgba8 = color == 6 and depth == 8 and interlace == 0
        elif ctype == b"IDAT":
            scan.idat.append((start, start + length))
        elif ctype in (b"tEXt", b"zTXt", b"iTXt", b"comf"):
            (crc,) = struct.unpack(">I", data[start + length : start + length + 4])
            if zlib.crc32(ctype + body) != crc:
                scan.errors.append(f"PNG {name} chunk at byte {pos - length - 12} has a bad CRC")
            _png_text(scan, name, body)
        elif ctype == b"eXIf":
            blob = body[6:] if body.startswith(b"Exif\x00\x00") else body
            scan.exif.append(("PNG eXIf", blob))
        elif ctype == b"caBX":
            scan.c2pa_hint = True
        elif ctype == b"IEND":
            seen_iend = True
            break
    if not seen_iend:
        scan.errors.append("PNG ends without an IEND chunk (truncated file?)")


def _png_text(scan: Scan, ctype: str, body: bytes) -> None:
    key_raw, sep, rest = body.partition(b"\x00")
    key = key_raw.decode("latin-1")
    if not sep or not 1 <= len(key_raw) <= 79:
        scan.errors.append(f"PNG {ctype} chunk has no valid keyword; skipped")
        return
    folded = key.lower()
    is_xmp = folded == "xml:com.adobe.xmp"
    is_raw_profile = folded.startswith(_RAW_PROFILE)
    # A hex profile takes two characters a byte, plus its line breaks.
    limit = MAX_XMP_BYTES if is_xmp else 3 * MAX_XMP_BYTES if is_raw_profile else MAX_TEXT_BYTES
    if len(rest) > limit:
        scan.errors.append(
            f"PNG {ctype} chunk {key!r} is {len(rest)} bytes, over the {limit} byte limit; skipped"
        )
        return
    if ctype == "zTXt":
        raw = _inflate(scan, rest[1:], limit, f"PNG zTXt {key!r}")
    elif ctype == "iTXt":
        if len(rest) < 2:
            scan.errors.append(f"PNG iTXt chunk {key!r} is truncated; skipped")
            return
        compressed, tail = rest[0], rest[2:]
        _lang, _, tail = tail.partition(b"\x00")
        _translated, _, text = tail.partition(b"\x00")
        raw = _inflate(scan, text, limit, f"PNG iTXt {key!r}") if compressed else text
    else:
        raw = rest
    if raw is None:
        return
    if is_xmp:
        scan.xmp.append((f"PNG {ctype}", raw))
        return
    if is_raw_profile:
        _raw_profile(scan, f"PNG {ctype} {key!r}", folded[len(_RAW_PROFILE) :].strip(), raw)
        return
    text = raw.decode("latin-1") if ctype == "tEXt" else decode_text(raw)
    scan.texts.append((f"PNG {ctype}", key, text))


def _raw_profile(scan: Scan, where: str, kind: str, text: bytes) -> None:
    """Decode an ImageMagick hex profile and hand EXIF or XMP to their readers."""
    if kind not in ("exif", "xmp", "app1"):
        return  # ICC, IPTC IIM and 8BIM profiles say nothing about the origin here
    header = text.lstrip(b"\n\r ").split(b"\n", 2)
    if len(header) < 3 or not header[1].strip().isdigit():
        scan.errors.append(f"{where} has no valid profile header; skipped")
        return
    size = int(header[1].strip())
    digits = bytes(ch for ch in header[2] if ch not in b" \t\r\n")
    if size > MAX_XMP_BYTES or len(digits) < 2 * size:
        scan.errors.append(f"{where} is truncated or over {MAX_XMP_BYTES} bytes; skipped")
        return
    try:
        blob = bytes.fromhex(digits[: 2 * size].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        scan.errors.append(f"{where} is not valid hexadecimal; skipped")
        return
    label = f"PNG raw profile {kind}"
    if blob.startswith(b"Exif\x00\x00"):
        scan.exif.append((label, blob[6:]))
    elif blob.startswith(_XMP_APP1):
        scan.xmp.append((label, blob[len(_XMP_APP1) :]))
    elif kind == "exif" and blob[:2] in (b"II", b"MM"):
        scan.exif.append((label, blob))
    elif kind == "xmp" or b"<x:xmpmeta" in blob[:4096]:
        scan.xmp.append((label, blob))


def _inflate(scan: Scan, raw: bytes, limit: int, what: str) -> bytes | None:
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(raw, limit + 1)
    except zlib.error as exc:
        scan.errors.append(f"{what} does not decompress ({exc}); skipped")
        return None
    if len(out) > limit:
        scan.errors.append(f"{what} decompresses to over {limit} bytes; skipped")
        return None
    return out


def walk_webp(scan: Scan) -> None:
    data, end = scan.data, len(scan.data)
    (riff_size,) = struct.unpack("<I", data[4:8])
    if riff_size + 8 > end:
        scan.errors.append("WebP is shorter than its RIFF header says (truncated file?)")
    pos = 12
    while pos + 8 <= end:
        fourcc, size = struct.unpack("<4sI", data[pos : pos + 8])
        start = pos + 8
        if start + size > end:
            scan.errors.append(
                f"WebP chunk {fourcc.decode('latin-1')!r} at byte {pos} runs past the end "
                "of the file"
            )
            return
        # The bitstream chunks only lend their headers; metadata chunks are read whole.
        wanted = 16 if fourcc in (b"VP8 ", b"VP8L") else size
        body = data[start : start + wanted] if fourcc in _WEBP_WANTED else b""
        pos = start + size + (size & 1)
        if fourcc == b"VP8X" and size >= 10:
            scan.has_alpha = bool(body[0] & 0x10)
            scan.width = 1 + int.from_bytes(body[4:7], "little")
            scan.height = 1 + int.from_bytes(body[7:10], "little")
        elif fourcc == b"VP8L" and size >= 5 and body[0] == 0x2F:
            bits = int.from_bytes(body[1:5], "little")
            scan.width, scan.height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            scan.has_alpha = scan.has_alpha or bool(bits >> 28 & 1)
        elif fourcc == b"VP8 " and size >= 10:
            scan.width = int.from_bytes(body[6:8], "little") & 0x3FFF
            scan.height = int.from_bytes(body[8:10], "little") & 0x3FFF
        elif fourcc == b"ALPH":
            scan.has_alpha = True
        elif fourcc == b"EXIF":
            blob = body[6:] if body.startswith(b"Exif\x00\x00") else body
            scan.exif.append(("WebP EXIF", blob))
        elif fourcc == b"XMP ":
            scan.xmp.append(("WebP XMP", body))
        elif fourcc == b"C2PA":
            scan.c2pa_hint = True


def walk_gif(scan: Scan) -> None:
    data, end = scan.data, len(scan.data)
    if end < 13:
        scan.errors.append("GIF is truncated inside its header")
        return
    flags = data[10]
    pos = 13 + (3 * (2 << (flags & 7)) if flags & 0x80 else 0)
    while pos < end:
        block = data[pos]
        if block == 0x3B:
            return
        if block == 0x21 and pos + 2 <= end:
            label = data[pos + 1]
            pos += 2
            if label == 0xFF and pos < end and data[pos] == 11:
                ident = data[pos + 1 : pos + 12]
                if ident == b"XMP DataXMP":
                    _gif_xmp(scan, pos + 12)
                elif ident.startswith(b"C2PA"):
                    scan.c2pa_hint = True
            pos = _skip_sub_blocks(scan, pos)
        elif block == 0x2C and pos + 10 <= end:
            packed = data[pos + 9]
            pos += 10 + (3 * (2 << (packed & 7)) if packed & 0x80 else 0) + 1
            pos = _skip_sub_blocks(scan, pos)
        else:
            scan.errors.append(f"GIF block structure is broken at byte {pos}")
            return
        if pos < 0:
            scan.errors.append("GIF ends inside a data block (truncated file?)")
            return
    scan.errors.append("GIF ends without a trailer (truncated file?)")


def _skip_sub_blocks(scan: Scan, pos: int) -> int:
    data, end = scan.data, len(scan.data)
    while pos < end:
        size = data[pos]
        pos += 1 + size
        if size == 0:
            return pos
    return -1


def _gif_xmp(scan: Scan, start: int) -> None:
    # The XMP packet is stored raw, so sub-block lengths are ordinary packet bytes; its
    # 258-byte "magic trailer" follows the closing xpacket PI.
    stop = scan.data.find(b"<?xpacket end", start, start + MAX_XMP_BYTES)
    if stop >= 0:
        close = scan.data.find(b"?>", stop)
        if close >= 0:
            scan.xmp.append(("GIF XMP", scan.data[start : close + 2]))
            return
    close = scan.data.find(b"</x:xmpmeta>", start, start + MAX_XMP_BYTES)
    if close >= 0:
        scan.xmp.append(("GIF XMP", scan.data[start : close + 12]))
    else:
        scan.errors.append("GIF XMP packet has no end within 4 MB; skipped")


def walk_tiff(scan: Scan) -> None:
    scan.exif.append(("TIFF", scan.data))
    scan.c2pa_hint = b"c2pa" in scan.data


def find_loose_xmp(scan: Scan) -> None:
    start = scan.data.find(b"<x:xmpmeta")
    if start >= 0:
        close = scan.data.find(b"</x:xmpmeta>", start, start + MAX_XMP_BYTES)
        if close >= 0:
            scan.xmp.append(("embedded XMP", scan.data[start : close + 12]))
