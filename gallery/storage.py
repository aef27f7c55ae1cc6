"""The two storages: public (derivatives, avatars) and private (originals, withdrawn files)."""

from __future__ import annotations

from django.core.files.storage import Storage, default_storage, storages

from config.urls_abs import absolute_url

# Derivatives of a removed post wait under this prefix of private storage until an appeal
# restores the post or its artist deletes it (gallery.services.withdrawal).
WITHDRAWN_PREFIX = "withdrawn/"


def private_storage() -> Storage:
    """Originals' storage; a callable so migrations don't capture a deployment's backend."""
    return storages["private"]


def public_url(name: str) -> str:
    return default_storage.url(name)


def absolute_public_url(name: str) -> str:
    """The public URL a browser or a CDN knows this file by (filesystem URLs are relative)."""
    url = public_url(name)
    return absolute_url(None, url)


def withdrawn_name(name: str) -> str:
    """Where a public file waits in private storage while its post is removed."""
    return WITHDRAWN_PREFIX + name
