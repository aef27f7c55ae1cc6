"""HEIF/HEIC/AVIF files (ISO base media file format): EXIF, XMP and the C2PA hint from the boxes.

A HEIF still image (ISO/IEC 23008-12; AVIF is the same structure with AV1 pictures) is a list
of boxes: ``ftyp`` names the brands, ``meta`` describes the items, ``mdat`` holds their bytes.
Inside ``meta`` (a full box), ``iinf`` lists the items (``infe`` entries: id, type, and for
type ``mime`` a content type), ``iloc`` says where each item's bytes are (file offsets, or
offsets into the ``idat`` box), and ``idat`` may hold small items itself. Metadata items are:

- ``Exif``: a 4-byte offset to the TIFF header, then (Apple writes it) ``Exif\\0\\0`` and TIFF.
- ``mime`` with content type ``application/rdf+xml``: an XMP packet.

C2PA (spec 2.x, "Embedding manifests into BMFF-based assets") puts the manifest store in a
top-level ``uuid`` box with the C2PA UUID; it is only noted here (``Scan.c2pa_hint``), and
c2pa-python reads it.

Hostile files: boxes are walked in a flat loop at two known levels (top, ``meta``), never by
recursion; box, item and extent counts are capped; an item's bytes are bounded by the XMP size
limit and by the file itself. Any inconsistency stops that part of the walk with an error entry.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

from .containers import find_loose_xmp
from .state import MAX_XMP_BYTES, Scan

# Major or compatible brands of still images (HEIF, HEIC, AVIF, MIAF); "heic"-branded
# sequences carry their metadata the same way.
_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"mif2", b"msf1",
     b"avif", b"avis", b"miaf"}
)  # fmt: skip
C2PA_UUID = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
_XMP_TYPES = frozenset({"application/rdf+xml", "application/xmp+xml", "text/xml"})
MAX_BOXES = 16384
MAX_ITEMS = 4096
MAX_EXTENTS = 64


class BoxError(ValueError):
    """The box structure is inconsistent; the message says where."""


def brand(data: bytes) -> str | None:
    """Return "avif" or "heif" when ``data`` starts with an ``ftyp`` box naming a still-image
    brand, else None."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return None
    size = int.from_bytes(data[:4], "big")
    if not 16 <= size <= min(len(data), 1024):
        return None
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, size - 3, 4)}
    if not brands & _BRANDS:
        return None
    return "avif" if brands & {b"avif", b"avis"} else "heif"


def walk_bmff(scan: Scan) -> None:
    """Collect EXIF and XMP items and note a C2PA box; stop at the first inconsistency."""
    data = scan.data
    meta = False
    try:
        for kind, start, end in _boxes(data, 0, len(data)):
            if kind == b"meta":
                meta = True
                _meta(scan, start, end)
            elif kind == b"uuid" and data[start : start + 16] == C2PA_UUID:
                scan.c2pa_hint = True
    except BoxError as exc:
        scan.errors.append(f"{scan.fmt.upper()} box structure is broken: {exc}")
    if not meta:
        # No item metadata to go by (a damaged or unusual file): look for what any file
        # could hold, as for unknown containers.
        scan.errors.append(
            "not a JPEG, PNG, WebP, GIF or TIFF file, and its HEIF/AVIF boxes hold no item "
            "metadata; only embedded XMP and C2PA were looked for"
        )
        find_loose_xmp(scan)
        scan.c2pa_hint = scan.c2pa_hint or b"c2pa" in data


def _boxes(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    """Yield (type, payload start, box end) for the boxes in ``data[start:end]``, in order."""
    pos, count = start, 0
    while pos + 8 <= end:
        count += 1
        if count > MAX_BOXES:
            raise BoxError(f"more than {MAX_BOXES} boxes at one level")
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise BoxError(f"box {kind!r} at byte {pos} is truncated")
            (size,) = struct.unpack(">Q", data[pos + 8 : pos + 16])
            header = 16
        elif size == 0:
            size = end - pos  # the last box runs to the end of its container
        if size < header or pos + size > end:
            raise BoxError(f"box {kind!r} at byte {pos} claims {size} bytes, past its container")
        # A uuid box's 16-byte user type stays at the start of its payload for the caller.
        yield kind, pos + header, pos + size
        pos += size


def _meta(scan: Scan, start: int, end: int) -> None:
    data = scan.data
    items: dict[int, str] = {}  # item id -> "exif" or "xmp"
    locations: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    idat: tuple[int, int] | None = None
    for kind, body, box_end in _boxes(data, start + 4, end):  # meta is a full box
        if kind == b"iinf":
            items = _iinf(data, body, box_end)
        elif kind == b"iloc":
            locations = _iloc(data, body, box_end)
        elif kind == b"idat":
            idat = (body, box_end)
    for item_id, what in items.items():
        if item_id not in locations:
            scan.errors.append(f"{scan.fmt.upper()} {what} item {item_id} has no location")
            continue
        method, extents = locations[item_id]
        blob = _item_bytes(data, method, extents, idat)
        if blob is None:
            scan.errors.append(
                f"{scan.fmt.upper()} {what} item {item_id} lies outside the file or is over "
                f"{MAX_XMP_BYTES} bytes; skipped"
            )
            continue
        where = f"{scan.fmt.upper()} {'Exif' if what == 'exif' else 'XMP'} item"
        if what == "xmp":
            scan.xmp.append((where, blob))
            continue
        if len(blob) < 4:
            scan.errors.append(f"{where} is truncated; skipped")
            continue
        tiff = blob[4 + int.from_bytes(blob[:4], "big") :]
        # Writers that give offset 0 leave the "Exif\0\0" prefix in front of the TIFF header.
        scan.exif.append((where, tiff[6:] if tiff.startswith(b"Exif\x00\x00") else tiff))


def _iinf(data: bytes, start: int, end: int) -> dict[int, str]:
    """Item ids of EXIF and XMP items, from the item information box (ISO 14496-12 8.11.6)."""
    version = data[start] if start < end else 0
    pos = start + 4 + (2 if version == 0 else 4)  # full box header, then the entry count
    found: dict[int, str] = {}
    for kind, body, box_end in _boxes(data, pos, end):
        if kind != b"infe" or body + 4 > box_end:
            continue
        if len(found) >= MAX_ITEMS:
            raise BoxError(f"more than {MAX_ITEMS} items")
        infe_version = data[body]
        if infe_version < 2:
            continue  # versions 0 and 1 (no item types) are not used by HEIF
        at = body + 4
        id_size = 2 if infe_version == 2 else 4
        if at + id_size + 6 > box_end:
            raise BoxError("an item entry is truncated")
        item_id = int.from_bytes(data[at : at + id_size], "big")
        at += id_size + 2  # item_protection_index
        item_type = data[at : at + 4]
        at += 4
        _name, at = _cstring(data, at, box_end)
        if item_type == b"Exif":
            found[item_id] = "exif"
        elif item_type == b"mime":
            content_type, at = _cstring(data, at, box_end)
            if content_type.lower().split(";")[0].strip() in _XMP_TYPES:
                found[item_id] = "xmp"
    return found


def _iloc(data: bytes, start: int, end: int) -> dict[int, tuple[int, list[tuple[int, int]]]]:
    """Item locations (ISO 14496-12 8.11.3): id -> (construction method, [(offset, length)])."""
    if start + 6 > end:
        raise BoxError("the item location box is truncated")
    version = data[start]
    pos = start + 4
    sizes = int.from_bytes(data[pos : pos + 2], "big")
    offset_size, length_size = sizes >> 12, (sizes >> 8) & 0xF
    base_size, index_size = (sizes >> 4) & 0xF, (sizes & 0xF if version in (1, 2) else 0)
    if any(n not in (0, 4, 8) for n in (offset_size, length_size, base_size, index_size)):
        raise BoxError("the item location box uses unsupported field sizes")
    pos += 2

    def read(n: int) -> int:
        nonlocal pos
        if pos + n > end:
            raise BoxError("the item location box is truncated")
        value = int.from_bytes(data[pos : pos + n], "big") if n else 0
        pos += n
        return value

    count = read(2 if version < 2 else 4)
    if count > MAX_ITEMS:
        raise BoxError(f"more than {MAX_ITEMS} item locations")
    locations: dict[int, tuple[int, list[tuple[int, int]]]] = {}
    for _ in range(count):
        item_id = read(2 if version < 2 else 4)
        method = read(2) & 0xF if version in (1, 2) else 0
        read(2)  # data_reference_index: 0 means this file
        base = read(base_size)
        extent_count = read(2)
        if extent_count > MAX_EXTENTS:
            raise BoxError(f"item {item_id} has more than {MAX_EXTENTS} extents")
        extents = []
        for _ in range(extent_count):
            read(index_size)
            offset = read(offset_size)
            extents.append((base + offset, read(length_size)))
        locations[item_id] = (method, extents)
    return locations


def _item_bytes(
    data: bytes, method: int, extents: list[tuple[int, int]], idat: tuple[int, int] | None
) -> bytes | None:
    """An item's bytes from its extents: in the file (method 0) or in ``idat`` (method 1)."""
    if method == 0:
        origin, limit = 0, len(data)
    elif method == 1 and idat is not None:
        origin, limit = idat
    else:
        return None  # method 2 (another item's bytes) is never used for metadata
    parts, total = [], 0
    for offset, length in extents:
        begin = origin + offset
        stop = limit if length == 0 else begin + length  # length 0: to the end
        total += stop - begin
        if begin < origin or stop > limit or stop < begin or total > MAX_XMP_BYTES:
            return None
        parts.append(data[begin:stop])
    return b"".join(parts)


def _cstring(data: bytes, start: int, end: int) -> tuple[str, int]:
    stop = data.find(b"\x00", start, end)
    if stop < 0:
        return data[start:end].decode("utf-8", "replace"), end
    return data[start:stop].decode("utf-8", "replace"), stop + 1
