"""The state of one scan, the size limits every reader keeps to, and the text helpers they share.

``containers`` fills the raw fields (text chunks, EXIF blobs, XMP packets, image geometry, the
C2PA hint); the readers turn them into evidence and errors through ``Scan.add`` and
``Scan.guarded``, so that every problem becomes an error entry instead of an exception.
"""

from __future__ import annotations

import json
from typing import Any

from .results import Evidence

# Pillow refuses text chunks over 1 MB too; XMP gets more room because Photoshop's
# DocumentAncestors list routinely grows past 1 MB on real artwork.
MAX_TEXT_BYTES = 1024 * 1024
MAX_XMP_BYTES = 4 * 1024 * 1024
VALUE_EXCERPT = 300
# A file rarely carries more than two parameter blocks (PNG text plus an XMP copy); more is noise.
MAX_PARAMETER_BLOCKS = 4


class Scan:
    """State of one scan: the raw metadata found by the container walkers, then the analysis."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.fmt = "unknown"
        self.evidence: list[Evidence] = []
        self.parameters: list[dict[str, str]] = []  # generators' settings (``parameters``)
        self.errors: list[str] = []
        self.c2pa: dict[str, Any] | None = None
        self.credentials: dict[str, Any] | None = None
        self.c2pa_hint = False
        self.texts: list[tuple[str, str, str]] = []  # (container label, key, value)
        self.exif: list[tuple[str, bytes]] = []  # (where, TIFF bytes)
        self.xmp: list[tuple[str, bytes]] = []
        self.remote_manifest: str | None = None
        self.width = self.height = 0
        self.has_alpha = False  # an RGBA image that could carry alpha-channel metadata
        self.png_rgba8 = False  # non-interlaced 8-bit RGBA: the cheap stealth probe applies
        self.idat: list[tuple[int, int]] = []

    def add(self, source: str, field_: str, value: str, kind: str, summary: str) -> None:
        self.evidence.append(Evidence(source, field_, excerpt(value), kind, summary))

    def add_parameters(self, where: str, params: dict[str, str] | None) -> None:
        """Keep one generator block's parameters (bounded count, exact repeats dropped)."""
        if not params or len(self.parameters) >= MAX_PARAMETER_BLOCKS:
            return
        if any({**p, "where": where} == {**params, "where": where} for p in self.parameters):
            return
        self.parameters.append({**params, "where": where})

    def guarded(self, what: str, fn: Any, *args: Any) -> None:
        # One broken reader must not hide what the others found.
        try:
            fn(*args)
        except Exception as exc:
            self.errors.append(f"{what} could not be read: {exc.__class__.__name__}: {exc}")


def excerpt(value: str) -> str:
    value = value.replace("\x00", "").strip()
    return value if len(value) <= VALUE_EXCERPT else value[: VALUE_EXCERPT - 1] + "…"


def json_object(text: str) -> dict[str, Any] | None:
    """Parse the first JSON object in ``text`` (some writers concatenate several)."""
    text = text.strip()
    if not text.startswith("{"):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def decode_text(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
