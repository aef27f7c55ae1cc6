"""The two storages: public (derivatives, avatars) and private (originals, withdrawn files)."""

from __future__ import annotations

import functools
import hashlib
import json

from django.conf import settings
from django.core.files.storage import Storage, default_storage, storages
from django.core.signals import setting_changed

from config.urls_abs import absolute_url

# Derivatives of a removed post wait under this prefix of private storage until an appeal
# restores the post or its artist deletes it (gallery.services.withdrawal).
WITHDRAWN_PREFIX = "withdrawn/"


def private_storage() -> Storage:
    """Originals' storage; a callable so migrations don't capture a deployment's backend."""
    return storages["private"]


def public_url(name: str) -> str:
    return default_storage.url(name)


# Option names of a storage backend that are secrets: rotating them changes no URL.
_SECRET_OPTIONS = frozenset({"access_key", "secret_key", "security_token", "session_profile"})


@functools.cache
def public_url_stamp() -> str | None:
    """A short digest of what public storage's URLs are made from (its backend and options,
    secrets left out, and ``MEDIA_URL``), or None when its URLs are signed (they expire).

    Stored beside each derivative's finished URL (``with_public_url``): after a deploy that
    moves the files (a CDN domain, another bucket) the old stamp no longer matches and the URL
    is computed again, so a stored URL is never served once it may be wrong. Computed once
    per process, from settings only (no storage call).
    """
    config = settings.STORAGES["default"]
    options = {k: v for k, v in config.get("OPTIONS", {}).items() if k not in _SECRET_OPTIONS}
    if options.get("querystring_auth", False):
        return None
    text = json.dumps([config["BACKEND"], options, settings.MEDIA_URL], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _stamp_reset(*, setting: str, **kwargs) -> None:
    # Tests (override_settings) change these within one process.
    if setting in ("STORAGES", "MEDIA_URL"):
        public_url_stamp.cache_clear()


setting_changed.connect(_stamp_reset, dispatch_uid="gallery.storage.stamp_reset")


def with_public_url(derivative: dict) -> dict:
    """``derivative`` (a record of ``ArtworkImage.derivatives``) with its finished public URL
    and the stamp it was made under, so cards read it instead of calling the storage (an S3
    backend signs or formats each URL in Python: a cost per card). Storage errors propagate.
    """
    stamp = public_url_stamp()
    record = {k: v for k, v in derivative.items() if k not in ("url", "url_stamp")}
    if stamp is None:
        return record
    return {**record, "url": public_url(derivative["name"]), "url_stamp": stamp}


def stored_public_url(derivative: dict) -> str:
    """The derivative's public URL: the one stored at publication while it is current
    (``with_public_url``), else computed now (rows written before URLs were stored, or a
    storage configuration that changed since)."""
    url = derivative.get("url")
    if url and derivative.get("url_stamp") == public_url_stamp():
        return url
    return public_url(derivative["name"])


def absolute_public_url(name: str) -> str:
    """The public URL a browser or a CDN knows this file by (filesystem URLs are relative)."""
    url = public_url(name)
    return absolute_url(None, url)


def withdrawn_name(name: str) -> str:
    """Where a public file waits in private storage while its post is removed."""
    return WITHDRAWN_PREFIX + name
