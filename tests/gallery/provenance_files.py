"""Builders for the provenance tests: every file is made in memory, nothing binary is committed.

Pillow makes the images; raw chunk and segment writers add what Pillow cannot (malformed
chunks, big-endian EXIF, UTF-16 UserComments, GIF XMP, stealth alpha metadata), and c2pa-python
signs manifests with a throwaway two-level certificate chain.
"""

from __future__ import annotations

import datetime
import gzip
import io
import json
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from PIL import Image

IPTC_EXT = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
DST = "http://cv.iptc.org/newscodes/digitalsourcetype/"

A1111 = (
    "a watercolour fox in the snow\n"
    "Negative prompt: blurry, lowres\n"
    "Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 1234, Size: 512x768, "
    "Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Version: v1.10.1"
)
FORGE = A1111.replace("Version: v1.10.1", "Version: f2.0.1v1.10.1-previous-313-g9ef3b2b7")
COMFY_PROMPT = {
    "3": {"class_type": "KSampler", "inputs": {"seed": 1, "steps": 20}},
    "4": {
        "class_type": "CheckpointLoaderSimple",
        "inputs": {"ckpt_name": "sd_xl_base.safetensors"},
    },
}
COMFY_WORKFLOW = {"last_node_id": 9, "nodes": [{"id": 3, "type": "KSampler"}], "links": []}
NOVELAI_COMMENT = {
    "prompt": "1girl, scenery",
    "steps": 28,
    "height": 1216,
    "width": 832,
    "scale": 5.0,
    "seed": 1234,
    "n_samples": 1,
    "noise_schedule": "karras",
    "sampler": "k_euler_ancestral",
    "uc": "lowres",
}
NOVELAI_TEXTS = {
    "Title": "NovelAI generated image",
    "Description": "1girl, scenery",
    "Software": "NovelAI",
    "Source": "NovelAI Diffusion V4 4F4C3B6F",
    "Generation time": "3.2",
    "Comment": json.dumps(NOVELAI_COMMENT),
}
FOOOCUS_PARAMETERS = {
    "prompt": "a castle",
    "negative_prompt": "",
    "full_prompt": ["a castle, cinematic"],
    "performance": "Speed",
    "base_model": "juggernautXL_v8Rundiffusion.safetensors",
    "version": "Fooocus v2.5.5",
}
SWARMUI_PARAMETERS = {
    "sui_image_params": {
        "prompt": "a lighthouse",
        "model": "Flux/flux1-dev-fp8",
        "seed": 305223794,
        "steps": 25,
        "swarm_version": "0.9.1.1",
    }
}
DRAW_THINGS_SETTINGS = {
    "c": "a red bicycle",
    "uc": "",
    "seed": 42,
    "sampler": "DPM++ 2M",
    "steps": 8,
}


# --- images -----------------------------------------------------------------------------------


def image(mode: str = "RGB", size: tuple[int, int] = (16, 16)) -> Image.Image:
    colour = {"RGB": (120, 80, 40), "RGBA": (120, 80, 40, 255), "L": 90, "P": 3}[mode]
    return Image.new(mode, size, colour)


def encode(im: Image.Image, fmt: str, **params: Any) -> bytes:
    buf = io.BytesIO()
    im.save(buf, fmt, **params)
    return buf.getvalue()


# --- PNG --------------------------------------------------------------------------------------


def png_chunk(ctype: bytes, body: bytes, *, crc: int | None = None) -> bytes:
    if crc is None:
        crc = zlib.crc32(ctype + body)
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", crc)


def text_chunk(key: str, value: str) -> bytes:
    return png_chunk(b"tEXt", key.encode("latin-1") + b"\x00" + value.encode("latin-1"))


def ztxt_chunk(key: str, value: str | bytes) -> bytes:
    raw = value.encode("latin-1") if isinstance(value, str) else value
    return png_chunk(b"zTXt", key.encode("latin-1") + b"\x00\x00" + zlib.compress(raw))


def itxt_chunk(key: str, value: str, *, compressed: bool = False) -> bytes:
    raw = value.encode("utf-8")
    if compressed:
        raw = zlib.compress(raw)
    flag = b"\x01\x00" if compressed else b"\x00\x00"
    return png_chunk(b"iTXt", key.encode("latin-1") + b"\x00" + flag + b"\x00\x00" + raw)


def png_chunks(data: bytes) -> list[bytes]:
    """Split a PNG into its raw chunks (each with length, type, body and CRC)."""
    chunks, pos = [], 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        chunks.append(data[pos : pos + 12 + length])
        pos += 12 + length
    return chunks


def png(
    *,
    before_idat: list[bytes] = (),  # type: ignore[assignment]
    after_idat: list[bytes] = (),  # type: ignore[assignment]
    im: Image.Image | None = None,
) -> bytes:
    """A PNG with raw chunks inserted before the first IDAT and after the last one."""
    chunks = png_chunks(encode(im or image(), "PNG"))
    head = [c for c in chunks if c[4:8] not in (b"IDAT", b"IEND")]
    idat = [c for c in chunks if c[4:8] == b"IDAT"]
    return b"".join(
        [b"\x89PNG\r\n\x1a\n", *head, *before_idat, *idat, *after_idat, png_chunk(b"IEND", b"")]
    )


def png_text(**texts: str) -> bytes:
    return png(before_idat=[text_chunk(k, v) for k, v in texts.items()])


# --- EXIF (TIFF) ------------------------------------------------------------------------------


ASCII, UNDEFINED = 2, 7
IMAGE_DESCRIPTION, MAKE, MODEL, SOFTWARE = 0x010E, 0x010F, 0x0110, 0x0131
USER_COMMENT, MAKER_NOTE = 0x9286, 0x927C


def tiff(
    ifd0: dict[int, tuple[int, bytes]] | None = None,
    exif: dict[int, tuple[int, bytes]] | None = None,
    *,
    order: str = "<",
) -> bytes:
    """A minimal TIFF/EXIF blob in either byte order ('<' = II, '>' = MM)."""
    ifd0 = dict(ifd0 or {})
    exif = dict(exif or {})
    if exif:
        ifd0[0x8769] = (4, b"")  # placeholder, patched below
    out = bytearray(b"II" if order == "<" else b"MM")
    out += struct.pack(order + "HI", 42, 8)

    def ifd_size(entries: dict[int, tuple[int, bytes]]) -> int:
        return 2 + 12 * len(entries) + 4

    ifd0_at = 8
    exif_at = ifd0_at + ifd_size(ifd0)
    data_at = exif_at + (ifd_size(exif) if exif else 0)
    blobs = bytearray()

    def write_ifd(entries: dict[int, tuple[int, bytes]]) -> bytes:
        nonlocal blobs
        ifd = bytearray(struct.pack(order + "H", len(entries)))
        for tag in sorted(entries):
            typ, value = entries[tag]
            if tag == 0x8769:
                ifd += struct.pack(order + "HHII", tag, 4, 1, exif_at)
                continue
            if len(value) <= 4:
                ifd += struct.pack(order + "HHI", tag, typ, len(value)) + value.ljust(4, b"\0")
            else:
                at = data_at + len(blobs)
                blobs += value + (b"\0" if len(value) % 2 else b"")
                ifd += struct.pack(order + "HHII", tag, typ, len(value), at)
        ifd += struct.pack(order + "I", 0)
        return bytes(ifd)

    out += write_ifd(ifd0)
    if exif:
        out += write_ifd(exif)
    out += blobs
    return bytes(out)


def ascii_tag(value: str) -> tuple[int, bytes]:
    return ASCII, value.encode("utf-8") + b"\0"


def user_comment(text: str, encoding: str = "utf-16-be") -> tuple[int, bytes]:
    if encoding == "ascii":
        return UNDEFINED, b"ASCII\0\0\0" + text.encode("utf-8")
    if encoding == "none":
        return UNDEFINED, text.encode("utf-8")
    return UNDEFINED, b"UNICODE\0" + text.encode(encoding)


# --- JPEG, WebP, GIF --------------------------------------------------------------------------


def jpeg(
    *, exif: bytes | None = None, xmp: bytes | None = None, segments: list[bytes] = ()
) -> bytes:  # type: ignore[assignment]
    """A baseline JPEG with APP1 EXIF/XMP (and any raw segments) right after SOI."""
    body = encode(image(), "JPEG")
    inserted = []
    if exif is not None:
        inserted.append(jpeg_segment(0xE1, b"Exif\0\0" + exif))
    if xmp is not None:
        inserted.append(jpeg_segment(0xE1, b"http://ns.adobe.com/xap/1.0/\0" + xmp))
    return body[:2] + b"".join(inserted) + b"".join(segments) + body[2:]


def jpeg_segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + struct.pack(">H", len(payload) + 2) + payload


def webp(
    *, exif: bytes | None = None, xmp: bytes | None = None, mode: str = "RGB", **kw: Any
) -> bytes:
    params: dict[str, Any] = {"lossless": True, **kw}
    if exif is not None:
        params["exif"] = exif
    if xmp is not None:
        params["xmp"] = xmp
    return encode(image(mode), "WEBP", **params)


def gif(*, xmp: bytes | None = None) -> bytes:
    """A GIF with an XMP application extension (raw packet plus the 258-byte magic trailer)."""
    data = encode(image("P"), "GIF")
    if xmp is None:
        return data
    flags = data[10]
    table = 3 * (2 << (flags & 7)) if flags & 0x80 else 0
    at = 13 + table
    trailer = b"\x01" + bytes(range(255, -1, -1)) + b"\x00"
    extension = b"\x21\xff\x0bXMP DataXMP" + xmp + trailer
    return data[:at] + extension + data[at:]


# --- XMP --------------------------------------------------------------------------------------


def xmp(body: str, *, namespaces: str = "", about_attributes: str = "") -> bytes:
    """An XMP packet with one rdf:Description holding ``body`` (elements) and attributes."""
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        f'<rdf:Description rdf:about="" {namespaces} {about_attributes}>{body}</rdf:Description>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def iptc_dst_xmp(
    code: str, *, form: str = "element", prefix: str = "Iptc4xmpExt", scheme: str = "http"
) -> bytes:
    uri = f"{scheme}://cv.iptc.org/newscodes/digitalsourcetype/{code}"
    ns = f'xmlns:{prefix}="{IPTC_EXT}"'
    if form == "attribute":
        return xmp("", namespaces=ns, about_attributes=f'{prefix}:DigitalSourceType="{uri}"')
    if form == "resource":
        return xmp(f'<{prefix}:DigitalSourceType rdf:resource="{uri}"/>', namespaces=ns)
    return xmp(f"<{prefix}:DigitalSourceType>{uri}</{prefix}:DigitalSourceType>", namespaces=ns)


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&lol3;</x:xmpmeta>'
)


# --- NovelAI stealth --------------------------------------------------------------------------


def stealth_png(
    payload: str, *, compressed: bool = True, size: tuple[int, int] = (40, 160)
) -> bytes:
    """An RGBA PNG whose alpha LSBs carry ``payload`` the way NovelAI / the webui extension do."""
    return encode(stealth_image(payload, compressed=compressed, size=size), "PNG")


def raw_rgba_png(im: Image.Image, filters: list[int]) -> bytes:
    """Encode an RGBA image by hand, filtering row ``y`` with ``filters[y % len(filters)]``.

    Pillow picks filters itself; this exercises each of PNG's five filter types on purpose.
    """
    width, height = im.size
    raw = im.tobytes()
    stride = width * 4
    rows = [raw[y * stride : (y + 1) * stride] for y in range(height)]
    out = bytearray()
    above = bytes(stride)
    for y, row in enumerate(rows):
        ftype = filters[y % len(filters)]
        line = bytearray([ftype])
        for i, value in enumerate(row):
            left = row[i - 4] if i >= 4 else 0
            up = above[i]
            corner = above[i - 4] if i >= 4 else 0
            if ftype == 0:
                predicted = 0
            elif ftype == 1:
                predicted = left
            elif ftype == 2:
                predicted = up
            elif ftype == 3:
                predicted = (left + up) // 2
            else:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                predicted = left if pa <= pb and pa <= pc else up if pb <= pc else corner
            line.append((value - predicted) & 0xFF)
        out += line
        above = row
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    compressed = zlib.compress(bytes(out))
    idat = [png_chunk(b"IDAT", compressed[i : i + 997]) for i in range(0, len(compressed), 997)]
    return b"".join(
        [b"\x89PNG\r\n\x1a\n", png_chunk(b"IHDR", ihdr), *idat, png_chunk(b"IEND", b"")]
    )


def stealth_image(payload: str, *, compressed: bool = True, size: tuple[int, int]) -> Image.Image:
    magic = b"stealth_pngcomp" if compressed else b"stealth_pnginfo"
    body = gzip.compress(payload.encode()) if compressed else payload.encode()
    bits = "".join(f"{b:08b}" for b in magic) + f"{len(body) * 8:032b}"
    bits += "".join(f"{b:08b}" for b in body)
    im = image("RGBA", size)
    px = im.load()
    width, height = size
    assert len(bits) <= width * height, "image too small for the payload"
    for i, bit in enumerate(bits):
        x, y = divmod(i, height)
        r, g, b, a = px[x, y]
        # Vary the alpha so filtered bytes differ row to row.
        px[x, y] = (r, g, b, ((a - (y * 7) % 64) & ~1) | int(bit))
    return im


# --- C2PA -------------------------------------------------------------------------------------


@dataclass
class SigningChain:
    """PEM chain (leaf, then CA) and the leaf's private key."""

    chain: bytes
    key: bytes


def signing_chain() -> SigningChain:
    """A CA and a leaf with digitalSignature + emailProtection: c2pa refuses self-signed leaves."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.UTC)

    def name(common: str) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COMMON_NAME, common),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Atelier tests"),
            ]
        )

    def usage(*, signing: bool) -> x509.KeyUsage:
        return x509.KeyUsage(
            digital_signature=signing,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=not signing,
            crl_sign=not signing,
            encipher_only=False,
            decipher_only=False,
        )

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Atelier test CA"))
        .issuer_name(name("Atelier test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(usage(signing=False), critical=True)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(name("Atelier test signer"))
        .issuer_name(ca.subject)
        .public_key(leaf_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage(signing=True), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    return SigningChain(
        chain=leaf.public_bytes(pem) + ca.public_bytes(pem),
        key=leaf_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )


def c2pa_signed(
    source: bytes,
    mime: str,
    chain: SigningChain,
    actions: list[dict[str, Any]],
    *,
    generator: str = "Atelier test generator",
) -> bytes:
    """Sign ``source`` offline; the first of ``actions`` must be c2pa.created or c2pa.opened."""
    import c2pa

    manifest = {
        "claim_generator_info": [{"name": generator, "version": "1.0"}],
        "title": "test image",
        "assertions": [{"label": "c2pa.actions", "data": {"actions": actions}}],
    }
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain.chain, chain.key, None)
    with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest) as builder:
        dest = io.BytesIO()
        builder.sign(signer, mime, io.BytesIO(source), dest)
    return dest.getvalue()
