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
"""

from __future__ import annotations

import io
import json
from typing import Any

from .results import KIND_AI_ASSISTED, KIND_AI_GENERATED, KIND_HUMAN, KIND_INFO
from .state import Scan, excerpt
from .xmp import dst_meaning

_C2PA_SETTINGS = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}


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
    context = c2pa.Context.from_dict(_C2PA_SETTINGS)
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
    found: list[tuple[str, str, str]] = []  # (action, digitalSourceType, softwareAgent)
    for manifest in ordered:
        found.extend(_c2pa_actions(manifest))
    types = list(dict.fromkeys(dst for _, dst, _ in found))
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
    for action, dst, agent in dict.fromkeys(found):
        kind, words = dst_meaning(dst)
        if kind == KIND_AI_GENERATED and action not in ("c2pa.created", "c2pa.opened"):
            # Generative fill and similar edits change part of an existing picture.
            kind, words = KIND_AI_ASSISTED, "was edited with a generative AI model"
        if kind == KIND_HUMAN and state == "invalid":
            kind = KIND_INFO  # a damaged manifest cannot vouch for human work
        value = f"{action}: {dst}" + (f" ({agent})" if agent else "")
        scan.add(
            "c2pa",
            "C2PA c2pa.actions digitalSourceType",
            value,
            kind,
            f"This file carries Content Credentials saying it {words}{qualifier}",
        )


def _c2pa_state(store: dict[str, Any]) -> str:
    state = str(store.get("validation_state", "")).lower()
    if state == "invalid":
        return "invalid"
    if state == "trusted":
        return "valid"
    results = store.get("validation_results") or {}
    failures = [
        *((results.get("activeManifest") or {}).get("failure") or []),
        *(store.get("validation_status") or []),
    ]
    codes = {str(f.get("code", "")) for f in failures if isinstance(f, dict)}
    if any(code.startswith("signingCredential.untrusted") for code in codes):
        return "untrusted"
    # c2pa-rs says "Valid" when only trust is missing; older stores carry no state at all.
    return "valid" if state == "valid" or (not state and not codes) else "invalid"


def _claim_generator(manifest: dict[str, Any]) -> str | None:
    info = manifest.get("claim_generator_info")
    if isinstance(info, list) and info and isinstance(info[0], dict):
        name = str(info[0].get("name", "")).strip()
        version = str(info[0].get("version", "")).strip()
        if name:
            return f"{name} {version}".strip()
    generator = manifest.get("claim_generator")
    return str(generator) if generator else None


def _c2pa_actions(manifest: dict[str, Any]) -> list[tuple[str, str, str]]:
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
                params = action.get("parameters") or {}
                dst = action.get("digitalSourceType") or (
                    params.get("digitalSourceType") if isinstance(params, dict) else None
                )
                if dst:
                    agent = action.get("softwareAgent") or ""
                    if isinstance(agent, dict):
                        agent = agent.get("name", "")
                    found.append((str(action.get("action", "")), str(dst), str(agent)))
        elif label.startswith("stds.iptc") and isinstance(data, dict):
            dst = data.get("Iptc4xmpExt:DigitalSourceType")
            if dst:
                found.append(("c2pa.created", str(dst), ""))
    return found
