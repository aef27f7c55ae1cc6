"""Download all my data: what the ZIP holds (and never holds), the link, failures, sweeps."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from gallery.storage import private_storage
from privacy.models import DataExport
from privacy.services import export as export_service
from privacy.services.export import export_build, export_link, export_request, exports_sweep

pytestmark = pytest.mark.django_db


def _build(user, capture) -> DataExport:
    with capture(execute=True):
        export = export_request(user=user)
    export.refresh_from_db()
    return export


def _zip(client, export) -> zipfile.ZipFile:
    path = export_link(export=export).split("://", 1)[-1].split("/", 1)[1]
    response = client.get("/" + path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_export_holds_every_item_of_the_member_and_nothing_of_the_other(
    client, seed, django_capture_on_commit_callbacks
):
    export = _build(seed.ana, django_capture_on_commit_callbacks)
    assert export.status == "done" and export.progress == 100 and export.size > 0
    archive = _zip(client, export)
    names = set(archive.namelist())
    for doc in ("profile.json", "artworks.json", "label_history.json", "comments.json",
                "likes.json", "follows.json", "collections.json", "README.txt"):  # fmt: skip
        assert doc in names, doc

    artworks = json.loads(archive.read("artworks.json"))
    assert [a["title"] for a in artworks] == ["Ana one", "Ana two"]
    first = artworks[0]
    assert first["description"] == "Ana's first"
    assert first["label"] == "ai-assisted" and first["tags"] == ["ink", "study"]
    assert first["created_at"] and first["published_at"] and first["mature"] is False
    # Every original and derivative is in the ZIP, byte for byte what storage holds.
    for artwork, post in zip(artworks, seed.ana_posts, strict=True):
        for image_doc, image in zip(artwork["images"], post.images.all(), strict=True):
            with private_storage().open(image.original.name) as fh:
                assert archive.read(image_doc["original"]) == fh.read()
            assert len(image_doc["derivatives"]) == len(image.derivatives) > 0
            assert set(image_doc["derivatives"]) <= names

    history = json.loads(archive.read("label_history.json"))
    relabel = [h for h in history if h["to_label"] == "ai-assisted"]
    assert relabel and relabel[0]["by_you"] and relabel[0]["reason"] == "Used AI for the reference"

    comments = json.loads(archive.read("comments.json"))
    assert {c["body"] for c in comments} == {"Ana says hi", "Ana again"}
    assert comments[0]["artwork"] == {"id": seed.bruno_posts[0].pk, "title": "Bruno one"}

    likes = json.loads(archive.read("likes.json"))
    assert [like["artwork"]["id"] for like in likes] == [seed.bruno_posts[0].pk]
    follows = json.loads(archive.read("follows.json"))
    assert [f["handle"] for f in follows["following"]] == ["bruno"]
    assert follows["followers_count"] == 1
    profile = json.loads(archive.read("profile.json"))
    assert profile["handle"] == "ana" and profile["email"] == "ana@example.com"
    collections = json.loads(archive.read("collections.json"))
    assert [c["title"] for c in collections] == ["Ana keeps"]
    assert collections[0]["items"][0]["artwork"] == {
        "id": seed.bruno_posts[0].pk,
        "title": "Bruno one",
    }

    # Nothing of Bruno: none of his files, words, name or address anywhere in the ZIP.
    bruno_files = {f"-{i.pk}" for p in seed.bruno_posts for i in p.images.all()}
    for name in names:
        assert not any(f"{p.pk}-" in name.split("/")[1] for p in seed.bruno_posts
                       if name.startswith("artworks/")), name  # fmt: skip
    blob = b"".join(archive.read(n) for n in names if n.endswith((".json", ".txt")))
    for secret in (b"BRUNO-COMMENT-TEXT", b"BRUNO-REPLY-TEXT", b"BRUNO-BIO", b"Secret-Name",
                   b"BRUNO-COLLECTION",
                   b"bruno@example.com", b"BRUNO-DESCRIPTION"):  # fmt: skip
        assert secret not in blob, secret
    assert bruno_files  # the check above had files to miss


def test_export_progress_is_shown_and_the_email_carries_the_link(
    client, seed, django_capture_on_commit_callbacks
):
    client.force_login(seed.ana)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(reverse("privacy:export_request"))
    assert response.status_code == 302
    export = DataExport.objects.get(user=seed.ana)
    page = client.get(reverse("privacy:data"))
    assert b"0% done" in page.content and b'hx-trigger="every 2s"' in page.content
    with django_capture_on_commit_callbacks(execute=True):
        for callback in queued:
            callback()
    status = client.get(reverse("privacy:export_status"))
    assert b"Download your data" in status.content and b"every 2s" not in status.content
    export.refresh_from_db()
    assert export.status == "done"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["ana@example.com"]
    link = export_link(export=export).split("/settings/", 1)[1]
    assert f"/settings/{link}" in mail.outbox[0].body


def test_second_request_while_running_is_a_conflict_and_one_a_day(
    client, seed, django_capture_on_commit_callbacks
):
    client.force_login(seed.ana)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("privacy:export_request"))
        second = client.post(reverse("privacy:export_request"))
    assert second.status_code == 409 and b"already being prepared" in second.content
    assert DataExport.objects.filter(user=seed.ana).count() == 1
    export_build(export_id=DataExport.objects.get().pk)
    third = client.post(reverse("privacy:export_request"))
    assert third.status_code == 429 and int(third["Retry-After"]) > 3600
    assert DataExport.objects.filter(user=seed.ana).count() == 1


def test_task_runs_twice_without_harm(seed, django_capture_on_commit_callbacks):
    export = _build(seed.ana, django_capture_on_commit_callbacks)
    assert export_build(export_id=export.pk) == "skipped"
    assert DataExport.objects.get(pk=export.pk).status == "done"


def test_expired_link_is_refused_cleanly(client, seed, django_capture_on_commit_callbacks):
    export = _build(seed.ana, django_capture_on_commit_callbacks)
    url = "/settings/" + export_link(export=export).split("/settings/", 1)[1]
    with override_settings(EXPORT_LINK_MAX_AGE=600):
        later = timezone.now() + timedelta(seconds=601)
        from unittest import mock

        with mock.patch("django.core.signing.time.time", return_value=later.timestamp()):
            response = client.get(url)
    assert response.status_code == 410 and b"expired" in response.content
    # An export past its own expiry is refused even with a fresh link.
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(1))
    response = client.get(url)
    assert response.status_code == 410 and b"expired" in response.content


@pytest.mark.parametrize(
    "token",
    ["1.abc:forged:sig", "not-a-token", signing.TimestampSigner(salt="other").sign("1.x")],
    # Named ids: the signed one changes with the clock, and xdist's workers must collect the
    # same test names.
    ids=["forged", "garbage", "other-salt"],
)
def test_forged_link_is_refused(client, seed, token, django_capture_on_commit_callbacks):
    _build(seed.ana, django_capture_on_commit_callbacks)
    response = client.get(reverse("privacy:export_download", kwargs={"token": token}))
    assert response.status_code == 404 and b"not valid" in response.content


def test_link_of_another_export_key_is_refused(client, seed, django_capture_on_commit_callbacks):
    export = _build(seed.ana, django_capture_on_commit_callbacks)
    token = signing.TimestampSigner(salt=export_service.SIGNING_SALT).sign(f"{export.pk}.guess")
    response = client.get(reverse("privacy:export_download", kwargs={"token": token}))
    assert response.status_code == 404


def test_worker_killed_mid_way_is_requeued_by_the_sweep_and_finishes(
    seed, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=False):
        export = export_request(user=seed.ana)
    # A worker dies half-way: simulated by a storage read that raises, after the claim.
    real_copy = export_service._copy_into
    calls = {"n": 0}

    def dying(zf, entry):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # not an Exception: nothing catches it, like a SIGKILL
        return real_copy(zf, entry)

    monkeypatch.setattr(export_service, "_copy_into", dying)
    with pytest.raises(KeyboardInterrupt):
        export_build(export_id=export.pk)
    monkeypatch.setattr(export_service, "_copy_into", real_copy)
    export.refresh_from_db()
    assert export.status == "running" and 0 < export.progress < 100
    assert not private_storage().exists(export.file_name)  # a half ZIP never reaches storage
    # A redelivery while the heartbeat is fresh leaves it alone; the sweep does not touch it.
    assert export_build(export_id=export.pk) == "skipped"
    assert exports_sweep()["requeued"] == 0
    # Past the time limit the sweep judges the worker dead, re-queues and re-enqueues it.
    DataExport.objects.filter(pk=export.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        counts = exports_sweep()
    assert counts["requeued"] == 1 and counts["enqueued"] == 1
    export.refresh_from_db()
    assert export.status == "done" and export.attempts == 2


def test_storage_failure_requeues_then_fails_after_max_attempts(
    seed, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=False):
        export = export_request(user=seed.ana)

    def broken(zf, entry):
        raise OSError("storage down")

    monkeypatch.setattr(export_service, "_copy_into", broken)
    for attempt in range(1, export_service.MAX_ATTEMPTS):
        with pytest.raises(OSError):
            export_build(export_id=export.pk)
        export.refresh_from_db()
        assert export.status == "queued" and export.attempts == attempt
    assert export_build(export_id=export.pk) == "failed"
    export.refresh_from_db()
    assert export.status == "failed" and "could not prepare" in export.error
    # A failed export does not count against the daily limit: the member may ask again.
    with django_capture_on_commit_callbacks(execute=False):
        assert export_request(user=seed.ana).status == "queued"


def test_lost_queued_export_is_enqueued_by_the_sweep(seed, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):  # the broker lost the message
        export = export_request(user=seed.ana)
    assert exports_sweep()["enqueued"] == 0  # too fresh to call lost
    DataExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(hours=1))
    exports_sweep()
    export.refresh_from_db()
    assert export.status == "done"


def test_sweep_deletes_expired_files(seed, django_capture_on_commit_callbacks):
    export = _build(seed.ana, django_capture_on_commit_callbacks)
    assert private_storage().exists(export.file_name)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(1))
    with django_capture_on_commit_callbacks(execute=True):
        assert exports_sweep()["expired"] == 1
    export.refresh_from_db()
    assert export.status == "expired"
    assert not private_storage().exists(export.file_name)
    with django_capture_on_commit_callbacks(execute=True):
        assert exports_sweep()["expired"] == 0
