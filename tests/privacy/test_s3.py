"""Export and purge against the S3 backend (moto's real HTTP server, as in
tests/gallery/test_s3_storage.py): the ZIP is stored and streamed from the private prefix,
and after the purge no object of the member is left in the bucket."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages

from privacy.services.deletion import account_delete_request, accounts_purge_due
from privacy.services.export import export_link, export_request
from tests.factories import PASSWORD, image_bytes
from tests.gallery.test_s3_storage import _keys, s3, s3_endpoint  # noqa: F401 - fixtures
from tests.privacy.test_deletion import _past_grace

pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("s3")]


def test_export_and_purge_on_s3(client, s3, seed, django_capture_on_commit_callbacks):  # noqa: F811
    ana_keys_prefixes = set()
    for post in seed.ana_posts:
        for image in post.images.all():
            ana_keys_prefixes.add(f"private/{image.original.name}")
            ana_keys_prefixes |= {f"public/{d['name']}" for d in image.derivatives}
    avatar = storages["default"].save("avatars/ana-s3.png", ContentFile(image_bytes("PNG")))
    type(seed.ana).objects.filter(pk=seed.ana.pk).update(avatar=avatar)
    ana_keys_prefixes.add(f"public/{avatar}")
    assert ana_keys_prefixes <= _keys(s3)

    with django_capture_on_commit_callbacks(execute=True):
        export = export_request(user=seed.ana)
    export.refresh_from_db()
    assert export.status == "done" and f"private/{export.file_name}" in _keys(s3)
    response = client.get("/settings/" + export_link(export=export).split("/settings/", 1)[1])
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "artworks.json" in archive.namelist() and "profile/avatar.png" in archive.namelist()

    bruno_keys = {k for k in _keys(s3) if k not in ana_keys_prefixes and "exports/" not in k}
    assert bruno_keys
    account_delete_request(user=seed.ana, password=PASSWORD)
    _past_grace(seed.ana)
    with django_capture_on_commit_callbacks(execute=True):
        assert accounts_purge_due() == 1
    assert _keys(s3) == bruno_keys
