"""The label inside every public derivative (issue 14, point 6), read back two ways.

Each derivative is read by our own provenance reader and by ``exiftool -j -G1 -a``; both must
find exactly the packet's fields, and nothing of the original's metadata.
"""

from __future__ import annotations

import io
import json
import shutil
import subprocess

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

import imaging
from accounts.services import profile_update
from config.urls_abs import absolute_url
from gallery import provenance
from gallery.models import Artwork, FileDeletion
from gallery.services import label_files
from gallery.services.artworks import artwork_edit, artwork_relabel

pytestmark = pytest.mark.django_db

EXIFTOOL = shutil.which("exiftool")
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
SECRETS = ("Canon", "EOS R5", "SN-0042-SECRET", "a castle at dawn, masterpiece", "secret comment")
# Groups exiftool reports for any file (its own, the file system's, the container's header).
STRUCTURAL_GROUPS = {"SourceFile", "ExifTool", "System", "File", "JFIF", "RIFF", "Composite"}


def original_with_metadata() -> bytes:
    """A JPEG carrying camera EXIF, GPS, a serial number, an AI prompt in XMP and a comment."""
    im = Image.new("RGB", (900, 600), (120, 80, 40))
    exif = Image.Exif()
    exif[0x010F] = "Canon"  # Make
    exif[0x0110] = "EOS R5"  # Model
    exif.get_ifd(0x8769)[0xA431] = "SN-0042-SECRET"  # BodySerialNumber
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 51.0, 30.0), 3: "E", 4: (2.0, 17.0, 40.0)})
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:description><rdf:Alt>'
        b'<rdf:li xml:lang="x-default">a castle at dawn, masterpiece</rdf:li></rdf:Alt>'
        b"</dc:description></rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    out = io.BytesIO()
    im.save(out, "JPEG", exif=exif, xmp=xmp, comment=b"secret comment")
    return out.getvalue()


@pytest.fixture
def upload(client, django_capture_on_commit_callbacks):
    """Post one image through the form and run its task (eager, on commit)."""

    def post(artist, *, label="human-made", medium="drawing") -> Artwork:
        client.force_login(artist)
        with django_capture_on_commit_callbacks(execute=True):
            return _post(client, label, medium)

    return post


def _post(client, label: str, medium: str) -> Artwork:
    response = client.post(
        reverse("gallery:upload"),
        {
            "title": "Dawn",
            "medium": medium,
            "label": label,
            "images": [SimpleUploadedFile("dawn.jpg", original_with_metadata())],
        },
    )
    assert response.status_code == 302
    return Artwork.objects.get()


def derivative_files(artwork: Artwork) -> list[tuple[dict, bytes]]:
    artwork.refresh_from_db()
    assert artwork.status == Artwork.Status.PUBLISHED
    image = artwork.images.get()
    assert image.derivatives
    out = []
    for d in image.derivatives:
        with default_storage.open(d["name"], "rb") as fh:
            out.append((d, fh.read()))
    return out


def exiftool(data: bytes, tmp_path, name: str) -> dict:
    path = tmp_path / name
    path.write_bytes(data)
    result = subprocess.run(
        [EXIFTOOL, "-j", "-G1", "-a", str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout)[0]


def expected_fields(artwork: Artwork, source_type: str, *, reserved: bool) -> dict:
    fields = {
        "XMP-iptcExt:DigitalSourceType": IPTC + source_type,
        "XMP-dc:Creator": "Ana Artist (@ana)",
        "XMP-xmpRights:WebStatement": absolute_url(None, artwork.get_absolute_url()),
    }
    if reserved:
        fields["XMP-plus:DataMining"] = imaging.label_xmp.DMI_PROHIBITED_AIML
        fields["XMP-plus:OtherConstraints"] = label_files.AI_TRAINING_CONSTRAINT
    return fields


def assert_only_the_packet(data: bytes, expected: dict, tmp_path, name: str) -> None:
    found = exiftool(data, tmp_path, name)
    metadata = {k: v for k, v in found.items() if k.split(":")[0] not in STRUCTURAL_GROUPS}
    assert metadata == expected
    dumped = json.dumps(found)
    for secret in SECRETS:
        assert secret not in dumped
    for absent in ("GPS", "Make", "Model", "SerialNumber", "ICC", "Comment", "Description"):
        assert not any(absent in key for key in found), absent


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool is not installed (libimage-exiftool-perl)")
def test_every_derivative_carries_exactly_the_label_packet(upload, artist, tmp_path):
    artwork = upload(artist)

    files = derivative_files(artwork)

    assert {d["format"] for d, _ in files} == {"webp", "jpeg"}
    expected = expected_fields(artwork, "digitalCreation", reserved=True)
    for d, data in files:
        assert_only_the_packet(data, expected, tmp_path, d["name"].rsplit("/", 1)[-1])
        ours = provenance.scan_bytes(data)
        assert [(e.source, e.field, e.value, e.kind) for e in ours.evidence] == [
            ("iptc", "XMP Iptc4xmpExt:DigitalSourceType", IPTC + "digitalCreation", "human")
        ]
        assert ours.errors == []


def test_the_original_did_carry_what_the_derivatives_drop():
    found = provenance.scan_bytes(original_with_metadata())

    values = " ".join(e.value for e in found.evidence)
    assert "Canon" in values


@pytest.mark.parametrize(
    ("label", "medium", "source_type"),
    [
        ("ai-generated", "digital-painting", "trainedAlgorithmicMedia"),
        ("ai-assisted", "photography", "compositeWithTrainedAlgorithmicMedia"),
        ("human-made", "digital-painting", "digitalCreation"),
        ("human-made", "photography", "digitalCapture"),
        ("human-made", "traditional", "digitalCapture"),
        ("human-made", "3d", "digitalCreation"),
    ],
)
def test_label_and_medium_map_to_an_iptc_source_type(label, medium, source_type):
    assert label_files.label_source_type(label=label, medium=medium) == source_type


def test_artist_allowing_ai_training_gets_no_data_mining_fields(upload, artist):
    artist.ai_training_opt_out = False
    artist.save(update_fields=["ai_training_opt_out"])
    artwork = upload(artist)

    for _, data in derivative_files(artwork):
        assert b"plus:DataMining" not in data
        assert b"OtherConstraints" not in data
        assert b"digitalCreation" in data


@pytest.mark.skipif(EXIFTOOL is None, reason="exiftool is not installed (libimage-exiftool-perl)")
def test_relabel_rewrites_the_packet_under_new_names_and_deletes_the_old_files(
    upload, artist, moderator, tmp_path, django_capture_on_commit_callbacks
):
    artwork = upload(artist)
    before = derivative_files(artwork)
    pixels_before = {
        (d["width"], d["format"]): Image.open(io.BytesIO(b)).tobytes() for d, b in before
    }

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        changed = artwork_relabel(
            artwork=artwork, to_label="ai-generated", by="moderator", actor=moderator, reason="x"
        )

    assert changed
    assert len(callbacks) >= 1
    after = derivative_files(artwork)
    assert {d["name"] for d, _ in after}.isdisjoint({d["name"] for d, _ in before})
    expected = expected_fields(artwork, "trainedAlgorithmicMedia", reserved=True)
    for d, data in after:
        assert_only_the_packet(data, expected, tmp_path, d["name"].rsplit("/", 1)[-1])
        assert provenance.scan_bytes(data).verdict == provenance.VERDICT_AI_GENERATED
        # The splice never re-encodes: both formats decode to the very same pixels.
        assert Image.open(io.BytesIO(data)).tobytes() == pixels_before[d["width"], d["format"]]
    for d, _ in before:
        assert not default_storage.exists(d["name"])
    assert not FileDeletion.objects.exists()

    # A second run (a duplicate delivery) finds the packet current and writes nothing.
    assert label_files.derivatives_rewrite_label(artwork_id=artwork.pk) == 0
    assert [d for d, _ in derivative_files(artwork)] == [d for d, _ in after]


def test_editing_the_medium_rewrites_the_source_type(
    upload, artist, django_capture_on_commit_callbacks
):
    artwork = upload(artist, medium="digital-painting")

    with django_capture_on_commit_callbacks(execute=True):
        artwork_edit(
            artwork=artwork,
            editor=artist,
            title=artwork.title,
            description="",
            medium="photography",
            tags=[],
            label="human-made",
            ai_stages=[],
            ai_note="",
            alt_texts={},
        )

    for _, data in derivative_files(artwork):
        assert provenance.scan_bytes(data).evidence[0].value == IPTC + "digitalCapture"


def test_with_packet_replaces_an_earlier_packet_and_adds_vp8x_to_a_simple_webp():
    first = imaging.label_packet(
        source_type="digitalCreation", creator="a", web_statement="u", ai_training_reserved=False
    )
    second = imaging.label_packet(
        source_type="digitalCapture", creator="b", web_statement="v", ai_training_reserved=False
    )
    for fmt, params in (("JPEG", {}), ("WEBP", {"lossless": True}), ("WEBP", {})):
        plain = io.BytesIO()
        Image.new("RGB", (33, 17), (1, 2, 3)).save(plain, fmt, **params)

        twice = imaging.with_packet(imaging.with_packet(plain.getvalue(), first), second)

        assert twice.count(b"digitalsourcetype/") == 1
        assert b"digitalCapture" in twice
        reopened = Image.open(io.BytesIO(twice))
        assert reopened.size == (33, 17)
        assert b"digitalCapture" in reopened.info["xmp"]
    with pytest.raises(imaging.PacketError):
        imaging.with_packet(b"\x89PNG\r\n\x1a\n", first)


def test_a_profile_change_rewrites_the_packets_of_every_post(
    upload, artist, tmp_path, django_capture_on_commit_callbacks
):
    artwork = upload(artist)
    before = {d["name"] for d, _ in derivative_files(artwork)}

    with django_capture_on_commit_callbacks(execute=True):
        profile_update(
            user=artist, data={"display_name": "Ana Renamed", "ai_training_opt_out": True}
        )

    after = derivative_files(artwork)
    assert {d["name"] for d, _ in after}.isdisjoint(before)
    expected = expected_fields(artwork, "digitalCreation", reserved=True)
    expected["XMP-dc:Creator"] = "Ana Renamed (@ana)"
    for d, data in after:
        if EXIFTOOL:
            assert_only_the_packet(data, expected, tmp_path, d["name"].rsplit("/", 1)[-1])
        assert b"Ana Renamed (@ana)" in data

    # A profile save that changes nothing the packet says (the form always sends the name and
    # the AI-training choice) enqueues no rewrite and rewrites no file.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        profile_update(
            user=artist,
            data={"bio": "Painter of dawns.", "display_name": "Ana Renamed",
                  "ai_training_opt_out": True},
        )  # fmt: skip
    assert not [c for c in callbacks if "_packets" in c.__qualname__]
    assert [d for d, _ in derivative_files(artwork)] == [d for d, _ in after]
    assert label_files.artist_derivatives_rewrite_label(artist_id=artist.pk) == 0
