"""EXIF: a bounded reader for TIFF directories, and what their fields say about the file's origin.

Only IFD0 and the EXIF sub-IFD are read, and only the tags used here (``_EXIF_WANTED``).
Human evidence comes from Make/Model and Software (``human``); AI evidence from ComfyUI's graphs
in Make/Model/ImageDescription/DocumentName, a Midjourney job ID in ImageDescription, and
generators' parameters in UserComment (``generators``). UserComment's character code is
decoded as the writers met in practice set it: piexif's ``UNICODE\\0`` + UTF-16 in either byte
order, ASCII, JIS, or (Pillow, for Fooocus) no code at all.
"""

from __future__ import annotations

import struct

from . import generators, human
from .state import MAX_TEXT_BYTES, Scan, decode_text

# ImageDescription, Make, Model, Software, XMP (in TIFF files), ExifIFD, MakerNote, UserComment.
_EXIF_WANTED = frozenset({0x010D, 0x010E, 0x010F, 0x0110, 0x0131, 0x02BC, 0x8769, 0x927C, 0x9286})
_TIFF_TYPE_SIZE = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}


def analyze_exif(scan: Scan, where: str, blob: bytes) -> None:
    tags = _parse_tiff(blob, scan.errors, where)
    if where == "TIFF" and 0x02BC in tags:
        scan.xmp.append(("TIFF XMP", tags[0x02BC][1]))  # analysed after all EXIF

    def text(tag: int) -> str:
        return decode_text(tags[tag][1]).strip("\x00 ") if tag in tags else ""

    make, model = text(0x010F), text(0x0110)
    comfy = False
    for tag, label in (
        (0x0110, "Model"),
        (0x010F, "Make"),
        (0x010E, "ImageDescription"),
        (0x010D, "DocumentName"),
    ):
        if generators.comfy_exif(scan, f"EXIF {label}", text(tag)):
            comfy = True
    if not comfy:
        human.camera(scan, "EXIF Make/Model", make, model)
    software = text(0x0131)
    if software:
        human.software(scan, "EXIF Software", software)
    generators.midjourney_job(scan, "EXIF ImageDescription", text(0x010E))
    maker_note = tags.get(0x927C, (0, b""))[1].strip(b"\x00 ")
    fooocus_hint = maker_note.lower() in (b"fooocus", b"a1111") or software.lower().startswith(
        "fooocus"
    )
    if 0x9286 in tags:
        comment = _decode_user_comment(tags[0x9286][1], tags[0x9286][2])
        if comment:
            generators.generation_text(scan, "EXIF UserComment", comment, fooocus_hint=fooocus_hint)


def _parse_tiff(blob: bytes, errors: list[str], where: str) -> dict[int, tuple[int, bytes, str]]:
    """Read IFD0 and the EXIF sub-IFD into {tag: (type, raw value bytes, byte order)}."""
    if len(blob) < 8 or blob[:2] not in (b"II", b"MM"):
        errors.append(f"EXIF in {where} has no valid TIFF header; skipped")
        return {}
    order = "<" if blob[:2] == b"II" else ">"
    (magic, ifd0) = struct.unpack(order + "HI", blob[2:8])
    if magic != 42:
        errors.append(f"EXIF in {where} is not classic TIFF; skipped")
        return {}
    tags: dict[int, tuple[int, bytes, str]] = {}
    seen: set[int] = set()
    queue = [ifd0]
    while queue:
        offset = queue.pop()
        if offset in seen or offset < 8 or offset + 2 > len(blob):
            if offset not in seen and offset:
                errors.append(f"EXIF in {where} points outside itself; part skipped")
            continue
        seen.add(offset)
        (count,) = struct.unpack(order + "H", blob[offset : offset + 2])
        if count > 1000 or offset + 2 + 12 * count > len(blob):
            errors.append(f"EXIF in {where} has a damaged directory; part skipped")
            count = max(0, min(count, (len(blob) - offset - 2) // 12))
        for i in range(count):
            entry = offset + 2 + 12 * i
            tag, typ, n = struct.unpack(order + "HHI", blob[entry : entry + 8])
            if tag not in _EXIF_WANTED:
                continue
            size = _TIFF_TYPE_SIZE.get(typ, 0) * n
            if size <= 4:
                raw = blob[entry + 8 : entry + 8 + size]
            else:
                (at,) = struct.unpack(order + "I", blob[entry + 8 : entry + 12])
                if size > MAX_TEXT_BYTES or at + size > len(blob):
                    errors.append(f"EXIF tag 0x{tag:04X} in {where} is out of bounds; skipped")
                    continue
                raw = blob[at : at + size]
            if tag == 0x8769 and typ in (4, 13) and len(raw) == 4:
                queue.append(struct.unpack(order + "I", raw)[0])
            else:
                tags.setdefault(tag, (typ, raw, order))
    return tags


def _decode_user_comment(raw: bytes, order: str) -> str:
    """Decode EXIF UserComment: an 8-byte character code, then text (or no code at all)."""
    prefix, body = raw[:8], raw[8:]
    if prefix == b"UNICODE\x00":
        if body.startswith((b"\xfe\xff", b"\xff\xfe")):
            return body.decode("utf-16", "replace").strip("\x00 ")
        head = body[:400]
        even_zeros, odd_zeros = head[0::2].count(0), head[1::2].count(0)
        if even_zeros != odd_zeros:
            # ASCII-heavy text shows its zero high bytes: first in BE, second in LE.
            codec = "utf-16-be" if even_zeros > odd_zeros else "utf-16-le"
        else:
            codec = "utf-16-be" if order == ">" else "utf-16-le"
        return body.decode(codec, "replace").strip("\x00 ")
    if prefix == b"ASCII\x00\x00\x00" or prefix == b"\x00" * 8:
        return decode_text(body).strip("\x00 ")
    if prefix == b"JIS\x00\x00\x00\x00\x00":
        return body.decode("shift_jis", "replace").strip("\x00 ")
    return decode_text(raw).strip("\x00 ")
