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
- TensorArt: PNG text ``generation_data`` (JSON: ``prompt``, ``steps``, ``cfgScale``,
  ``baseModel`` ...), beside a ComfyUI-style ``prompt`` graph.
- Any other front-end writing generation-parameter JSON (RuinedFooocus: ``Prompt``, ``steps``,
  ``cfg``, ``sampler_name``, ``base_model_name``, ``software``; diffusers-based Hugging Face
  Spaces: ``prompt``, ``guidance_scale``, ``num_inference_steps``, ``seed``, ``Model hash``) is
  recognised by content (``generic_json``): a prompt plus at least two sampler/steps/cfg/seed/
  model settings. The tool is named when the JSON says so (``software``/``generator``/...), or
  as "a diffusers-based generator" when the keys are diffusers' own parameter names.

Files pass through tools that change the case of keys and values (``Parameters``, ``software``
= ``novelai``), so every key and tool-name comparison here is case-insensitive.
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
    "tensorart": "Made with TensorArt (generation parameters embedded)",
    "diffusers": (
        "Made with a diffusers-based AI image generator, such as a Hugging Face Space "
        "(generation parameters embedded)"
    ),
    "generator": "Made with an AI image generator (its generation parameters are embedded)",
    "stealth": (
        "Generation settings are hidden in the image's transparency channel, a format used by "
        "NovelAI and Stable Diffusion tools"
    ),
}

_A1111_STEPS = re.compile(r"(?im)^Steps: \d+, .*\b(?:Sampler|Seed|CFG scale|Size): ")
_A1111_VERSION = re.compile(r"\bVersion: ([^,\n]+)", re.IGNORECASE)
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
    """Read the PNG text chunks the walker collected, keyed as each generator writes them.

    Keys are compared case-insensitively; a JSON value under any other key still counts when
    its content is generation parameters (``generic_json``).
    """
    texts = {key.lower(): value for _, key, value in scan.texts}
    fooocus_hint = "fooocus_scheme" in texts
    for container, key_raw, value in scan.texts:
        where = f"{container} {key_raw}"
        key = key_raw.lower()
        if key == "parameters":
            generation_text(scan, where, value, fooocus_hint=fooocus_hint)
        elif key == "fooocus_scheme" and value.strip().lower() in ("fooocus", "a1111"):
            generated(scan, "fooocus", where, value)
        elif key in ("prompt", "workflow"):
            _comfy_json(scan, where, key, value)
        elif key in ("invokeai_metadata", "invokeai_graph", "invokeai_workflow", "sd-metadata"):
            if json_object(value) is not None:
                generated(scan, "invokeai", where, value)
            else:
                scan.errors.append(f"{where} is not valid JSON; ignored")
        elif key == "dream" and _INVOKE_DREAM.match(value.strip()):
            generated(scan, "invokeai", where, value)
        elif key == "generation_data":
            obj = json_object(value)
            if obj is not None and _looks_generation(folded(obj)):
                generated(scan, "tensorart", where, value)
            elif value.lstrip().startswith("{") and obj is None:
                scan.errors.append(f"{where} is not valid JSON; ignored")
        elif key == "software":
            human.software(scan, where, value)
        elif key == "comment":
            _novelai_comment(scan, where, value, texts)
        elif key == "description" and _MJ_JOB.search(value):
            author = texts.get("author", "")
            generated(scan, "midjourney", where, value)
            if author:
                scan.add(
                    "midjourney",
                    f"{container} Author",
                    author,
                    KIND_INFO,
                    f"Midjourney account: {excerpt(author)}",
                )
        elif value.lstrip().startswith("{"):
            # Unknown key: generation parameters are recognised by what they hold.
            obj = json_object(value)
            if obj is not None:
                generic_json(scan, where, value, obj)


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
    keys = folded(obj)
    if "sui_image_params" in keys:
        generated(scan, "swarmui", where, text)
        return True
    if _is_tool(keys.get("software"), "novelai") or _looks_novelai(
        folded(json_object(str(keys.get("comment", ""))) or {})
    ):
        generated(scan, "novelai", where, text)
        return True
    if (
        fooocus_hint
        or str(keys.get("metadata_scheme", "")).strip().lower() in ("fooocus", "a1111")
        or (
            "fooocus" in str(keys.get("version", "")).lower()
            and "ruinedfooocus" not in str(keys.get("version", "")).lower()
        )
        or ("base_model" in keys and ("full_prompt" in keys or "performance" in keys))
    ):
        generated(scan, "fooocus", where, text)
        return True
    found = False
    for key in ("prompt", "workflow"):
        if key in keys:
            value = keys[key]
            graph = value if isinstance(value, dict) else json_object(str(value))
            if graph is not None and _is_comfy_graph(key, graph):
                generated(scan, "comfyui", f"{where} ({key})", text)
                found = True
    return found or generic_json(scan, where, text, obj)


# Keys folded by ``_norm``: lower case, letters and digits only ("Model hash" -> "modelhash").
_PROMPT_KEYS = frozenset({"prompt", "positiveprompt", "fullprompt", "c"})
_SETTING_KEYS = frozenset(
    {
        "sampler", "samplername", "scheduler", "steps", "numinferencesteps", "cfg",
        "cfgscale", "guidancescale", "scale", "seed", "model", "modelname", "modelhash",
        "basemodel", "basemodelname", "basemodelhash", "checkpoint", "ckptname", "denoise",
        "denoisingstrength", "negativeprompt", "clipskip", "width", "height",
    }
)  # fmt: skip
# Settings that only image generators write (a picture's own width and height are not enough).
_STRONG_KEYS = _SETTING_KEYS - {"width", "height", "negativeprompt", "model", "modelname"}
_DIFFUSERS_KEYS = frozenset({"numinferencesteps", "guidancescale"})
# Tool names a JSON block gives for itself, in the keys front-ends use for it.
_TOOL_KEYS = ("software", "generator", "tool", "app", "application")
_TOOLS: tuple[tuple[re.Pattern[str], str, str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), source, name)
    for pattern, source, name in (
        (r"ruined ?fooocus", "ruinedfooocus", "RuinedFooocus"),
        (r"\bfooocus\b", "fooocus", "Fooocus"),
        (r"\bnovelai\b", "novelai", "NovelAI"),
        (r"\bcomfy ?ui\b", "comfyui", "ComfyUI"),
        (r"\binvoke ?ai\b", "invokeai", "InvokeAI"),
        (r"\b(?:stable)?swarm ?ui\b", "swarmui", "SwarmUI"),
        (r"tensor\.?art", "tensorart", "TensorArt"),
        (r"\bdiffusers\b|hugging ?face", "diffusers", "diffusers"),
    )
)


def generic_json(scan: Scan, where: str, text: str, obj: dict[str, Any]) -> bool:
    """Record JSON that holds generation parameters, whoever wrote it; return whether it did.

    The rule is content, not a list of tools: a non-empty prompt string plus at least two
    generation settings, one of them a sampler/steps/cfg/seed/model-hash setting that no
    ordinary image metadata carries. The tool is named when the JSON names it.
    """
    keys = {_norm(k): v for k, v in folded(obj).items()}
    prompt = next((keys[k] for k in _PROMPT_KEYS if isinstance(keys.get(k), str)), "")
    settings = _SETTING_KEYS & keys.keys()
    if not prompt.strip() or len(settings) < 2 or not settings & _STRONG_KEYS:
        return False
    tool = " ".join(str(keys[k]) for k in map(_norm, _TOOL_KEYS) if isinstance(keys.get(k), str))
    for pattern, source, name in _TOOLS:
        if tool and pattern.search(tool):
            summary = _SUMMARY.get(source) or (
                f"Made with {name}, an AI image generator (generation parameters embedded)"
            )
            scan.add(source, where, text, KIND_AI_GENERATED, summary)
            return True
    if tool.strip():
        scan.add(
            "generator",
            where,
            text,
            KIND_AI_GENERATED,
            f"Made with {excerpt(tool)[:60]}, an AI image generator (generation parameters "
            "embedded)",
        )
    elif len(_DIFFUSERS_KEYS & keys.keys()) == 2:
        generated(scan, "diffusers", where, text)
    else:
        generated(scan, "generator", where, text)
    return True


def folded(obj: dict[str, Any]) -> dict[str, Any]:
    """The object's keys in lower case (the first of two keys differing only in case wins)."""
    out: dict[str, Any] = {}
    for key, value in obj.items():
        out.setdefault(str(key).lower(), value)
    return out


def _norm(key: str) -> str:
    return "".join(ch for ch in key.lower() if ch.isalnum())


def _is_tool(value: Any, name: str) -> bool:
    return isinstance(value, str) and value.strip().lower() == name


def _looks_generation(keys: dict[str, Any]) -> bool:
    normed = {_norm(k) for k in keys}
    return bool(_PROMPT_KEYS & normed) and len(_SETTING_KEYS & normed) >= 2


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
    """NovelAI's settings in ``Comment``; ``texts`` is keyed in lower case."""
    settings = json_object(value)
    if settings is None:
        return
    if _looks_novelai(folded(settings)) and (
        _is_tool(texts.get("software"), "novelai") or "novelai" in texts.get("source", "").lower()
    ):
        generated(scan, "novelai", where, value)
    else:
        generic_json(scan, where, value, settings)


def xmp_user_comment(scan: Scan, value: str, creator_tools: list[str]) -> None:
    """Read XMP ``exif:UserComment``: Draw Things' settings JSON, or another parameter block."""
    draw_things = any(_DRAW_THINGS.search(tool) for tool in creator_tools)
    obj = folded(json_object(value) or {})
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
        return isinstance(folded(graph).get("nodes"), list)
    return any(isinstance(node, dict) and "class_type" in folded(node) for node in graph.values())
