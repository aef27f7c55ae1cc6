"""What a scan returns: ``Evidence``, ``ScanResult``, and the verdict their evidence leads to.

The verdict ranks ai-generated > ai-assisted > human-evidence > no-evidence: any AI evidence
outranks human evidence, and no evidence is never "human". ``combine`` applies the same order
across an artwork's images; ``contradicts`` compares the outcome with the artist's label.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

VERDICT_AI_GENERATED = "ai-generated"
VERDICT_AI_ASSISTED = "ai-assisted"
VERDICT_HUMAN = "human-evidence"
VERDICT_NONE = "no-evidence"

KIND_AI_GENERATED = "ai-generated"
KIND_AI_ASSISTED = "ai-assisted"
KIND_HUMAN = "human"
KIND_INFO = "info"

_RANK = {VERDICT_AI_GENERATED: 3, VERDICT_AI_ASSISTED: 2, VERDICT_HUMAN: 1, VERDICT_NONE: 0}


@dataclass(frozen=True)
class Evidence:
    """One finding. ``kind`` is "ai-generated", "ai-assisted", "human" or "info"."""

    source: str
    field: str
    value: str
    kind: str
    summary: str

    def to_dict(self) -> dict[str, str]:
        return {
            "source": self.source,
            "field": self.field,
            "value": self.value,
            "kind": self.kind,
            "summary": self.summary,
        }


@dataclass
class ScanResult:
    """Everything read from one file; ``verdict`` follows from the evidence kinds."""

    verdict: str
    evidence: list[Evidence] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    c2pa: dict[str, Any] | None = None
    # What the C2PA manifest says, in the shape the artwork page shows (c2pa_reader.summary).
    credentials: dict[str, Any] | None = None
    # What generators' blocks say (prompt, seed, model, ...; see ``parameters.read``). Kept
    # out of ``to_dict`` and of equality: it is stored apart (``ArtworkImage.generation``),
    # so the evidence shape stored and served by the API stays as documented.
    parameters: list[dict[str, str]] = field(default_factory=list, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serialisable dict (the shape stored on ``ArtworkImage.provenance``).

        ``credentials`` is there only when a C2PA manifest was read.
        """
        out = {
            "verdict": self.verdict,
            "evidence": [e.to_dict() for e in self.evidence],
            "errors": list(self.errors),
            "c2pa": self.c2pa,
        }
        if self.credentials is not None:
            out["credentials"] = self.credentials
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ScanResult:
        """Rebuild a result from ``to_dict`` output; missing keys get neutral defaults."""
        evidence = [
            Evidence(
                source=str(e.get("source", "")),
                field=str(e.get("field", "")),
                value=str(e.get("value", "")),
                kind=str(e.get("kind", KIND_INFO)),
                summary=str(e.get("summary", "")),
            )
            for e in d.get("evidence") or []
            if isinstance(e, dict)
        ]
        verdict = d.get("verdict")
        return cls(
            verdict=verdict if verdict in _RANK else verdict_of(evidence),
            evidence=evidence,
            errors=[str(x) for x in d.get("errors") or []],
            c2pa=d.get("c2pa") if isinstance(d.get("c2pa"), dict) else None,
            credentials=d.get("credentials") if isinstance(d.get("credentials"), dict) else None,
        )


def combine(results: Iterable[ScanResult]) -> str:
    """Return an artwork's verdict from its images' results: the strongest verdict wins.

    Order: ai-generated > ai-assisted > human-evidence > no-evidence; no results → no-evidence.
    """
    best = VERDICT_NONE
    for result in results:
        verdict = result.verdict if result.verdict in _RANK else VERDICT_NONE
        if _RANK[verdict] > _RANK[best]:
            best = verdict
    return best


def contradicts(label: str, verdict: str) -> bool:
    """Tell whether the files' verdict contradicts the artist's label.

    True for AI evidence (ai-generated or ai-assisted) on "human-made", and for ai-generated
    evidence on "ai-assisted". Human or no evidence never contradicts a label; unknown labels
    or verdicts give False.
    """
    if label == "human-made":
        return verdict in (VERDICT_AI_GENERATED, VERDICT_AI_ASSISTED)
    if label == "ai-assisted":
        return verdict == VERDICT_AI_GENERATED
    return False


def verdict_of(evidence: Iterable[Evidence]) -> str:
    """Return the verdict one file's evidence leads to: its strongest kind."""
    kinds = {e.kind for e in evidence}
    if KIND_AI_GENERATED in kinds:
        return VERDICT_AI_GENERATED
    if KIND_AI_ASSISTED in kinds:
        return VERDICT_AI_ASSISTED
    if KIND_HUMAN in kinds:
        return VERDICT_HUMAN
    return VERDICT_NONE
