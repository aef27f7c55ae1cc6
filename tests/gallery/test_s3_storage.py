"""The S3 backend against a real S3-compatible HTTP server (moto's server mode, on loopback)."""

from __future__ import annotations

import socket

import boto3
import pytest
import requests
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from gallery.models import Artwork, ArtworkImage
from gallery.services.artworks import artwork_delete
from gallery.services.visibility import artwork_remove, artwork_restore
from tests.factories import image_bytes

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("s3")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    requests.post(f"{s3_endpoint}/moto-api/reset", timeout=5)
    client = boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    client.create_bucket(Bucket="atelier")
    common = {
        "bucket_name": "atelier", "endpoint_url": s3_endpoint, "access_key": "test",
        "secret_key": "test", "region_name": "us-east-1", "addressing_style": "path",
    }  # fmt: skip
    stores = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "location": "public",
                "querystring_auth": False,
                "file_overwrite": True,
                "default_acl": "public-read",
            },
        },
        "private": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                **common,
                "location": "private",
                "querystring_auth": True,
                "default_acl": "private",
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=stores):
        storages._storages = {}
        yield client
    storages._storages = {}


def _keys(client) -> set[str]:
    return {o["Key"] for o in client.list_objects_v2(Bucket="atelier").get("Contents", [])}


def test_upload_publish_and_delete_on_s3(client, artist, s3, django_capture_on_commit_callbacks):
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("gallery:upload"),
            {"title": "On S3", "medium": "drawing", "label": "human-made",
             "images": [SimpleUploadedFile("me.jpg", image_bytes("JPEG", size=(700, 500)))]},
        )  # fmt: skip
    assert response.status_code == 302
    artwork = Artwork.objects.get()
    assert artwork.status == "published"
    image = ArtworkImage.objects.get()
    keys = _keys(s3)
    assert f"private/{image.original.name}" in keys
    for d in image.derivatives:
        assert f"public/{d['name']}" in keys

    # Derivatives are publicly readable at their URL; originals are not, without a signature.
    public_url = storages["default"].url(image.derivatives[0]["name"])
    assert requests.get(public_url, timeout=5).status_code == 200
    acl = s3.get_object_acl(Bucket="atelier", Key=f"private/{image.original.name}")
    assert not [g for g in acl["Grants"] if g["Grantee"].get("URI", "").endswith("AllUsers")]

    # The permission-checked view streams the original to its owner.
    original = client.get(reverse("gallery:original", args=[image.pk]))
    assert original.status_code == 200
    assert b"".join(original.streaming_content)[:2] == b"\xff\xd8"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("gallery:artwork_delete", args=[artwork.pk]))
    assert _keys(s3) == set()


def test_removal_takes_derivatives_out_of_the_public_prefix(
    client, artist, s3, django_capture_on_commit_callbacks
):
    client.force_login(artist)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("gallery:upload"),
            {"title": "On S3", "medium": "drawing", "label": "human-made",
             "images": [SimpleUploadedFile("me.jpg", image_bytes("JPEG", size=(700, 500)))]},
        )  # fmt: skip
    artwork = Artwork.objects.get()
    image = ArtworkImage.objects.get()
    public = {f"public/{d['name']}" for d in image.derivatives}
    withdrawn = {f"private/withdrawn/{d['name']}" for d in image.derivatives}
    url = storages["default"].url(image.derivatives[0]["name"])
    assert public <= _keys(s3) and requests.get(url, timeout=5).status_code == 200

    for _ in range(2):  # the second removal request finds nothing left to move
        with django_capture_on_commit_callbacks(execute=True):
            artwork_remove(artwork_id=artwork.pk, reason="")
    keys = _keys(s3)
    assert not [k for k in keys if k.startswith(f"public/art/{image.derivative_key}/")]
    assert withdrawn <= keys
    assert requests.get(url, timeout=5).status_code in (403, 404)
    image.refresh_from_db()
    assert image.public_files == "withdrawn"
    # The artist still sees it, streamed from the private prefix.
    shown = client.get(image.best_url())
    assert shown.status_code == 200 and b"".join(shown.streaming_content)[:2] == b"\xff\xd8"

    with django_capture_on_commit_callbacks(execute=True):
        artwork_restore(artwork_id=artwork.pk)
    keys = _keys(s3)
    assert public <= keys and not withdrawn & keys
    assert requests.get(url, timeout=5).status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        artwork_remove(artwork_id=artwork.pk, reason="")
    with django_capture_on_commit_callbacks(execute=True):
        artwork_delete(artwork=Artwork.objects.get())
    assert _keys(s3) == set()
