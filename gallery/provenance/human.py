"""Human evidence: cameras, and the applications named in Software and CreatorTool fields.

A camera's Make/Model (EXIF, or XMP ``tiff:``) and a drawing or editing application named in
EXIF Software, XMP ``xmp:CreatorTool`` or PNG ``Software`` count as human evidence. Those
application names are classified here in one place, AI generators' names first: a Software
value naming one is AI evidence instead, because any AI evidence outranks human evidence. Only
these structured fields are matched, never free text such as a title or an ImageDescription.
"""

from __future__ import annotations

import re

from .results import KIND_AI_GENERATED, KIND_HUMAN
from .state import Scan, excerpt

# Matched against Software / CreatorTool values only, never free text.
_AI_APPS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), source, name)
    for pattern, source, name in (
        (r"^novelai\b", "novelai", "NovelAI"),
        (r"^ruined ?fooocus", "ruinedfooocus", "RuinedFooocus"),
        (r"^fooocus", "fooocus", "Fooocus"),
        (r"draw ?things|com\.drawthings", "drawthings", "Draw Things"),
        (r"\bfirefly\b", "software", "Adobe Firefly"),
        (r"\bmidjourney\b", "midjourney", "Midjourney"),
        (r"\bdall[-·\u00b7 ]?e\b", "software", "DALL-E"),
        (r"\bstable[- ]?diffusion\b|stable-diffusion-webui", "software", "Stable Diffusion"),
        (r"\bcomfyui\b", "comfyui", "ComfyUI"),
        (r"\binvoke ?ai\b", "invokeai", "InvokeAI"),
        (r"\b(?:stable)?swarm ?ui\b", "swarmui", "SwarmUI"),
        (r"\bleonardo\.ai\b", "software", "Leonardo.Ai"),
        (r"\bideogram\b", "software", "Ideogram"),
        (r"bing image creator", "software", "Bing Image Creator"),
    )
)
_HUMAN_APPS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), name)
    for pattern, name in (
        (r"\bkrita\b", "Krita"),
        (r"clip ?studio|\bcelsys\b", "Clip Studio Paint"),
        (r"\bprocreate\b", "Procreate"),
        (r"photoshop", "Adobe Photoshop"),
        (r"\bgimp\b", "GIMP"),
        (r"\baffinity (?:photo|designer)|\baffinity\b", "Affinity"),
        (r"paint ?tool ?sai|\bsai ?(?:ver|2)\b|systemax", "PaintTool SAI"),
        (r"medibang", "MediBang Paint"),
        (r"\brebelle\b", "Rebelle"),
        (r"\baseprite\b", "Aseprite"),
        (r"\bblender\b", "Blender"),
        (r"paint\.net", "Paint.NET"),
        (r"corel ?painter", "Corel Painter"),
        (r"\bartrage\b", "ArtRage"),
        (r"sketchbook", "Sketchbook"),
        (r"\binkscape\b", "Inkscape"),
        (r"adobe illustrator", "Adobe Illustrator"),
        (r"adobe fresco", "Adobe Fresco"),
        (r"ibis ?paint", "ibisPaint"),
        (r"firealpaca", "FireAlpaca"),
        (r"lightroom", "Adobe Lightroom"),
        (r"capture one", "Capture One"),
        (r"pixelmator", "Pixelmator"),
        (r"infinite painter", "Infinite Painter"),
        (r"opencanvas", "openCanvas"),
        (r"paintstorm", "Paintstorm Studio"),
        (r"\bmypaint\b", "MyPaint"),
        (r"\bdarktable\b", "darktable"),
        (r"rawtherapee", "RawTherapee"),
    )
)


def software(scan: Scan, where: str, value: str) -> None:
    """Record the application a Software / CreatorTool value names, if it is a known one."""
    name = value.strip().strip("\x00")
    if not name or len(name) > 200:
        return
    for pattern, source, app in _AI_APPS:
        if pattern.search(name):
            summary = f"Made with {app}, an AI image generator (named as the software)"
            scan.add(source, where, name, KIND_AI_GENERATED, summary)
            return
    for pattern, app in _HUMAN_APPS:
        if pattern.search(name):
            scan.add("software", where, name, KIND_HUMAN, f"Drawn or edited with {app}")
            return


def camera(scan: Scan, where: str, make: str, model: str) -> None:
    """Record a camera from its Make and Model, unless they are empty or not plain text."""
    if not (make or model) or not (_printable(make) and _printable(model)):
        return
    name = model if make and model.lower().startswith(make.lower()) else f"{make} {model}"
    name = name.strip()
    scan.add("exif", where, name, KIND_HUMAN, f"Camera: {excerpt(name)}")


def _printable(value: str) -> bool:
    return len(value) <= 100 and all(ch.isprintable() for ch in value)
