"""The two storages: public (derivatives, avatars) and private (originals)."""

from __future__ import annotations

from django.core.files.storage import Storage, default_storage, storages


def private_storage() -> Storage:
    """Originals' storage; a callable so migrations don't capture a deployment's backend."""
    return storages["private"]


def public_url(name: str) -> str:
    return default_storage.url(name)
