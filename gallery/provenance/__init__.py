"""Provenance evidence read from an image file's own metadata: the seam for "who or what made this".

Pure Python (no Django, never any network access). ``scan_bytes`` walks the container's
chunks, segments or boxes itself (JPEG, PNG, WebP, GIF, TIFF, HEIF/HEIC/AVIF) and reads only
metadata, so no pixels are decoded; the one exception is NovelAI's "stealth" metadata hidden
in the alpha channel, probed cheaply from the first pixel column of RGBA PNGs and only decoded
in full (size-bounded) when its magic is there. Every reader bounds what it reads, and every
problem becomes an entry in ``ScanResult.errors`` instead of an exception.

The package, in the order a scan uses it (each module's docstring names its sources):

- ``results``: ``Evidence``, ``ScanResult``, the verdict and kind constants, ``combine``,
  ``contradicts``.
- ``state``: the ``Scan`` one file's readers share, size limits, text helpers.
- ``containers``: the JPEG/PNG/WebP/GIF/TIFF walkers collecting raw metadata (PNG hex
  "Raw profile" EXIF/XMP included).
- ``bmff``: the HEIF/HEIC/AVIF box walker (EXIF and XMP items, the C2PA ``uuid`` box).
- ``exif``: TIFF directory parsing and the EXIF fields that count.
- ``xmp``: safe XMP parsing, IPTC digital source type and AI system fields.
- ``generators``: AI generators' own metadata (A1111/Forge, ComfyUI, InvokeAI, NovelAI,
  Fooocus, SwarmUI, Draw Things, Midjourney, TensorArt), and generation-parameter JSON from
  any other tool, recognised by its content.
- ``parameters``: the prompt, seed, model and sampler settings in those generators' blocks.
- ``human``: cameras and the applications named in Software/CreatorTool fields.
- ``c2pa_reader``: C2PA manifests through c2pa-python, with remote fetch and OCSP off.
- ``stealth``: alpha-channel ("stealth") metadata, the only pixel decoding.

Verdict rules. Any AI evidence outranks human evidence; no evidence is never "human". Human
evidence is a camera's EXIF Make/Model, a drawing or editing application named in EXIF Software,
XMP CreatorTool or PNG Software, or a human IPTC/C2PA digital source type. ``algorithmicMedia``
is recorded as information only: IPTC defines it as made without trained models. A C2PA manifest
signed by a certificate outside any trust list (every manifest, here: no trust list is loaded)
still counts, reported as "untrusted". A manifest that fails validation keeps its AI claims (a
producer said so) but not its human ones (anyone can damage a copy into saying anything).
``trainedAlgorithmicMedia`` on an action other than ``c2pa.created``/``c2pa.opened`` (e.g.
Photoshop's Generative Fill on ``c2pa.edited``) means AI-assisted. Free text that merely
mentions AI (a title, an ImageDescription) is never evidence: only the structured fields above
count.
"""

from __future__ import annotations

import os
from typing import BinaryIO

from . import bmff, c2pa_reader, containers, exif, generators, stealth, xmp
from .c2pa_reader import set_trust_anchors, trust_anchors
from .results import (
    KIND_AI_ASSISTED,
    KIND_AI_GENERATED,
    KIND_HUMAN,
    KIND_INFO,
    VERDICT_AI_ASSISTED,
    VERDICT_AI_GENERATED,
    VERDICT_HUMAN,
    VERDICT_NONE,
    Evidence,
    ScanResult,
    combine,
    contradicts,
    verdict_of,
)
from .state import MAX_TEXT_BYTES, MAX_XMP_BYTES, VALUE_EXCERPT, Scan
from .stealth import STEALTH_MAX_PIXELS
from .xmp import IPTC_EXT_NS

__all__ = [
    "IPTC_EXT_NS",
    "KIND_AI_ASSISTED",
    "KIND_AI_GENERATED",
    "KIND_HUMAN",
    "KIND_INFO",
    "MAX_FILE_BYTES",
    "MAX_TEXT_BYTES",
    "MAX_XMP_BYTES",
    "READER_VERSION",
    "STEALTH_MAX_PIXELS",
    "VALUE_EXCERPT",
    "VERDICT_AI_ASSISTED",
    "VERDICT_AI_GENERATED",
    "VERDICT_HUMAN",
    "VERDICT_NONE",
    "Evidence",
    "ScanResult",
    "combine",
    "contradicts",
    "scan_bytes",
    "scan_file",
    "set_trust_anchors",
    "trust_anchors",
]

MAX_FILE_BYTES = 512 * 1024 * 1024

# Raised whenever a change to the readers can change a verdict or its evidence; stored with
# each image's scan (ArtworkImage.provenance_reader_version) so ``manage.py provenance_rescan``
# re-reads only images scanned by an older reader. 1: the first reader (stored as 0 on rows
# scanned before versions were kept). 2: generation JSON by content, TensorArt, PNG raw
# profiles, case-insensitive keys, HEIF/AVIF.
READER_VERSION = 2

_WALKERS = (
    (b"\xff\xd8\xff", "jpeg", containers.walk_jpeg),
    (b"\x89PNG\r\n\x1a\n", "png", containers.walk_png),
    (b"GIF87a", "gif", containers.walk_gif),
    (b"GIF89a", "gif", containers.walk_gif),
    (b"II*\x00", "tiff", containers.walk_tiff),
    (b"MM\x00*", "tiff", containers.walk_tiff),
)


def scan_file(path_or_fileobj: str | os.PathLike[str] | BinaryIO) -> ScanResult:
    """Scan a file given by path or an open binary file object (read from its current position).

    Never raises for unreadable input: a missing or unreadable file gives a ``no-evidence``
    result whose ``errors`` say why. Files over 512 MB are refused the same way.
    """
    try:
        if isinstance(path_or_fileobj, (str, os.PathLike)):
            with open(path_or_fileobj, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        else:
            data = path_or_fileobj.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as exc:  # ValueError: a closed file object
        reason = getattr(exc, "strerror", None) or str(exc) or exc.__class__.__name__
        return ScanResult(verdict=VERDICT_NONE, errors=[f"could not read the file: {reason}"])
    if not isinstance(data, (bytes, bytearray)):
        return ScanResult(verdict=VERDICT_NONE, errors=["the file object did not return bytes"])
    if len(data) > MAX_FILE_BYTES:
        return ScanResult(verdict=VERDICT_NONE, errors=["file is larger than 512 MB; not scanned"])
    return scan_bytes(bytes(data))


def scan_bytes(data: bytes) -> ScanResult:
    """Read provenance evidence from a file's bytes, without decoding the image.

    Returns the verdict, the evidence that led to it, problems met on the way (malformed
    chunks, refused XML, unreadable manifests) and a C2PA summary when a manifest was read.
    Never raises on malformed input and never touches the network.
    """
    scan = Scan(bytes(data))
    try:
        _run(scan)
    except Exception as exc:  # a bug here must not fail an upload; it is reported instead
        scan.errors.append(f"provenance reader failed: {exc.__class__.__name__}: {exc}")
    evidence = _dedupe(scan.evidence)
    # Stored in PostgreSQL JSON, which refuses NUL characters.
    errors = [error.replace("\x00", "") for error in scan.errors]
    return ScanResult(
        verdict=verdict_of(evidence),
        evidence=evidence,
        errors=errors,
        c2pa=scan.c2pa,
        credentials=scan.credentials,
        parameters=scan.parameters,
    )


def _run(scan: Scan) -> None:
    """Walk the container, then read what it collected; each reader's failure is contained."""
    data = scan.data
    if not data:
        scan.errors.append("the file is empty")
        return
    for magic, fmt, walker in _WALKERS:
        if data.startswith(magic):
            scan.fmt = fmt
            scan.guarded(f"the {fmt.upper()} structure", walker, scan)
            break
    else:
        if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
            scan.fmt = "webp"
            scan.guarded("the WebP structure", containers.walk_webp, scan)
        elif fmt := bmff.brand(data):
            scan.fmt = fmt
            scan.guarded(f"the {fmt.upper()} structure", bmff.walk_bmff, scan)
        else:
            scan.errors.append(
                "not a JPEG, PNG, WebP, GIF or TIFF file, nor HEIF/AVIF; only embedded XMP "
                "and C2PA were looked for"
            )
            containers.find_loose_xmp(scan)
            scan.c2pa_hint = b"c2pa" in data
    scan.guarded("text metadata", generators.analyze_texts, scan)
    for where, blob in scan.exif:
        scan.guarded(f"EXIF ({where})", exif.analyze_exif, scan, where, blob)
    for where, packet in scan.xmp:
        scan.guarded(f"XMP ({where})", xmp.analyze_xmp, scan, where, packet)
    if scan.c2pa_hint:
        scan.guarded("the C2PA manifest", c2pa_reader.read_c2pa, scan)
    if scan.has_alpha and scan.fmt in ("png", "webp"):
        scan.guarded("alpha-channel metadata", stealth.probe_stealth, scan)


def _dedupe(evidence: list[Evidence]) -> list[Evidence]:
    seen: set[tuple[str, str, str]] = set()
    out = []
    for e in evidence:
        key = (e.source, e.field, e.value)
        if key not in seen:
            seen.add(key)
            out.append(e)
    return out
