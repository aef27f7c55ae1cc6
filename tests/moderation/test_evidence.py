"""The evidence loop: moderators ask, the artist sends WIP images or a layered file, moderators
see them on the case page and decide."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Notification
from moderation.models import AuditEntry, CaseEvidence
from moderation.services.decisions import case_decide, case_request_evidence
from tests.factories import image_bytes

pytestmark = pytest.mark.django_db


def psd_bytes() -> bytes:
    # A PSD header: signature, version 1, 6 reserved bytes, 3 channels, 4x4 px, 8 bits, RGB.
    return (
        b"8BPS\x00\x01" + b"\x00" * 6 + b"\x00\x03" + b"\x00\x00\x00\x04" * 2 + b"\x00\x08\x00\x03"
    )


def kra_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"), "application/x-krita", compress_type=zipfile.ZIP_STORED
        )
        archive.writestr("maindoc.xml", "<DOC/>")
    return out.getvalue()


def procreate_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("Document.archive", b"bplist00")
    return out.getvalue()


@pytest.fixture
def asked(flagged, moderator, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case_request_evidence(moderator=moderator, case_id=flagged.pk, reason="Show layers.")
    flagged.refresh_from_db()
    return flagged


def _files(*items):
    return [SimpleUploadedFile(name, data) for name, data in items]


def test_the_artist_sees_the_notice_and_the_notification_points_at_the_form(client, asked, artist):
    note = Notification.objects.filter(user=artist).latest("pk")
    form_url = reverse("moderation:evidence_add", args=[asked.artwork_id])
    assert note.url == form_url and "PSD" in note.body
    client.force_login(artist)
    html = client.get(asked.artwork.get_absolute_url()).content.decode()
    assert 'id="evidence-due"' in html and form_url in html
    assert html.index('id="evidence-due"') < html.index('class="artwork-layout"')


def test_artist_sends_two_wip_images_and_a_psd_and_moderators_see_them(
    client, asked, artist, moderator
):
    client.force_login(artist)
    url = reverse("moderation:evidence_add", args=[asked.artwork_id])
    response = client.post(
        url,
        {"files": _files(
            ("wip1.png", image_bytes("PNG")), ("wip2.jpg", image_bytes("JPEG")),
            ("layers.psd", psd_bytes()),
        )},
    )  # fmt: skip
    assert response.status_code == 302
    stored = list(CaseEvidence.objects.filter(case=asked))
    assert [(e.original_name, e.format) for e in stored] == [
        ("wip1.png", "PNG"), ("wip2.jpg", "JPEG"), ("layers.psd", "PSD"),
    ]  # fmt: skip
    for item in stored:
        path = Path(settings.PRIVATE_MEDIA_ROOT) / item.file.name
        assert path.exists() and not str(path).startswith(str(settings.MEDIA_ROOT))
    assert AuditEntry.objects.filter(case=asked, action="evidence-added").count() == 1
    client.force_login(moderator)
    html = client.get(reverse("moderation:case", args=[asked.pk])).content.decode()
    for name in ("wip1.png", "wip2.jpg", "layers.psd"):
        assert name in html
    download = client.get(reverse("moderation:evidence_file", args=[stored[2].pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == psd_bytes()
    case_decide(moderator=moderator, case_id=asked.pk, action="dismiss", reason="Layers fine.")
    asked.artwork.refresh_from_db()
    assert not asked.artwork.held and asked.artwork.evidence_due is None


@pytest.mark.parametrize(
    ("name", "data", "fmt"),
    [("paint.kra", kra_bytes(), "KRA"), ("ipad.procreate", procreate_bytes(), "PROCREATE"),
     ("clip.clip", b"CSFCHUNK" + b"\x00" * 40, "CLIP")],
)  # fmt: skip
def test_layered_formats_are_recognised_by_their_bytes(client, asked, artist, name, data, fmt):
    client.force_login(artist)
    url = reverse("moderation:evidence_add", args=[asked.artwork_id])
    assert client.post(url, {"files": _files((name, data))}).status_code == 302
    assert CaseEvidence.objects.get().format == fmt


def test_a_bad_file_is_refused_and_nothing_is_stored(client, asked, artist):
    client.force_login(artist)
    url = reverse("moderation:evidence_add", args=[asked.artwork_id])
    response = client.post(
        url,
        {"files": _files(("ok.png", image_bytes("PNG")), ("evil.psd", b"<script>alert(1)"))},
    )
    assert response.status_code == 400
    assert "evil.psd" in response.content.decode()
    assert not CaseEvidence.objects.exists()
    private = Path(settings.PRIVATE_MEDIA_ROOT) / "evidence"
    assert not private.exists() or not any(private.rglob("*.*"))


def test_only_the_artist_may_send_and_only_when_asked(client, flagged, asked, viewer, artist):
    url = reverse("moderation:evidence_add", args=[asked.artwork_id])
    client.force_login(viewer)
    assert client.get(url).status_code == 404
    assert client.post(url, {"files": _files(("a.png", image_bytes("PNG")))}).status_code == 404
    assert not CaseEvidence.objects.exists()


def test_no_form_when_nothing_was_asked(client, flagged, artist):
    client.force_login(artist)
    url = reverse("moderation:evidence_add", args=[flagged.artwork_id])
    assert client.get(url).status_code == 404


def test_evidence_files_are_private(client, asked, artist, viewer, moderator):
    client.force_login(artist)
    url = reverse("moderation:evidence_add", args=[asked.artwork_id])
    client.post(url, {"files": _files(("a.png", image_bytes("PNG")))})
    item = CaseEvidence.objects.get()
    download = reverse("moderation:evidence_file", args=[item.pk])
    assert client.get(download).status_code == 200
    client.force_login(viewer)
    assert client.get(download).status_code == 404
    client.logout()
    assert client.get(download).status_code == 302  # to the login page


def test_appeal_and_evidence_files_are_checked_by_the_same_image_rule(client, asked, artist):
    from gallery.services.upload import display_name

    # The file's name reaches messages and the case page: no control characters survive.
    evil = SimpleUploadedFile("wip\r\nBcc: x.png", b"not an image")
    assert display_name(evil) == "wipBcc: x.png"
    client.force_login(artist)
    url = reverse("moderation:evidence_add", args=[asked.artwork_id])
    response = client.post(url, {"files": [evil]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a JPEG, PNG, WebP or GIF image" in html and "wip\r\n" not in html
    assert not CaseEvidence.objects.exists()
