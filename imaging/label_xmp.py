"""The label packet: the small XMP we write into every public derivative, and nothing else.

Derivatives leave `render` with no metadata at all; this module adds back exactly what the
site states about the post (issue 14, point 6): IPTC ``Iptc4xmpExt:DigitalSourceType``,
``dc:creator``, ``xmpRights:WebStatement`` and, when the artist reserves AI training, IPTC
PLUS ``plus:DataMining`` and ``plus:OtherConstraints``.

`with_packet` puts a packet into an already encoded JPEG or WebP without decoding it, so a
relabel rewrites the packet and leaves the pixels byte for byte as they were:
- JPEG: one APP1 segment ``http://ns.adobe.com/xap/1.0/\\0`` + packet (XMP spec part 3,
  1.1.3), after SOI and any APP0 (JFIF); earlier XMP APP1 segments are dropped.
- WebP: an ``XMP `` chunk after the image data, and the XMP bit of the ``VP8X`` header set
  (RIFF container spec, "Extended file format"); a simple file gets a VP8X header first.
Derivatives are never PNG (render writes JPEG and WebP only), so PNG's iTXt
``XML:com.adobe.xmp`` is not written here.
"""

from __future__ import annotations

import struct
from xml.sax.saxutils import escape, quoteattr

IPTC_DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"
DMI_PROHIBITED_AIML = "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-AIMLTRAINING"
_XMP_APP1 = b"http://ns.adobe.com/xap/1.0/\x00"
_VP8X_XMP = 0x04
_VP8X_ALPHA = 0x10


class PacketError(ValueError):
    """The file is not a JPEG or WebP this module can put a packet into."""


def label_packet(
    *,
    source_type: str,
    creator: str,
    web_statement: str,
    ai_training_reserved: bool,
    constraints: str = "",
) -> bytes:
    """An XMP packet (UTF-8, with xpacket wrapper) stating the post's label and rights.

    ``source_type`` is an IPTC digital source type code (``digitalCreation``) or its full URI.
    ``constraints`` is the ``plus:OtherConstraints`` text, written only with
    ``ai_training_reserved``.
    """
    uri = source_type if "://" in source_type else IPTC_DST + source_type
    mining = ""
    if ai_training_reserved:
        mining = (
            f"   <plus:DataMining>{escape(DMI_PROHIBITED_AIML)}</plus:DataMining>\n"
            '   <plus:OtherConstraints><rdf:Alt><rdf:li xml:lang="x-default">'
            f"{escape(constraints)}</rdf:li></rdf:Alt></plus:OtherConstraints>\n"
        )
    body = (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>\n'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/">\n'
        ' <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">\n'
        '  <rdf:Description rdf:about=""\n'
        '    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"\n'
        '    xmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '    xmlns:xmpRights="http://ns.adobe.com/xap/1.0/rights/"\n'
        '    xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/"\n'
        f"    Iptc4xmpExt:DigitalSourceType={quoteattr(uri)}\n"
        f"    xmpRights:WebStatement={quoteattr(web_statement)}>\n"
        f"   <dc:creator><rdf:Seq><rdf:li>{escape(creator)}</rdf:li></rdf:Seq></dc:creator>\n"
        f"{mining}"
        "  </rdf:Description>\n"
        " </rdf:RDF>\n"
        "</x:xmpmeta>\n"
        '<?xpacket end="w"?>'
    )
    return body.encode("utf-8")


def with_packet(data: bytes, packet: bytes) -> bytes:
    """``data`` (a JPEG or WebP) with ``packet`` as its only XMP; pixels untouched.

    Raises PacketError for other formats or a structure it cannot walk.
    """
    if data.startswith(b"\xff\xd8"):
        return _jpeg_with(data, packet)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_with(data, packet)
    raise PacketError("only JPEG and WebP derivatives carry a label packet")


def _jpeg_with(data: bytes, packet: bytes) -> bytes:
    if len(_XMP_APP1) + len(packet) + 2 > 0xFFFF:
        raise PacketError("the packet does not fit one APP1 segment")
    pos, kept, insert_at = 2, [], None
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise PacketError("malformed JPEG segment")
        marker = data[pos + 1]
        if marker in (0xDA, 0xD9):  # start of scan: the rest is entropy-coded data
            break
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segment = data[pos : pos + 2 + length]
        if marker == 0xE1 and segment[4:].startswith(_XMP_APP1):
            pos += 2 + length
            continue
        kept.append(segment)
        if marker == 0xE0:
            insert_at = len(kept)
        pos += 2 + length
    else:
        raise PacketError("JPEG without image data")
    app1 = b"\xff\xe1" + struct.pack(">H", 2 + len(_XMP_APP1) + len(packet)) + _XMP_APP1 + packet
    at = insert_at if insert_at is not None else 0
    return b"\xff\xd8" + b"".join(kept[:at]) + app1 + b"".join(kept[at:]) + data[pos:]


def _webp_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    (size,) = struct.unpack("<I", data[4:8])
    end, pos, chunks = min(len(data), 8 + size), 12, []
    while pos + 8 <= end:
        fourcc = data[pos : pos + 4]
        (length,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        if pos + 8 + length > end:
            raise PacketError("WebP chunk runs past the end of the file")
        chunks.append((fourcc, data[pos + 8 : pos + 8 + length]))
        pos += 8 + length + (length & 1)
    return chunks


def _webp_with(data: bytes, packet: bytes) -> bytes:
    chunks = [(c, body) for c, body in _webp_chunks(data) if c != b"XMP "]
    if not chunks:
        raise PacketError("WebP without image data")
    if chunks[0][0] != b"VP8X":
        chunks.insert(0, (b"VP8X", _vp8x_for(chunks[0])))
    header = bytearray(chunks[0][1])
    header[0] |= _VP8X_XMP
    chunks[0] = (b"VP8X", bytes(header))
    chunks.append((b"XMP ", packet))
    out = b"".join(
        fourcc + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")
        for fourcc, body in chunks
    )
    return b"RIFF" + struct.pack("<I", 4 + len(out)) + b"WEBP" + out


def _vp8x_for(chunk: tuple[bytes, bytes]) -> bytes:
    """The VP8X header a simple (VP8 or VP8L only) WebP needs before it can carry XMP."""
    fourcc, body = chunk
    alpha = False
    if fourcc == b"VP8 " and len(body) >= 10 and body[3:6] == b"\x9d\x01\x2a":
        width, height = (struct.unpack("<H", body[i : i + 2])[0] & 0x3FFF for i in (6, 8))
    elif fourcc == b"VP8L" and len(body) >= 5 and body[0] == 0x2F:
        bits = int.from_bytes(body[1:5], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
        alpha = bool(bits >> 28 & 1)
    else:
        raise PacketError("unrecognised WebP image chunk")
    flags = _VP8X_ALPHA if alpha else 0
    return (
        bytes([flags, 0, 0, 0])
        + (width - 1).to_bytes(3, "little")
        + (height - 1).to_bytes(3, "little")
    )
