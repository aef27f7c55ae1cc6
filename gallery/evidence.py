"""Provenance evidence in words: the one formatter for pages, the API, emails and flags.

Evidence items are the dicts ``gallery.provenance`` stores on each image (``source``,
``field``, ``value``, ``kind``, ``summary``); flags carry the same shape, plus a few keys of
their own (duplicates name the other image). ``kind`` is "ai-generated", "ai-assisted",
"human", "info" (a fact about the file that says nothing about who made it) or, on flags,
"duplicate".
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FIELDS = ("source", "field", "value", "kind", "summary")
# Kinds that never dispute a label: shown on the artwork page's details, never in a flag.
NOT_DISPUTING = frozenset({"info", "human"})


def images_evidence(images: Iterable[Any], *, with_info: bool = True) -> list[dict]:
    """Every evidence item of ``images`` (``ArtworkImage`` rows), in image order, each once
    (several files of one post often carry the same metadata). ``with_info=False`` leaves out
    the "info" items, as the public artwork page does."""
    found: list[dict] = []
    for image in images:
        for item in (image.provenance or {}).get("evidence") or []:
            if not isinstance(item, dict) or item in found:
                continue
            if with_info or item.get("kind") != "info":
                found.append(item)
    return found


def disputing(items: Iterable[dict]) -> list[dict]:
    """The items that speak against a label (AI evidence, duplicates): what a flag keeps."""
    return [item for item in items if item.get("kind") not in NOT_DISPUTING]


def evidence_words(items: Iterable[dict]) -> list[str]:
    """The disputing items as one line of words each (their summary, else the raw value), for
    templates and emails."""
    return [str(item.get("summary") or item.get("value") or "") for item in disputing(items)]


def evidence_fields(item: dict) -> dict[str, str]:
    """One item with exactly the public fields, each as text (the API's shape)."""
    return {name: str(item.get(name, "")) for name in FIELDS}
