"""AI image generators' own metadata: parameter blocks, workflow graphs, settings and job IDs.

A generator's metadata found here is AI-generated evidence. What each writes, and where it was
looked up (public code and docs, read 2025):

- AUTOMATIC1111 / Forge: PNG text ``parameters`` ("prompt / Negative prompt: ... / Steps: 20,
  Sampler: ..., Version: ..."; Forge versions start with "f"); in JPEG/WebP the same text in EXIF
  UserComment written by piexif as ``UNICODE\\0`` + UTF-16 (big-endian in piexif's MM files).
- ComfyUI: PNG text ``prompt`` (API graph, nodes with ``class_type``) and ``workflow`` (``nodes``);
  animated PNG ``comf`` chunks after IDAT; WebP EXIF 0x0110 Model = ``prompt:{json}`` and
  0x010F Make = ``workflow:{json}`` (comfy_api/latest/_ui.py, ``_create_webp_metadata``); common
  custom save nodes (WAS suite and forks) use 0x010F ``Prompt:`` and 0x010E ``Workflow:``.
- InvokeAI: PNG text ``invokeai_metadata``, ``invokeai_graph``, ``invokeai_workflow``; 2.x wrote
  ``sd-metadata`` (JSON) and ``Dream`` (``"prompt" -s 50 -S 42 ...``).
- NovelAI: PNG text ``Title``, ``Description``, ``Software: NovelAI``, ``Source``, ``Generation
  time``, ``Comment`` (JSON settings); JPEG/WebP: EXIF UserComment holding those keys as one JSON
  object. Its "stealth" metadata in the alpha channel is read by ``stealth``.
- Fooocus: PNG text ``parameters`` (JSON, or A1111 text) plus ``fooocus_scheme``; JPEG/WebP:
  EXIF UserComment = parameters, Software = ``Fooocus v...``, MakerNote = scheme
  (lllyasviel/Fooocus modules/meta_parser.py ``get_exif``; Pillow writes that UserComment with
  no character-code prefix).
- SwarmUI: PNG text ``parameters`` / EXIF UserComment holding JSON with ``sui_image_params``
  (SwarmUI docs/Image Metadata Format.md).
- Draw Things: XMP with ``xmp:CreatorTool`` "Draw Things", ``dc:description`` in A1111 style and
  ``exif:UserComment`` JSON (keys ``c``, ``uc``, ``seed``, ``sampler``, ``model`` ...).
- Midjourney: PNG text ``Description`` ending ``Job ID: <uuid>`` and ``Author``, plus XMP with
  ``DigImageGUID`` and DigitalSourceType ``trainedAlgorithmicMedia``; text may follow IDAT.

Generators named only in a Software or CreatorTool field are matched by ``human.software``.
"""

from __future__ import annotations

import re
from typing import Any

from . import human, parameters
from .results import KIND_AI_GENERATED, KIND_INFO
from .state import Scan, excerpt, json_object

_SUMMARY = {
    "a1111": "Made with AUTOMATIC1111 Stable Diffusion web UI (generation parameters embedded)",
    "forge": "Made with Stable Diffusion WebUI Forge (generation parameters embedded)",
    "comfyui": "Made with ComfyUI (its generation workflow is embedded)",
    "invokeai": "Made with InvokeAI (generation metadata embedded)",
    "novelai": "Made with NovelAI's image generator (generation settings embedded)",
    "fooocus": "Made with Fooocus (generation parameters embedded)",
    "swarmui": "Made with SwarmUI (generation parameters embedded)",
    "drawthings": "Made with the Draw Things AI image app (generation settings embedded)",
    "midjourney": "Made with Midjourney (its job ID is embedded)",
    "stealth": (
        "Generation settings are hidden in the image's transparency channel, a format used by "
        "NovelAI and Stable Diffusion tools"
    ),
}

_A1111_STEPS = re.compile(r"(?m)^Steps: \d+, .*\b(?:Sampler|Seed|CFG scale|Size): ")
_A1111_VERSION = re.compile(r"\bVersion: ([^,\n]+)")
_MJ_JOB = re.compile(r"Job ID: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\s*$")
_INVOKE_DREAM = re.compile(r'^".*"\s+-[sSWHCAm]\s?\S', re.DOTALL)
_COMFY_EXIF = re.compile(r"^\s*(prompt|workflow)\s*:\s*(?=\{)", re.IGNORECASE)
_DRAW_THINGS = re.compile(r"draw ?things|com\.drawthings", re.IGNORECASE)


def generated(scan: Scan, source: str, field_: str, value: str, wording: str = "") -> None:
    """Record a generator's own metadata: AI-generated, worded from ``_SUMMARY``, with the
    parameters it carries (``parameters.read``) read from the full value, not the excerpt."""
    scan.add(source, field_, value, KIND_AI_GENERATED, _SUMMARY[wording or source])
    scan.add_parameters(field_, parameters.read(wording or source, value))


def analyze_texts(scan: Scan) -> None:
    """Read the PNG text chunks the walker collected, keyed as each generator writes them."""
    texts = {key: value for _, key, value in scan.texts}
    fooocus_hint = "fooocus_scheme" in texts
    for container, key, value in scan.texts:
        where = f"{container} {key}"
        if key == "parameters":
            generation_text(scan, where, value, fooocus_hint=fooocus_hint)
        elif key == "fooocus_scheme" and value.strip() in ("fooocus", "a1111"):
            generated(scan, "fooocus", where, value)
        elif key in ("prompt", "workflow"):
            _comfy_json(scan, where, key, value)
        elif key in ("invokeai_metadata", "invokeai_graph", "invokeai_workflow", "sd-metadata"):
            if json_object(value) is not None:
                generated(scan, "invokeai", where, value)
            else:
                scan.errors.append(f"{where} is not valid JSON; ignored")
        elif key == "Dream" and _INVOKE_DREAM.match(value.strip()):
            generated(scan, "invokeai", where, value)
        elif key == "Software":
            human.software(scan, where, value)
        elif key == "Comment":
            _novelai_comment(scan, where, value, texts)
        elif key == "Description" and _MJ_JOB.search(value):
            author = texts.get("Author", "")
            generated(scan, "midjourney", where, value)
            if author:
                scan.add(
                    "midjourney",
                    f"{container} Author",
                    author,
                    KIND_INFO,
                    f"Midjourney account: {excerpt(author)}",
                )


def generation_text(scan: Scan, where: str, text: str, *, fooocus_hint: bool = False) -> bool:
    """Classify a generator's parameter block (PNG parameters, UserComment, stealth)."""
    text = text.strip().strip("\x00")
    obj = json_object(text)
    if obj is not None:
        return _generation_json(scan, where, text, obj, fooocus_hint=fooocus_hint)
    if not _A1111_STEPS.search(text):
        return False
    version = _A1111_VERSION.search(text)
    version_text = version.group(1) if version else ""
    if fooocus_hint or "fooocus" in version_text.lower():
        generated(scan, "fooocus", where, text)
    elif version_text.startswith("f") and version_text[1:2].isdigit():
        generated(scan, "a1111", where, text, "forge")
    else:
        generated(scan, "a1111", where, text)
    return True


def _generation_json(
    scan: Scan, where: str, text: str, obj: dict[str, Any], *, fooocus_hint: bool
) -> bool:
    if "sui_image_params" in obj:
        generated(scan, "swarmui", where, text)
        return True
    if str(obj.get("Software", "")).strip() == "NovelAI" or _looks_novelai(
        json_object(str(obj.get("Comment", ""))) or {}
    ):
        generated(scan, "novelai", where, text)
        return True
    if (
        fooocus_hint
        or obj.get("metadata_scheme") in ("fooocus", "a1111")
        or "fooocus" in str(obj.get("version", "")).lower()
        or ("base_model" in obj and ("full_prompt" in obj or "performance" in obj))
    ):
        generated(scan, "fooocus", where, text)
        return True
    found = False
    for key in ("prompt", "workflow"):
        if key in obj:
            value = obj[key]
            graph = value if isinstance(value, dict) else json_object(str(value))
            if graph is not None and _is_comfy_graph(key, graph):
                generated(scan, "comfyui", f"{where} ({key})", text)
                found = True
    return found


def _comfy_json(scan: Scan, where: str, key: str, value: str) -> None:
    graph = json_object(value)
    if graph is None:
        if value.lstrip().startswith("{"):
            scan.errors.append(f"{where} is not valid JSON; ignored")
        return
    if _is_comfy_graph(key, graph):
        generated(scan, "comfyui", where, value)


def comfy_exif(scan: Scan, where: str, value: str) -> bool:
    """Record ComfyUI's graph in an EXIF text tag (``prompt:{...}``); return whether found."""
    match = _COMFY_EXIF.match(value)
    if not match:
        return False
    graph = json_object(value[match.end() :])
    if graph is None or not _is_comfy_graph(match.group(1).lower(), graph):
        return False
    generated(scan, "comfyui", where, value)
    return True


def _novelai_comment(scan: Scan, where: str, value: str, texts: dict[str, str]) -> None:
    settings = json_object(value)
    if settings is None or not _looks_novelai(settings):
        return
    if texts.get("Software", "").strip() == "NovelAI" or "NovelAI" in texts.get("Source", ""):
        generated(scan, "novelai", where, value)


def xmp_user_comment(scan: Scan, value: str, creator_tools: list[str]) -> None:
    """Read XMP ``exif:UserComment``: Draw Things' settings JSON, or another parameter block."""
    draw_things = any(_DRAW_THINGS.search(tool) for tool in creator_tools)
    obj = json_object(value) or {}
    settings = {"seed", "sampler", "model", "steps"} & obj.keys()
    if "c" in obj and (draw_things or len(settings) >= 2):
        generated(scan, "drawthings", "XMP exif:UserComment", value)
    else:
        generation_text(scan, "XMP exif:UserComment", value)


def midjourney_job(scan: Scan, where: str, description: str) -> None:
    """Record a description ending in Midjourney's ``Job ID: <uuid>``."""
    if _MJ_JOB.search(description):
        generated(scan, "midjourney", where, description)


def _looks_novelai(settings: dict[str, Any]) -> bool:
    return bool({"uc", "n_samples", "v4_prompt", "noise_schedule"} & settings.keys()) and bool(
        {"steps", "sampler", "scale", "seed"} & settings.keys()
    )


def _is_comfy_graph(key: str, graph: dict[str, Any]) -> bool:
    if key == "workflow":
        return isinstance(graph.get("nodes"), list)
    return any(isinstance(node, dict) and "class_type" in node for node in graph.values())
