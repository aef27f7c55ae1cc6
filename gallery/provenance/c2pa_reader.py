"""C2PA (Content Credentials): the manifest store read with c2pa-python, offline.

Containers hold the manifest as JUMBF in JPEG APP11, PNG ``caBX``, a WebP ``C2PA`` chunk, or
point to a remote manifest through the URL in XMP ``dcterms:provenance``; the walkers and
``xmp`` only set ``Scan.c2pa_hint``, so files without a manifest never reach the reader. It is
c2pa-python's ``Reader`` with a ``Context`` built from
``{"verify": {"remote_manifest_fetch": false, "ocsp_fetch": false}}`` (c2pa/c2pa.py in
c2pa-python 0.38: ``Context.from_dict``; ``load_settings`` is deprecated and no longer read by
``Reader``). Unknown setting keys are accepted silently, so the tests check that a remote
manifest URL is really not fetched. The module is named so as not to shadow ``c2pa`` itself.

The digital source type sits on each action of the ``c2pa.actions``/``c2pa.actions.v2``
assertions (or in an embedded IPTC assertion). A manifest signed by a certificate outside any
trust list (every manifest, here: no trust list is loaded) still counts, reported as
"untrusted". A manifest that fails validation keeps its AI claims (a producer said so) but not
its human ones (anyone can damage a copy into saying anything). ``trainedAlgorithmicMedia`` on
an action other than ``c2pa.created``/``c2pa.opened`` (e.g. Photoshop's Generative Fill on
``c2pa.edited``) means AI-assisted.

Vendor and newer AI markers outside ``action.digitalSourceType``, after c2pa-js's
``selectGenerativeInfo`` and ``selectCustomModels`` and the C2PA 2.2 specification:

- Adobe's legacy ``com.adobe.generative-ai`` assertion (Firefly beta era; ``description`` and
  ``version`` name the model): AI-generated, or AI-assisted when the manifest edits a parent.
- ``com.adobe.digitalSourceType`` inside an action's ``parameters``, with ``com.adobe.details``
  naming the third-party model (Adobe apps opening another model's output): read like the
  action's own digital source type.
- an ingredient whose ``data_types`` are ``c2pa.types.model…`` or ``c2pa.types.generator…``
  (an AI model or its prompt was an input) and the ``c2pa.ai-disclosure`` assertion (§18.28):
  AI-assisted at least.

Trust: ``set_trust_anchors`` (called by ``gallery.apps`` with the PEM file named by the
``C2PA_TRUST_ANCHORS`` setting) makes c2pa-rs check signers against those anchors, so a
manifest can be "trusted"; without anchors nobody is. ``summary`` keeps what the manifest says
(signer, signature and hash checks, trust, actions, tools, ingredients) for the artwork page,
which then does no C2PA work per request.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from .results import KIND_AI_ASSISTED, KIND_AI_GENERATED, KIND_HUMAN, KIND_INFO
from .state import Scan, excerpt
from .xmp import dst_meaning

_trust_anchors: str | None = None

_AI_KINDS = (KIND_AI_GENERATED, KIND_AI_ASSISTED)
_AI_DATA_TYPE = re.compile(r"^c2pa\.types\.(model|generator)(\.|$)", re.IGNORECASE)
# Failure codes that are about trust or revocation look-ups, not about the signature itself.
_NOT_SIGNATURE = ("signingCredential.untrusted", "signingCredential.ocsp", "timeStamp.")
_SIGNATURE_CODES = ("claimSignature.", "signingCredential.", "algorithm.", "claim.")
_MAX_LISTED = 20


def set_trust_anchors(pem: str | None) -> None:
    """Trust signers chaining to these PEM certificates from the next scan on; None: nobody."""
    global _trust_anchors
    _trust_anchors = pem.strip() if pem and pem.strip() else None


def trust_anchors() -> str | None:
    return _trust_anchors


def _settings() -> dict[str, Any]:
    verify: dict[str, Any] = {"remote_manifest_fetch": False, "ocsp_fetch": False}
    settings: dict[str, Any] = {"verify": verify}
    if _trust_anchors:
        verify["verify_trust"] = True
        settings["trust"] = {"trust_anchors": _trust_anchors}
    return settings


def read_c2pa(scan: Scan) -> None:
    try:
        import c2pa  # the native library loads on first use, not at Django start-up
    except ImportError as exc:
        scan.errors.append(f"C2PA reader unavailable: {exc}")
        return
    mime = {
        "jpeg": "image/jpeg",
        "png": "image/png",
        "webp": "image/webp",
        "gif": "image/gif",
        "tiff": "image/tiff",
        "heif": "image/heif",
        "avif": "image/avif",
    }.get(scan.fmt)
    context = c2pa.Context.from_dict(_settings())
    try:
        with c2pa.Reader(mime, io.BytesIO(scan.data), context=context) as reader:
            store = json.loads(reader.json())
    except c2pa.C2paError as exc:
        message = str(exc)
        if isinstance(exc, c2pa.C2paError.ManifestNotFound) or "ManifestNotFound" in message:
            return
        if message.startswith(("Remote", "RemoteManifest")) and scan.remote_manifest:
            scan.add(
                "c2pa",
                "XMP dcterms:provenance",
                scan.remote_manifest,
                KIND_INFO,
                "The file points to Content Credentials stored online; they were not fetched",
            )
            return
        scan.errors.append(f"C2PA manifest could not be read: {excerpt(message)}")
        return
    finally:
        context.close()
    _c2pa_store(scan, store)


def _c2pa_store(scan: Scan, store: dict[str, Any]) -> None:
    manifests = store.get("manifests") or {}
    active_label = store.get("active_manifest")
    active = manifests.get(active_label) or {}
    state = _c2pa_state(store)
    generator = _claim_generator(active)
    ordered = [active] + [m for label, m in manifests.items() if label != active_label]
    found: list[tuple[str, str, str, str]] = []  # (action, digitalSourceType, agent, field)
    for manifest in ordered:
        found.extend(_c2pa_actions(manifest))
    types = list(dict.fromkeys(dst for _, dst, _, _ in found))
    scan.c2pa = {
        "validation_state": state,
        "claim_generator": generator,
        "digital_source_types": types,
    }
    qualifier = {
        "valid": "",
        "untrusted": " (signed with a certificate that is not on a trust list)",
        "invalid": " (but the credentials failed validation, so they may have been altered)",
    }[state]
    if generator:
        scan.add(
            "c2pa",
            "C2PA claim generator",
            generator,
            KIND_INFO,
            f"Content Credentials written by {excerpt(generator)}{qualifier}",
        )
    for action, dst, agent, field in dict.fromkeys(found):
        kind, words = _action_meaning(action, dst)
        if kind == KIND_HUMAN and state == "invalid":
            kind = KIND_INFO  # a damaged manifest cannot vouch for human work
        value = f"{action}: {dst}" + (f" ({agent})" if agent else "")
        scan.add(
            "c2pa",
            field,
            value,
            kind,
            f"This file carries Content Credentials saying it {words}{qualifier}",
        )
    markers = [marker for manifest in ordered for marker in _vendor_markers(manifest)]
    for field, value, kind, words in dict.fromkeys(markers):
        scan.add(
            "c2pa",
            field,
            value,
            kind,
            f"This file carries Content Credentials saying {words}{qualifier}",
        )
    scan.credentials = summary(store, state=state, generator=generator)


def _action_meaning(action: str, dst: str) -> tuple[str, str]:
    kind, words = dst_meaning(dst)
    if kind == KIND_AI_GENERATED and action not in ("c2pa.created", "c2pa.opened"):
        # Generative fill and similar edits change part of an existing picture.
        return KIND_AI_ASSISTED, "was edited with a generative AI model"
    return kind, words


def _vendor_markers(manifest: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """AI markers outside action digital source types: (field, value, kind, words)."""
    markers = []
    edits_parent = any(
        isinstance(i, dict) and i.get("relationship") == "parentOf"
        for i in manifest.get("ingredients") or []
    )
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict):
            continue
        label = str(assertion.get("label", ""))
        data = assertion.get("data") if isinstance(assertion.get("data"), dict) else {}
        if label == "com.adobe.generative-ai":
            name = " ".join(str(data.get(k, "")).strip() for k in ("description", "version"))
            kind = KIND_AI_ASSISTED if edits_parent else KIND_AI_GENERATED
            what = "was edited with" if edits_parent else "was made with"
            markers.append(
                (
                    "C2PA com.adobe.generative-ai",
                    name.strip() or label,
                    kind,
                    f"it {what} Adobe's generative AI ({excerpt(name.strip() or 'Firefly')})",
                )
            )
        elif label.startswith("c2pa.ai-disclosure"):
            model = str(data.get("modelName") or data.get("modelType") or "an AI model")
            markers.append(
                (
                    "C2PA c2pa.ai-disclosure",
                    model,
                    KIND_AI_ASSISTED,
                    f"an AI model was used ({excerpt(model)})",
                )
            )
    for ingredient in manifest.get("ingredients") or []:
        if isinstance(ingredient, dict) and (model := _ai_data_type(ingredient)):
            title = str(ingredient.get("title") or model)
            markers.append(
                (
                    "C2PA ingredient data_types",
                    f"{title}: {model}",
                    KIND_AI_ASSISTED,
                    f"an AI model or its prompt was one of its ingredients ({excerpt(title)})",
                )
            )
    return markers


def _ai_data_type(ingredient: dict[str, Any]) -> str | None:
    for entry in ingredient.get("data_types") or ingredient.get("dataTypes") or []:
        value = entry.get("type") if isinstance(entry, dict) else entry
        if isinstance(value, str) and _AI_DATA_TYPE.match(value):
            return value
    return None


def _codes(entries: Any) -> list[dict[str, Any]]:
    return [e for e in entries or [] if isinstance(e, dict)]


def _c2pa_state(store: dict[str, Any]) -> str:
    state = str(store.get("validation_state", "")).lower()
    if state == "invalid":
        return "invalid"
    if state == "trusted":
        return "valid"
    results = store.get("validation_results") or {}
    failures = [
        *_codes((results.get("activeManifest") or {}).get("failure")),
        *_codes(store.get("validation_status")),
    ]
    codes = {str(f.get("code", "")) for f in failures}
    if any(code.startswith("signingCredential.untrusted") for code in codes):
        return "untrusted"
    # c2pa-rs says "Valid" when only trust is missing; older stores carry no state at all.
    return "valid" if state == "valid" or (not state and not codes) else "invalid"


def summary(store: dict[str, Any], *, state: str, generator: str | None) -> dict[str, Any]:
    """What the active manifest says, kept with the scan for the artwork page.

    ``trusted`` is c2pa-rs's own verdict against the loaded anchors; ``signature_valid`` and
    ``hashes_valid`` come from the validation codes (C2PA 2.x §15); ``ai`` is true when any
    manifest in the store, ingredients included, says AI; ``records_human`` when the active
    manifest records camera capture or human creation or edits.
    """
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest")) or {}
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = _codes(results.get("failure")) if results else _codes(store.get("validation_status"))
    successes = {str(s.get("code", "")) for s in _codes(results.get("success"))}
    failed = {str(f.get("code", "")) for f in failures}
    signature_failed = any(
        code.startswith(_SIGNATURE_CODES) and not code.startswith(_NOT_SIGNATURE) for code in failed
    )
    hashes_failed = any(code.startswith("assertion.") for code in failed)
    signature = (
        active.get("signature_info") if isinstance(active.get("signature_info"), dict) else {}
    )
    raw_actions = _all_actions(active)
    actions = [
        {"action": action, "source_type": _short_dst(dst), "tool": agent}
        for action, dst, agent in raw_actions
    ]
    ingredients = [_ingredient(i, manifests) for i in active.get("ingredients") or []]
    ingredients = [i for i in ingredients if i is not None]
    ai = _store_says_ai(manifests)
    kinds = {_action_meaning(action, dst)[0] for action, dst, _ in raw_actions if dst}
    tools = [generator] if generator else []
    tools += [a["tool"] for a in actions if a["tool"]]
    return {
        "state": state,
        "trusted": str(store.get("validation_state", "")).lower() == "trusted"
        or "signingCredential.trusted" in successes,
        "trust_list": _trust_anchors is not None,
        "signature_valid": not signature_failed
        and (not results or "claimSignature.validated" in successes),
        "hashes_valid": not hashes_failed,
        "signer": excerpt(str(signature.get("common_name") or signature.get("issuer") or "")),
        "issuer": excerpt(str(signature.get("issuer") or "")),
        "signed_at": str(signature.get("time") or ""),
        "claim_generator": generator,
        "actions": actions[:_MAX_LISTED],
        "tools": list(dict.fromkeys(tools))[:_MAX_LISTED],
        "ingredients": ingredients[:_MAX_LISTED],
        "ai": ai,
        "records_human": KIND_HUMAN in kinds,
        "problems": [
            excerpt(str(f.get("explanation") or f.get("code")))
            for f in failures
            if not str(f.get("code", "")).startswith("signingCredential.untrusted")
        ][:5],
    }


def _short_dst(dst: str) -> str:
    return dst.strip().rstrip("/").rsplit("/", 1)[-1] if dst else ""


def _all_actions(manifest: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every action of the manifest, with or without a digital source type."""
    out = []
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict) or not str(assertion.get("label", "")).startswith(
            "c2pa.actions"
        ):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            if isinstance(action, dict):
                dst, agent = _action_source(action)
                out.append((excerpt(str(action.get("action", ""))), dst, excerpt(agent)))
    return out


def _store_says_ai(manifests: dict[str, Any]) -> bool:
    for manifest in manifests.values():
        if not isinstance(manifest, dict):
            continue
        if any(_action_meaning(a, d)[0] in _AI_KINDS for a, d, _, _ in _c2pa_actions(manifest)):
            return True
        if any(kind in _AI_KINDS for _, _, kind, _ in _vendor_markers(manifest)):
            return True
    return False


def _ingredient(ingredient: Any, manifests: dict[str, Any]) -> dict[str, Any] | None:
    if not isinstance(ingredient, dict):
        return None
    own = manifests.get(ingredient.get("active_manifest")) or {}
    signature = own.get("signature_info") if isinstance(own.get("signature_info"), dict) else {}
    ai = bool(_ai_data_type(ingredient)) or (bool(own) and _store_says_ai({"m": own}))
    return {
        "title": excerpt(str(ingredient.get("title") or "untitled")),
        "relationship": str(ingredient.get("relationship") or "componentOf"),
        "ai": ai,
        "signer": excerpt(str(signature.get("common_name") or signature.get("issuer") or "")),
        "has_credentials": bool(own),
    }


def _claim_generator(manifest: dict[str, Any]) -> str | None:
    info = manifest.get("claim_generator_info")
    if isinstance(info, list) and info and isinstance(info[0], dict):
        name = str(info[0].get("name", "")).strip()
        version = str(info[0].get("version", "")).strip()
        if name:
            return f"{name} {version}".strip()
    generator = manifest.get("claim_generator")
    return str(generator) if generator else None


def _action_source(action: dict[str, Any]) -> tuple[str, str]:
    """An action's digital source type and the tool that did it, vendor parameters included."""
    params = action.get("parameters") if isinstance(action.get("parameters"), dict) else {}
    dst = (
        action.get("digitalSourceType")
        or params.get("digitalSourceType")
        or params.get("com.adobe.digitalSourceType")
        or ""
    )
    agent = action.get("softwareAgent") or params.get("com.adobe.details") or ""
    if isinstance(agent, dict):
        agent = agent.get("name", "")
    return str(dst), str(agent)


def _c2pa_actions(manifest: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    found = []
    for assertion in manifest.get("assertions") or []:
        if not isinstance(assertion, dict):
            continue
        label = str(assertion.get("label", ""))
        data = assertion.get("data") or {}
        if label.startswith("c2pa.actions"):
            for action in data.get("actions") or []:
                if not isinstance(action, dict):
                    continue
                dst, agent = _action_source(action)
                if dst:
                    params = action.get("parameters")
                    vendor = (
                        not action.get("digitalSourceType")
                        and isinstance(params, dict)
                        and not params.get("digitalSourceType")
                    )
                    field = (
                        "C2PA action parameters com.adobe.digitalSourceType"
                        if vendor
                        else "C2PA c2pa.actions digitalSourceType"
                    )
                    found.append((str(action.get("action", "")), dst, agent, field))
        elif label.startswith("stds.iptc") and isinstance(data, dict):
            dst = data.get("Iptc4xmpExt:DigitalSourceType")
            if dst:
                found.append(("c2pa.created", str(dst), "", "C2PA c2pa.actions digitalSourceType"))
    return found
