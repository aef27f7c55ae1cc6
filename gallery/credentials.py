"""Content Credentials in words, and the badge an artist cannot give themselves.

Both read only what the scan stored (``ArtworkImage.provenance["credentials"]``, written by
``gallery.provenance.c2pa_reader.summary``), so a page or an API answer does no C2PA work.
A re-scan that rewrites the stored provenance changes both at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gallery.models import ArtworkImage

NO_AI_RECORDED = "Content Credentials: no generative AI recorded"
_AI_VERDICTS = frozenset({"ai-generated", "ai-assisted"})

# C2PA 2.x standard action names (§18.15) as a visitor would say them.
_ACTION_WORDS = {
    "c2pa.created": "Created",
    "c2pa.opened": "Opened an existing file",
    "c2pa.edited": "Edited",
    "c2pa.edited.metadata": "Edited the metadata",
    "c2pa.color_adjustments": "Adjusted the colours",
    "c2pa.cropped": "Cropped",
    "c2pa.resized": "Resized",
    "c2pa.orientation": "Rotated or flipped",
    "c2pa.filtered": "Applied a filter",
    "c2pa.drawing": "Drew or painted",
    "c2pa.placed": "Placed another image in it",
    "c2pa.removed": "Removed part of it",
    "c2pa.converted": "Converted to another format",
    "c2pa.transcoded": "Re-encoded",
    "c2pa.published": "Published",
    "c2pa.repackaged": "Repackaged",
    "c2pa.watermarked": "Watermarked",
}
_SOURCE_WORDS = {
    "digitalCapture": "with a digital camera",
    "computationalCapture": "with a camera (computational capture)",
    "negativeFilm": "by scanning a film negative",
    "positiveFilm": "by scanning slide film",
    "print": "by scanning a print",
    "humanEdits": "by a person",
    "minorHumanEdits": "by a person (minor edits)",
    "digitalCreation": "by a person with digital tools",
    "digitalArt": "by a person with digital tools",
    "compositeCapture": "from several camera captures",
    "trainedAlgorithmicMedia": "with a generative AI model",
    "compositeWithTrainedAlgorithmicMedia": "combining generative AI output with other material",
    "compositeSynthetic": "as a composite with synthetic elements",
    "algorithmicMedia": "by a non-AI algorithm",
    "screenCapture": "as a screen capture",
}
_RELATIONSHIP_WORDS = {
    "parentOf": "edited from",
    "componentOf": "includes",
    "inputTo": "used as input",
}


def stored_credentials(image: ArtworkImage) -> dict[str, Any] | None:
    credentials = (image.provenance or {}).get("credentials")
    return credentials if isinstance(credentials, dict) else None


def action_words(action: dict[str, Any]) -> str:
    """One recorded action as a sentence fragment: "Created with a digital camera (Tool)"."""
    name = str(action.get("action", ""))
    words = _ACTION_WORDS.get(name) or name.removeprefix("c2pa.").replace("_", " ").capitalize()
    source = str(action.get("source_type") or "")
    if source:
        words += " " + _SOURCE_WORDS.get(source, f"(source type: {source})")
    if action.get("tool"):
        words += f" — {action['tool']}"
    return words


def ingredient_words(ingredient: dict[str, Any]) -> str:
    relation = _RELATIONSHIP_WORDS.get(str(ingredient.get("relationship")), "uses")
    words = f"{relation.capitalize()} “{ingredient.get('title', 'untitled')}”"
    if ingredient.get("ai"):
        words += ": generative AI recorded"
    elif ingredient.get("has_credentials"):
        words += ": has its own Content Credentials, no AI recorded"
    return words


def image_panel(image: ArtworkImage, number: int) -> dict[str, Any] | None:
    """What one image's manifest says, as the artwork page shows it; None without one."""
    credentials = stored_credentials(image)
    if credentials is None:
        return None
    return {
        "number": number,
        "kind": image.kind,
        "signer": credentials.get("signer") or "an unnamed signer",
        "issuer": credentials.get("issuer") or "",
        "signature_valid": bool(credentials.get("signature_valid")),
        "hashes_valid": bool(credentials.get("hashes_valid")),
        "trusted": bool(credentials.get("trusted")),
        "trust_list": bool(credentials.get("trust_list")),
        "actions": [action_words(a) for a in credentials.get("actions") or []],
        "tools": list(credentials.get("tools") or []),
        "ingredients": [ingredient_words(i) for i in credentials.get("ingredients") or []],
        "ai": bool(credentials.get("ai")),
        "problems": list(credentials.get("problems") or []),
    }


def credentials_panel(images: Iterable[ArtworkImage]) -> list[dict[str, Any]]:
    """Every ready image's manifest in words, numbered within its kind (final, process)."""
    panels, counters = [], {}
    for image in images:
        if image.state != ArtworkImage.State.READY:
            continue
        counters[image.kind] = counters.get(image.kind, 0) + 1
        panel = image_panel(image, counters[image.kind])
        if panel is not None:
            panels.append(panel)
    return panels


def vouches_for_human_work(credentials: dict[str, Any] | None) -> bool:
    """A manifest from a trusted signer, intact, recording capture or human work and no AI."""
    return bool(
        credentials
        and credentials.get("trusted")
        and credentials.get("signature_valid")
        and credentials.get("hashes_valid")
        and credentials.get("state") != "invalid"
        and credentials.get("records_human")
        and not credentials.get("ai")
    )


def no_ai_recorded(images: Iterable[ArtworkImage]) -> bool:
    """The badge: every final image vouched for (``vouches_for_human_work``), and nothing in
    any file of the post, process images included, says AI (any reader's verdict).

    Needs every image ready: a post still processing, or with a failed image, gets no badge.
    """
    images = list(images)
    finals = [i for i in images if i.kind == ArtworkImage.Kind.FINAL]
    if not finals or any(i.state != ArtworkImage.State.READY for i in images):
        return False
    if any(i.provenance_verdict in _AI_VERDICTS for i in images):
        return False
    if any((stored_credentials(i) or {}).get("ai") for i in images):
        return False
    return all(vouches_for_human_work(stored_credentials(i)) for i in finals)
