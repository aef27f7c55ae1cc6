"""Signed test files for Content Credentials: manifests built here, signed with test keys.

``pf.signing_chain()`` makes a fresh CA and leaf per call, so a "trusted" key is one whose CA
the test loads as trust anchor and an "untrusted" one is any other chain.
"""

from __future__ import annotations

import io
from typing import Any

from tests.gallery import provenance_files as pf

DST = pf.DST


def ca_pem(chain: pf.SigningChain) -> str:
    """The CA certificate of a test chain (the second PEM block): the trust anchor."""
    text = chain.chain.decode()
    marker = "-----BEGIN CERTIFICATE-----"
    return marker + text.split(marker)[2]


def signed(
    source: bytes,
    mime: str,
    chain: pf.SigningChain,
    *,
    actions: list[dict[str, Any]] | None = None,
    assertions: list[dict[str, Any]] | None = None,
    ingredients: list[tuple[dict[str, Any], bytes, str]] = (),
    generator: str = "Atelier test camera",
) -> bytes:
    """Sign ``source`` with a manifest of ``actions`` (c2pa.actions.v2), extra ``assertions``
    and ``ingredients`` given as (ingredient JSON, file bytes, mime)."""
    import c2pa

    all_assertions = []
    if actions:
        all_assertions.append({"label": "c2pa.actions.v2", "data": {"actions": actions}})
    all_assertions += assertions or []
    manifest = {
        "claim_generator_info": [{"name": generator, "version": "1.0"}],
        "title": "test image",
        "assertions": all_assertions,
    }
    info = c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain.chain, chain.key, None)
    with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest) as builder:
        for ingredient, data, ingredient_mime in ingredients:
            builder.add_ingredient(ingredient, ingredient_mime, io.BytesIO(data))
        dest = io.BytesIO()
        builder.sign(signer, mime, io.BytesIO(source), dest)
    return dest.getvalue()


def camera_capture(chain: pf.SigningChain, source: bytes | None = None, **kwargs: Any) -> bytes:
    """A JPEG whose manifest records a camera capture, nothing else."""
    return signed(
        source or pf.jpeg(),
        "image/jpeg",
        chain,
        actions=[
            {
                "action": "c2pa.created",
                "digitalSourceType": DST + "digitalCapture",
                "softwareAgent": {"name": "Test camera firmware 2.1"},
            }
        ],
        **kwargs,
    )
