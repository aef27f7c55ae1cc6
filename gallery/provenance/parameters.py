"""Generation parameters a generator wrote into the file: prompt, seed, model, sampler and tool.

``generators`` decides *that* a block is a generator's; this module reads *what* it says, so a
moderator sees the prompt instead of "generation parameters embedded". Each ``read`` returns a
flat dict of strings (only the keys found, in ``FIELDS`` order plus ``tool`` and ``where``), or
``None`` when nothing readable is there. Every value is bounded (``MAX_PROMPT`` for the two
prompts, ``MAX_VALUE`` for the rest) because the result is stored in the image's provenance JSON
and shown on the case page; the page escapes it like any other text.

The shapes read, per generator (the same sources as ``generators``' docstring):

- A1111 / Forge / Fooocus text: prompt lines, ``Negative prompt:`` lines, then one
  ``Steps: 20, Sampler: ..., CFG scale: 7, Seed: 1, Model: ...`` line (quoted values may hold
  commas).
- Fooocus JSON (``prompt``, ``negative_prompt``, ``base_model``, ``guidance_scale``), SwarmUI
  (``sui_image_params``), NovelAI (``Comment`` JSON: ``prompt``, ``uc``, ``scale``), Draw Things
  (``c``, ``uc``, ``guidance_scale``), InvokeAI 3+ (``positive_prompt``, ``cfg_scale``,
  ``model.name``) and 2.x (``sd-metadata``'s ``image``, ``Dream``'s command line).
- ComfyUI API graphs: the sampler node's inputs, the checkpoint loader's ``ckpt_name`` and the
  text encoders wired to the sampler's positive and negative inputs. A ``workflow`` graph is
  UI layout only and gives nothing here (the evidence still names ComfyUI).
- Midjourney: the description before ``Job ID:``.
"""

from __future__ import annotations

import re
import shlex
from typing import Any

from .state import json_object

MAX_PROMPT = 2000
MAX_VALUE = 120

# Display order on the case page; the labels are what a moderator reads.
FIELDS = (
    ("prompt", "Prompt"),
    ("negative_prompt", "Negative prompt"),
    ("seed", "Seed"),
    ("model", "Model"),
    ("sampler", "Sampler"),
    ("steps", "Steps"),
    ("cfg", "CFG scale"),
    ("size", "Size"),
)

TOOLS = {
    "a1111": "AUTOMATIC1111 Stable Diffusion web UI",
    "forge": "Stable Diffusion WebUI Forge",
    "comfyui": "ComfyUI",
    "invokeai": "InvokeAI",
    "novelai": "NovelAI",
    "fooocus": "Fooocus",
    "swarmui": "SwarmUI",
    "drawthings": "Draw Things",
    "midjourney": "Midjourney",
    "stealth": "Alpha-channel (stealth) metadata",
}

# One "Key: value" pair of the A1111 settings line; a double-quoted value may contain commas.
_PAIR = re.compile(r'\s*([A-Za-z][\w /-]*?):\s*("(?:\\.|[^"\\])*"|[^,]*)(?:,|$)')
_SETTINGS_LINE = re.compile(r"(?m)^Steps: \d+")
_NEGATIVE = "Negative prompt:"
_MJ_TAIL = re.compile(r"\s*Job ID: [0-9a-f-]{36}\s*$")
_COMFY_PREFIX = re.compile(r"^\s*(prompt|workflow)\s*:\s*(?=\{)", re.IGNORECASE)


def read(tool: str, value: str) -> dict[str, str] | None:
    """Return the parameters in one generator block (``tool`` is a ``TOOLS`` key), or None.

    Never raises on malformed input: an unreadable block gives None, and the evidence the
    block produced stands on its own.
    """
    text = value.replace("\x00", "").strip()
    try:
        found = _READERS.get(tool, _any)(text)
    except (ValueError, TypeError, AttributeError, RecursionError):
        found = {}
    params = _bounded(found or {})
    if not params:
        return None
    return {"tool": TOOLS.get(tool, tool), **params}


def _bounded(found: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, _ in FIELDS:
        raw = found.get(key)
        if raw is None or isinstance(raw, (dict, list)):
            continue
        text = str(raw).replace("\x00", "").strip()
        if not text:
            continue
        limit = MAX_PROMPT if key in ("prompt", "negative_prompt") else MAX_VALUE
        out[key] = text if len(text) <= limit else text[: limit - 1] + "…"
    version = str(found.get("version") or "").strip()
    if version:
        out["version"] = version[:MAX_VALUE]
    return out


def _any(text: str) -> dict[str, Any]:
    """A block whose writer is unknown (stealth payloads): JSON first, then A1111 text."""
    obj = json_object(text)
    if obj is None:
        return _a1111(text)
    for reader in (_swarmui, _novelai, _fooocus, _invokeai):
        found = reader(text)
        if found:
            return found
    return {}


def _a1111(text: str) -> dict[str, Any]:
    obj = json_object(text)
    if obj is not None:  # Fooocus writes its JSON under the same "parameters" key
        return _fooocus(text)
    lines = text.splitlines()
    settings_at = max(
        (i for i, line in enumerate(lines) if _SETTINGS_LINE.match(line)), default=None
    )
    if settings_at is None:
        return {}
    head = lines[:settings_at]
    settings = dict(_pairs(lines[settings_at]))
    prompt, negative = [], []
    target = prompt
    for line in head:
        if line.startswith(_NEGATIVE):
            target = negative
            line = line[len(_NEGATIVE) :].lstrip()
        target.append(line)
    return {
        "prompt": "\n".join(prompt),
        "negative_prompt": "\n".join(negative),
        "seed": settings.get("Seed"),
        "model": settings.get("Model") or settings.get("Model hash"),
        "sampler": " ".join(
            s for s in (settings.get("Sampler"), settings.get("Schedule type")) if s
        ),
        "steps": settings.get("Steps"),
        "cfg": settings.get("CFG scale"),
        "size": settings.get("Size"),
        "version": settings.get("Version"),
    }


def _pairs(line: str) -> list[tuple[str, str]]:
    pairs = []
    for match in _PAIR.finditer(line):
        key, raw = match.group(1).strip(), match.group(2).strip()
        if raw.startswith('"') and raw.endswith('"') and len(raw) > 1:
            raw = raw[1:-1].replace('\\"', '"')
        if key:
            pairs.append((key, raw))
    return pairs


def _fooocus(text: str) -> dict[str, Any]:
    obj = json_object(text)
    if obj is None:
        return _a1111(text)
    return {
        "prompt": obj.get("prompt"),
        "negative_prompt": obj.get("negative_prompt"),
        "seed": obj.get("seed"),
        "model": obj.get("base_model"),
        "sampler": " ".join(str(s) for s in (obj.get("sampler"), obj.get("scheduler")) if s),
        "steps": obj.get("steps"),
        "cfg": obj.get("guidance_scale"),
        "size": obj.get("resolution"),
        "version": obj.get("version"),
    }


def _swarmui(text: str) -> dict[str, Any]:
    params = (json_object(text) or {}).get("sui_image_params")
    if not isinstance(params, dict):
        return {}
    width, height = params.get("width"), params.get("height")
    return {
        "prompt": params.get("prompt"),
        "negative_prompt": params.get("negativeprompt"),
        "seed": params.get("seed"),
        "model": params.get("model"),
        "sampler": params.get("sampler"),
        "steps": params.get("steps"),
        "cfg": params.get("cfgscale"),
        "size": f"{width}x{height}" if width and height else None,
        "version": params.get("swarm_version"),
    }


def _novelai(text: str) -> dict[str, Any]:
    obj = json_object(text) or {}
    # The PNG Comment chunk is the settings; an EXIF UserComment wraps them with the other keys.
    settings = json_object(str(obj.get("Comment", ""))) or obj
    if not ({"uc", "scale", "n_samples", "noise_schedule"} & settings.keys()):
        return {}
    width, height = settings.get("width"), settings.get("height")
    return {
        "prompt": settings.get("prompt"),
        "negative_prompt": settings.get("uc"),
        "seed": settings.get("seed"),
        "model": obj.get("Source"),
        "sampler": settings.get("sampler"),
        "steps": settings.get("steps"),
        "cfg": settings.get("scale"),
        "size": f"{width}x{height}" if width and height else None,
    }


def _drawthings(text: str) -> dict[str, Any]:
    obj = json_object(text) or {}
    return {
        "prompt": obj.get("c"),
        "negative_prompt": obj.get("uc"),
        "seed": obj.get("seed"),
        "model": obj.get("model"),
        "sampler": obj.get("sampler"),
        "steps": obj.get("steps"),
        "cfg": obj.get("scale") or obj.get("guidance_scale"),
        "size": obj.get("size"),
    }


def _invokeai(text: str) -> dict[str, Any]:
    obj = json_object(text)
    if obj is None:
        return _invokeai_dream(text)
    image = obj.get("image") if isinstance(obj.get("image"), dict) else None
    if image is not None:  # 2.x sd-metadata: prompts are a list of weighted parts
        prompt = image.get("prompt")
        if isinstance(prompt, list):
            prompt = " ".join(str(p.get("prompt", "")) for p in prompt if isinstance(p, dict))
        return {
            "prompt": prompt,
            "seed": image.get("seed"),
            "model": obj.get("model_weights"),
            "sampler": image.get("sampler"),
            "steps": image.get("steps"),
            "cfg": image.get("cfg_scale"),
        }
    model = obj.get("model")
    return {
        "prompt": obj.get("positive_prompt"),
        "negative_prompt": obj.get("negative_prompt"),
        "seed": obj.get("seed"),
        "model": model.get("name") if isinstance(model, dict) else model,
        "sampler": obj.get("scheduler"),
        "steps": obj.get("steps"),
        "cfg": obj.get("cfg_scale"),
        "size": f"{obj['width']}x{obj['height']}" if obj.get("width") else None,
        "version": obj.get("app_version"),
    }


def _invokeai_dream(text: str) -> dict[str, Any]:
    """InvokeAI 2.x ``Dream``: ``"a prompt" -s 50 -S 42 -W 512 -H 512 -C 7.5 -A k_lms``."""
    try:
        words = shlex.split(text)
    except ValueError:
        return {}
    if not words:
        return {}
    flags = dict(zip(words[1::2], words[2::2], strict=False))
    width, height = flags.get("-W"), flags.get("-H")
    return {
        "prompt": words[0],
        "seed": flags.get("-S"),
        "sampler": flags.get("-A") or flags.get("-m"),
        "steps": flags.get("-s"),
        "cfg": flags.get("-C"),
        "size": f"{width}x{height}" if width and height else None,
    }


def _comfyui(text: str) -> dict[str, Any]:
    text = _COMFY_PREFIX.sub("", text, count=1)
    obj = json_object(text) or {}
    graph = obj
    for key in ("prompt", "workflow"):  # SwarmUI-style wrappers hold the graph under a key
        inner = obj.get(key)
        if isinstance(inner, str):
            inner = json_object(inner)
        if isinstance(inner, dict):
            graph = inner
            break
    nodes = {k: v for k, v in graph.items() if isinstance(v, dict) and "class_type" in v}
    sampler = next((n for n in nodes.values() if "sampler" in str(n["class_type"]).lower()), None)
    if sampler is None:
        return {}
    inputs = sampler.get("inputs") or {}

    def text_of(link: Any) -> str | None:
        # An input wired to another node is [node id, output index].
        if not (isinstance(link, list) and link):
            return None
        node = nodes.get(str(link[0])) or {}
        value = (node.get("inputs") or {}).get("text")
        return value if isinstance(value, str) else None

    checkpoint = next(
        (
            (n.get("inputs") or {}).get("ckpt_name")
            for n in nodes.values()
            if (n.get("inputs") or {}).get("ckpt_name")
        ),
        None,
    )
    return {
        "prompt": text_of(inputs.get("positive")),
        "negative_prompt": text_of(inputs.get("negative")),
        "seed": inputs.get("seed", inputs.get("noise_seed")),
        "model": checkpoint,
        "sampler": " ".join(
            str(s) for s in (inputs.get("sampler_name"), inputs.get("scheduler")) if s
        ),
        "steps": inputs.get("steps"),
        "cfg": inputs.get("cfg"),
    }


def _midjourney(text: str) -> dict[str, Any]:
    return {"prompt": _MJ_TAIL.sub("", text)}


_READERS = {
    "a1111": _a1111,
    "forge": _a1111,
    "fooocus": _fooocus,
    "swarmui": _swarmui,
    "novelai": _novelai,
    "drawthings": _drawthings,
    "invokeai": _invokeai,
    "comfyui": _comfyui,
    "midjourney": _midjourney,
}
