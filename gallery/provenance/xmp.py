"""XMP: safe parsing, the IPTC digital source type and AI fields, and the XMP others rely on.

Packets are parsed with defusedxml and any DTD or entity declaration is refused. Properties are
matched on their namespace URI, never the prefix: Midjourney writes the IPTC extension namespace
with the prefix ``iptcExt``.

IPTC Photo Metadata: ``Iptc4xmpExt:DigitalSourceType`` with codes under
``http://cv.iptc.org/newscodes/digitalsourcetype/`` (cv.iptc.org scheme page). IPTC added
``compositeWithTrainedAlgorithmicMedia`` because ``compositeSynthetic`` ("composite including
synthetic elements") was not specific enough about AI (iptc.org news); we treat both as
AI-assisted, as FACTS.md does. ``algorithmicMedia`` is recorded as information only: IPTC
defines it as made without trained models. IPTC 2025.1 AI fields, same namespace:
``AISystemUsed``, ``AISystemVersionUsed``, ``AIPromptInformation``, ``AIPromptWriterName``.
``dst_meaning`` also reads the digital source types of C2PA actions (``c2pa_reader``).

Other XMP read here: ``xmp:CreatorTool`` (``human.software``), ``exif:UserComment`` and
``dc:description`` (Draw Things, Midjourney: ``generators``), ``tiff:Make``/``Model``
(``human.camera``) and ``dcterms:provenance``, the URL of a remote C2PA manifest.
"""

from __future__ import annotations

import re
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from . import generators, human
from .results import KIND_AI_ASSISTED, KIND_AI_GENERATED, KIND_HUMAN, KIND_INFO
from .state import MAX_XMP_BYTES, Scan, excerpt

IPTC_EXT_NS = "http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
_RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XMP_NS = "http://ns.adobe.com/xap/1.0/"
_DCTERMS_NS = "http://purl.org/dc/terms/"
_DC_NS = "http://purl.org/dc/elements/1.1/"
_EXIF_XMP_NS = "http://ns.adobe.com/exif/1.0/"
_TIFF_XMP_NS = "http://ns.adobe.com/tiff/1.0/"
_RDF_RESOURCE = f"{{{_RDF_NS}}}resource"

_DST_RE = re.compile(
    r"^(?:https?://cv\.iptc\.org/newscodes/digitalsourcetype/|digsrctype:)([A-Za-z]+)/?$",
    re.IGNORECASE,
)
# code -> (kind, words completing "... says it ...")
_DST: dict[str, tuple[str, str]] = {
    "trainedalgorithmicmedia": (KIND_AI_GENERATED, "was made with a generative AI model"),
    "compositewithtrainedalgorithmicmedia": (
        KIND_AI_ASSISTED,
        "combines generative AI output with other material",
    ),
    "compositesynthetic": (KIND_AI_ASSISTED, "is a composite that includes synthetic elements"),
    "algorithmicmedia": (KIND_INFO, "was made by an algorithm that is not generative AI"),
    "algorithmicallyenhanced": (KIND_INFO, "was enhanced by a non-generative algorithm"),
    "digitalcapture": (KIND_HUMAN, "was captured with a digital camera"),
    "computationalcapture": (KIND_HUMAN, "was captured with a camera (multi-frame processing)"),
    "negativefilm": (KIND_HUMAN, "was scanned from a film negative"),
    "positivefilm": (KIND_HUMAN, "was scanned from slide film"),
    "print": (KIND_HUMAN, "was scanned from a print"),
    "minorhumanedits": (KIND_HUMAN, "was edited by a person"),
    "humanedits": (KIND_HUMAN, "was edited by a person"),
    "digitalcreation": (KIND_HUMAN, "was made by a person with digital tools"),
    "digitalart": (KIND_HUMAN, "was made by a person with digital tools"),
    "softwareimage": (KIND_HUMAN, "was made by a person with software"),
    "compositecapture": (KIND_HUMAN, "is a composite of camera captures"),
    "screencapture": (KIND_INFO, "is a screen capture"),
    "virtualrecording": (KIND_INFO, "is a recording of a virtual scene"),
    "datadrivenmedia": (KIND_INFO, "was generated from data"),
    "composite": (KIND_INFO, "is a composite of several elements"),
}
_READ_NS = (IPTC_EXT_NS, _XMP_NS, _DCTERMS_NS, _DC_NS, _EXIF_XMP_NS, _TIFF_XMP_NS)


def analyze_xmp(scan: Scan, where: str, packet: bytes) -> None:
    if len(packet) > MAX_XMP_BYTES:
        scan.errors.append(f"XMP in {where} is over {MAX_XMP_BYTES} bytes; skipped")
        return
    packet = packet.strip(b"\x00 \t\r\n")
    try:
        root = SafeET.fromstring(packet, forbid_dtd=True)
    except DefusedXmlException as exc:
        scan.errors.append(
            f"XMP in {where} was refused: it declares a DTD or entities "
            f"({exc.__class__.__name__}), which is not allowed in XMP"
        )
        return
    except (SafeET.ParseError, ValueError) as exc:
        scan.errors.append(f"XMP in {where} is not well-formed XML ({exc}); skipped")
        return
    props: dict[tuple[str, str], list[str]] = {}
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        ns, local = _split_tag(el.tag)
        if ns in _READ_NS:
            props.setdefault((ns, local), []).extend(_xmp_values(el))
        for attr, value in el.attrib.items():
            ans, alocal = _split_tag(attr)
            if ans in _READ_NS:
                props.setdefault((ans, alocal), []).append(value.strip())
    _xmp_props(scan, {k: [v for v in vs if v] for k, vs in props.items()})


def _xmp_props(scan: Scan, props: dict[tuple[str, str], list[str]]) -> None:
    def get(ns: str, local: str) -> list[str]:
        return props.get((ns, local), [])

    dst_kinds = set()
    for value in get(IPTC_EXT_NS, "DigitalSourceType"):
        kind, words = dst_meaning(value)
        dst_kinds.add(kind)
        scan.add(
            "iptc",
            "XMP Iptc4xmpExt:DigitalSourceType",
            value,
            kind,
            f"The file's IPTC metadata says it {words}",
        )
    ai_kind = (
        KIND_AI_GENERATED if not dst_kinds or dst_kinds & {KIND_AI_GENERATED} else KIND_AI_ASSISTED
    )
    for local in ("AISystemUsed", "AIPromptInformation"):
        for value in get(IPTC_EXT_NS, local):
            summary = (
                f"The file's IPTC metadata names the AI system used: {excerpt(value)}"
                if local == "AISystemUsed"
                else "The file's IPTC metadata records the prompt given to an AI system"
            )
            scan.add("iptc", f"XMP Iptc4xmpExt:{local}", value, ai_kind, summary)
    for local in ("AISystemVersionUsed", "AIPromptWriterName"):
        for value in get(IPTC_EXT_NS, local):
            scan.add(
                "iptc",
                f"XMP Iptc4xmpExt:{local}",
                value,
                KIND_INFO,
                f"IPTC {local}: {excerpt(value)}",
            )
    tools = get(_XMP_NS, "CreatorTool")
    for value in tools:
        human.software(scan, "XMP xmp:CreatorTool", value)
    for value in get(_EXIF_XMP_NS, "UserComment"):
        generators.xmp_user_comment(scan, value, tools)
    for value in get(_DC_NS, "description"):
        generators.midjourney_job(scan, "XMP dc:description", value)
    make = " ".join(get(_TIFF_XMP_NS, "Make")[:1])
    model = " ".join(get(_TIFF_XMP_NS, "Model")[:1])
    human.camera(scan, "XMP tiff:Make/Model", make, model)
    for value in get(_DCTERMS_NS, "provenance"):
        scan.c2pa_hint = True
        scan.remote_manifest = value


def dst_meaning(value: str) -> tuple[str, str]:
    """Return (evidence kind, words completing "... says it ...") for a digital source type."""
    match = _DST_RE.match(value.strip())
    if not match:
        return KIND_INFO, f"has an unrecognised digital source type ({excerpt(value)})"
    return _DST.get(
        match.group(1).lower(), (KIND_INFO, f"has the digital source type {match.group(1)}")
    )


def _split_tag(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _xmp_values(el: Any) -> list[str]:
    resource = el.get(_RDF_RESOURCE)
    if resource:
        return [resource.strip()]
    items = list(el.iter(f"{{{_RDF_NS}}}li"))
    if items:
        return [(li.get(_RDF_RESOURCE) or li.text or "").strip() for li in items]
    return [(el.text or "").strip()]
