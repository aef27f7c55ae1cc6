"""imaging: upload validation (probe) and derivative rendering (render).

Every image is made in memory with Pillow; no database is needed.
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import zipfile
import zlib

import pytest
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageFile, PngImagePlugin, WebPImagePlugin

import imaging
from imaging import ImageRejected, hash_distance, probe, render
from tests.factories import many_scan_jpeg

LIMITS = {"max_bytes": 50 * 1024**2, "max_pixels": 50_000_000, "max_frames": 100}
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="Secret Camera"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
SCRIPT = b"<script>alert(document.cookie)</script>"


# --- builders -----------------------------------------------------------------------------------


def encode(im: Image.Image, fmt: str, **params: object) -> bytes:
    if fmt == "PNG":
        params.setdefault("compress_level", 1)  # noisy test images compress slowly otherwise
    buffer = io.BytesIO()
    im.save(buffer, fmt, **params)
    return buffer.getvalue()


def photo(width: int = 400, height: int = 300) -> Image.Image:
    """Gradients, shapes and noise: compresses and hashes like a photograph, not a flat fill."""
    red = Image.linear_gradient("L").resize((width, height))
    green = Image.radial_gradient("L").resize((width, height))
    blue = Image.effect_noise((width, height), 40)
    im = Image.merge("RGB", (red, green, blue))
    draw = ImageDraw.Draw(im)
    draw.ellipse((width // 5, height // 5, width // 2, height // 2), fill=(240, 200, 20))
    draw.rectangle(
        (width * 3 // 5, height // 2, width * 9 // 10, height * 9 // 10), fill=(20, 40, 160)
    )
    return im


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Secret Camera"
    exif[ExifTags.Base.Orientation] = orientation
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(
        {
            ExifTags.GPS.GPSLatitudeRef: "N",
            ExifTags.GPS.GPSLatitude: (52.0, 22.0, 12.0),
            ExifTags.GPS.GPSLongitudeRef: "E",
            ExifTags.GPS.GPSLongitude: (4.0, 53.0, 30.0),
        }
    )
    return exif


def adobe_rgb_icc() -> bytes:
    """A minimal ICC v2 matrix/TRC display profile with Adobe RGB (1998) primaries."""

    def xyz(x: float, y: float, z: float) -> bytes:
        return b"XYZ \0\0\0\0" + struct.pack(">3i", *(round(v * 65536) for v in (x, y, z)))

    text = b"Adobe RGB (test)\0"
    desc = b"desc\0\0\0\0" + struct.pack(">I", len(text)) + text + bytes(4 + 4 + 2 + 1 + 67)
    gamma = b"curv\0\0\0\0" + struct.pack(">IH", 1, 563) + b"\0\0"  # 563/256 = 2.2
    tags = [
        (b"desc", desc),
        (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
        (b"rXYZ", xyz(0.6097, 0.3111, 0.0195)),
        (b"gXYZ", xyz(0.2053, 0.6257, 0.0609)),
        (b"bXYZ", xyz(0.1492, 0.0632, 0.7446)),
        (b"rTRC", gamma),
        (b"gTRC", gamma),
        (b"bTRC", gamma),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, body = b"", b""
    for signature, data in tags:
        data += bytes(-len(data) % 4)
        table += signature + struct.pack(">II", offset + len(body), len(data))
        body += data
    size = offset + len(body)
    header = (
        struct.pack(">I4sI", size, b"\0\0\0\0", 0x02100000)
        + b"mntrRGB XYZ "
        + bytes(12)
        + b"acsp"
        + bytes(24)
        + struct.pack(">I", 0)
        + struct.pack(">3i", 63190, 65536, 54061)  # D50
        + bytes(48)
    )
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + body


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels but carries no pixel data at all."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IEND", b"")


def png_bomb(side: int) -> bytes:
    """A real greyscale PNG of side x side black pixels: a few hundred KB that inflate to
    side² bytes."""
    compressor = zlib.compressobj(9)
    row = bytes(side + 1)  # filter byte + pixels
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", idat)
        + png_chunk(b"IEND", b"")
    )


def jpeg_markers(data: bytes) -> list[int]:
    """Marker codes of a JPEG's header segments, up to the start of scan."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [], 2
    while pos < len(data):
        assert data[pos] == 0xFF
        kind = data[pos + 1]
        markers.append(kind)
        if kind == 0xDA:
            break
        pos += 2 + struct.unpack(">H", data[pos + 2 : pos + 4])[0]
    return markers


def webp_chunks(data: bytes) -> list[bytes]:
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    chunks, pos = [], 12
    while pos + 8 <= len(data):
        kind, length = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        chunks.append(kind)
        pos += 8 + length + (length & 1)
    return chunks


def assert_no_metadata(rendered: imaging.Rendered) -> None:
    for derivative in rendered.derivatives:
        data = derivative.data
        for needle in (
            b"Exif\0\0",
            b"http://ns.adobe.com/xap",
            b"ICC_PROFILE",
            b"<script",
            b"Secret",
        ):
            assert needle not in data, (derivative.format, derivative.width, needle)
        if derivative.format == "jpeg":
            # No APPn but the JFIF APP0, no COM (0xFE).
            assert set(jpeg_markers(data)) - {0xE0} <= {0xC0, 0xC4, 0xDB, 0xDD, 0xDA}
        else:
            assert not {b"EXIF", b"XMP ", b"ICCP"} & set(webp_chunks(data))
        with Image.open(io.BytesIO(data)) as im:
            assert not im.getexif()
            assert "icc_profile" not in im.info and "comment" not in im.info


def run_probe(data: bytes, **limits: int) -> imaging.ProbeResult:
    return probe(io.BytesIO(data), **{**LIMITS, **limits})


def rejection(data: bytes, **limits: int) -> str:
    with pytest.raises(ImageRejected) as caught:
        run_probe(data, **limits)
    return caught.value.reason


def pixel(data: bytes, xy: tuple[int, int]) -> tuple[int, ...]:
    with Image.open(io.BytesIO(data)) as im:
        return im.convert("RGBA").getpixel(xy)  # type: ignore[return-value]


def by_format(rendered: imaging.Rendered, fmt: str) -> list[imaging.Derivative]:
    return [d for d in rendered.derivatives if d.format == fmt]


# --- probe: accepted ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "mime", "extension"),
    [
        ("JPEG", "image/jpeg", "jpg"),
        ("PNG", "image/png", "png"),
        ("WEBP", "image/webp", "webp"),
        ("GIF", "image/gif", "gif"),
    ],
)
def test_probe_accepts_the_four_formats(fmt: str, mime: str, extension: str) -> None:
    data = encode(photo(300, 200), fmt)
    fileobj = io.BytesIO(data)
    result = probe(fileobj, **LIMITS)
    assert (result.format, result.mime, result.extension) == (fmt, mime, extension)
    assert (result.width, result.height, result.frames, result.size) == (300, 200, 1, len(data))
    assert fileobj.tell() == 0


def test_png_renamed_jpg_is_accepted_as_png() -> None:
    fileobj = io.BytesIO(encode(photo(), "PNG"))
    fileobj.name = "holiday.jpg"
    result = probe(fileobj, **LIMITS)
    assert (result.format, result.extension, result.mime) == ("PNG", "png", "image/png")


def test_probe_reports_stored_size_of_large_jpeg_not_the_draft() -> None:
    result = run_probe(encode(photo(1600, 1200), "JPEG"))
    assert (result.width, result.height) == (1600, 1200)


# --- probe: rejected formats --------------------------------------------------------------------


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            lambda: (
                b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">'
                + SCRIPT
                + b"</svg>"
            ),
            "an SVG drawing",
        ),
        (lambda: b"\xef\xbb\xbf  <svg onload=alert(1)></svg>", "an SVG drawing"),
        (lambda: b"<!DOCTYPE html><html><body>" + SCRIPT + b"</body></html>", "an HTML page"),
        (lambda: b"<p>hi</p><script>x()</script>", "an HTML page"),
        (lambda: b'<?xml version="1.0"?><rss/>', "an XML document"),
        (lambda: encode(photo(), "PDF"), "a PDF document"),
        (lambda: encode(photo(), "TIFF"), "a TIFF image"),
        (lambda: encode(photo(), "BMP"), "a BMP image"),
        (lambda: encode(photo(64, 64), "ICO"), "a Windows icon (ICO)"),
        (lambda: encode(photo(), "EPS"), "an EPS/PostScript file"),
        (lambda: encode(photo(64, 64), "AVIF"), "a HEIC or AVIF image"),
        (lambda: b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", "a HEIC or AVIF image"),
        (zip_bytes, "a ZIP archive"),
    ],
    ids=[
        "svg",
        "svg-bom",
        "html",
        "html-fragment",
        "xml",
        "pdf",
        "tiff",
        "bmp",
        "ico",
        "eps",
        "avif",
        "heic",
        "zip",
    ],
)
def test_non_image_formats_are_rejected_with_a_specific_reason(make, expected: str) -> None:
    reason = rejection(make())
    assert reason == f"is not a JPEG, PNG, WebP or GIF image (it looks like {expected})"


def test_text_file_named_png_is_rejected() -> None:
    fileobj = io.BytesIO(b"just some notes, not a picture\n")
    fileobj.name = "notes.png"
    with pytest.raises(ImageRejected, match=r"it looks like a text file"):
        probe(fileobj, **LIMITS)


def test_unknown_binary_is_rejected() -> None:
    assert rejection(bytes(range(256)) * 4).endswith("(its format is not recognised)")


def test_empty_file_is_rejected() -> None:
    assert rejection(b"") == "is empty"


@pytest.mark.parametrize("data", [b"<svg/>", b"\x89PNG\r\n\x1a\n" + b"\x00" * 300, b"x" * 5000])
def test_probe_rewinds_the_file_after_a_rejection(data: bytes) -> None:
    fileobj = io.BytesIO(data)
    with pytest.raises(ImageRejected):
        probe(fileobj, max_bytes=4096, max_pixels=10**8, max_frames=10)
    assert fileobj.tell() == 0


def test_reason_does_not_mention_the_filename() -> None:
    fileobj = io.BytesIO(b"<svg/>")
    fileobj.name = "evil.png"
    with pytest.raises(ImageRejected) as caught:
        probe(fileobj, **LIMITS)
    assert "evil" not in caught.value.reason and str(caught.value) == caught.value.reason


# --- probe: limits ------------------------------------------------------------------------------


class NoReadBytesIO(io.BytesIO):
    def read(self, size: int | None = -1) -> bytes:
        raise AssertionError("an over-size file must not be read")


def test_oversize_file_is_rejected_without_being_read() -> None:
    fileobj = NoReadBytesIO(encode(photo(), "PNG"))
    with pytest.raises(ImageRejected, match=r"^is .* KB, over the 1 KB limit$"):
        probe(fileobj, max_bytes=1024, max_pixels=10**8, max_frames=10)


class CountingBytesIO(io.BytesIO):
    """Counts reads: a check that walks a file's structure shows how far it went."""

    reads = 0

    def read(self, size: int | None = -1) -> bytes:
        self.reads += 1
        return super().read(size)


def no_image_open(*args: object, **kwargs: object) -> None:
    raise AssertionError("the file must be refused before Image.open")


def test_header_claiming_too_many_pixels_is_rejected_before_pillow_opens_it(monkeypatch) -> None:
    monkeypatch.setattr(Image, "open", no_image_open)
    reason = rejection(png_header_only(20_000, 20_000))
    assert reason == "is 20000 x 20000 pixels (400.0 megapixels), over the limit of 50 megapixels"


@pytest.mark.parametrize(
    ("fmt", "params"),
    [
        ("JPEG", {"exif": gps_exif(), "icc_profile": adobe_rgb_icc()}),
        ("JPEG", {"progressive": True}),
        ("PNG", {}),
        ("GIF", {}),
        ("WEBP", {}),
        ("WEBP", {"lossless": True}),
        ("WEBP", {"exif": gps_exif()}),
    ],
    ids=[
        "jpeg-app-segments",
        "jpeg-progressive",
        "png",
        "gif",
        "webp-lossy",
        "webp-lossless",
        "webp-extended",
    ],
)
def test_pixel_limit_is_read_from_every_header(monkeypatch, fmt: str, params: dict) -> None:
    data = encode(photo(301, 203), fmt, **params)
    monkeypatch.setattr(Image, "open", None)  # must not be reached
    assert "is 301 x 203 pixels" in rejection(data, max_pixels=301 * 203 - 1)


def test_jpeg_header_size_is_found_behind_large_segments(monkeypatch) -> None:
    monkeypatch.setattr(Image, "open", None)
    app1 = b"\xff\xe1" + struct.pack(">H", 60_002) + bytes(60_000)
    sof0 = b"\xff\xc0\x00\x11\x08" + struct.pack(">HH", 9000, 12000) + bytes(10)
    assert "12000 x 9000 pixels" in rejection(b"\xff\xd8" + app1 * 3 + b"\xff\xff" + sof0)


def test_decompressed_size_is_checked_not_the_file_size() -> None:
    bomb = png_bomb(10_000)  # 100 megapixels in well under a megabyte
    assert len(bomb) < 1024**2
    assert "10000 x 10000 pixels" in rejection(bomb)


def test_pillow_decompression_bomb_warning_is_an_error(monkeypatch) -> None:
    # Our own limit allows it, Pillow's warns (between 1x and 2x its limit): that must reject.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 60_000_000)
    reason = rejection(png_bomb(10_000), max_pixels=10**9)
    assert reason == "has too many pixels to be processed safely"


def test_pillow_decompression_bomb_error_is_rejected(monkeypatch) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    reason = rejection(encode(photo(100, 100), "GIF"), max_pixels=10**9)
    assert reason == "has too many pixels to be processed safely"


def animation(fmt: str, frames: int) -> bytes:
    images = [Image.new("RGB", (40, 30), (i * 40 % 256, 90, 200)) for i in range(frames)]
    return encode(images[0], fmt, save_all=True, append_images=images[1:], duration=100)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_frame_cap(fmt: str) -> None:
    data = animation(fmt, 6)
    assert run_probe(data, max_frames=6).frames == 6
    assert rejection(data, max_frames=5) == "has 6 animation frames, over the limit of 5"


# --- probe: bounded work, no decode -------------------------------------------------------------


@pytest.fixture
def forbid_decoding(monkeypatch):
    """Call it once the test's images are built: from then on every Pillow decode fails."""

    def refuse(self, *args: object, **kwargs: object) -> None:
        raise AssertionError("pixels were decoded")

    def forbid() -> None:
        monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
        monkeypatch.setattr(Image.Image, "load", refuse)
        monkeypatch.setattr(WebPImagePlugin.WebPImageFile, "load", refuse)

    return forbid


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_probe_decodes_no_pixels(forbid_decoding, fmt: str) -> None:
    still, moving = encode(photo(600, 400), fmt), animation(fmt if fmt != "JPEG" else "GIF", 4)
    forbid_decoding()
    assert run_probe(still).format == fmt
    assert run_probe(moving).frames == 4


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF"])
def test_truncated_file_passes_probe(forbid_decoding, fmt: str) -> None:
    # The header is whole; whether the pixels are is render's to find, in the worker.
    data = encode(photo(600, 400), fmt)
    forbid_decoding()
    assert run_probe(data[: len(data) * 2 // 3]).format == fmt


def test_many_scan_jpeg_is_rejected_by_what_probe_reads(forbid_decoding) -> None:
    data = many_scan_jpeg(repeats=1000)
    forbid_decoding()
    assert len(data) < 100 * 1024
    assert rejection(data) == (
        "is a JPEG with more than 100 scans, far more than any camera or editor writes; "
        "save it again as an ordinary JPEG or PNG"
    )


@pytest.mark.parametrize(
    ("params", "scans"),
    [
        ({}, 1),
        ({"progressive": True}, 10),  # libjpeg's standard progression for colour
        ({"progressive": True, "mode": "L"}, 6),  # and for greyscale
        ({"restart_marker_blocks": 1}, 1),  # restart markers inside the entropy data
        ({"progressive": True, "quality": 100, "subsampling": 0}, 10),  # 0xFF00 stuffing
    ],
)
def test_jpeg_scans_are_counted_without_decoding(forbid_decoding, params: dict, scans) -> None:
    im = photo(640, 480)
    if params.pop("mode", None):
        im = im.convert("L")
    data = encode(im, "JPEG", **params)
    forbid_decoding()
    assert data.count(b"\xff\x00") > 10
    assert imaging.jpeg_scan_count(io.BytesIO(data), stop_after=1000) == scans
    assert run_probe(data).format == "JPEG"


def test_scan_limit_is_a_parameter_and_counting_stops_past_it(forbid_decoding) -> None:
    data = many_scan_jpeg(repeats=30)
    forbid_decoding()
    assert imaging.jpeg_scan_count(io.BytesIO(data), stop_after=1000) == 40
    assert imaging.jpeg_scan_count(io.BytesIO(data), stop_after=5) == 6
    assert run_probe(data, max_scans=40).format == "JPEG"
    assert "more than 39 scans" in rejection(data, max_scans=39)


def test_jpeg_with_fill_bytes_and_a_trailing_second_image_counts_the_first_only() -> None:
    first = encode(photo(), "JPEG", progressive=True)
    padded = first[:2] + b"\xff" * 20 + first[2:]
    # An MPO-style file: what follows the first image's end is never decoded for it.
    assert imaging.jpeg_scan_count(io.BytesIO(padded + many_scan_jpeg()), stop_after=1000) == 10


def test_jpeg_made_of_endless_tiny_segments_is_rejected_quickly(monkeypatch) -> None:
    # Refused from the first 4,096 segment headers: neither the other 195,904 nor Pillow.
    monkeypatch.setattr(Image, "open", no_image_open)
    comment = b"\xff\xfe\x00\x02"
    fileobj = CountingBytesIO(b"\xff\xd8" + comment * 200_000)
    with pytest.raises(ImageRejected) as caught:
        probe(fileobj, **LIMITS)
    assert caught.value.reason.startswith("is a JPEG of more than 4096 segments")
    assert fileobj.reads < 4096 + 50


def test_magic_followed_by_garbage_is_rejected_or_fails_to_render() -> None:
    for magic in (b"\xff\xd8\xff\xe0", b"\x89PNG\r\n\x1a\n", b"GIF89a", b"RIFF\0\0\0\0WEBPVP8 "):
        data = magic + bytes(range(7, 250, 3)) * 20
        try:
            run_probe(data)
        except ImageRejected as exc:
            assert exc.reason == "is damaged or incomplete"
        with pytest.raises(ImageRejected, match="damaged"):
            render(io.BytesIO(data))


# --- render: damaged files ----------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "WEBP"])
def test_truncated_file_is_rejected_by_render(fmt: str) -> None:
    data = encode(photo(600, 400), fmt)
    assert render(io.BytesIO(data)).derivatives
    with pytest.raises(ImageRejected) as caught:
        render(io.BytesIO(data[: len(data) * 2 // 3]))
    assert caught.value.reason == "is damaged or incomplete"


def test_progressive_jpeg_cut_short_is_rejected_by_render() -> None:
    data = encode(photo(600, 400), "JPEG", progressive=True)
    with pytest.raises(ImageRejected, match=r"^is damaged or incomplete$"):
        render(io.BytesIO(data[: len(data) // 2]))


def test_png_with_bad_crc_is_rejected_by_render() -> None:
    data = bytearray(encode(photo(), "PNG"))
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(ImageRejected, match=r"^is damaged or incomplete$"):
        render(io.BytesIO(bytes(data)))


def test_png_with_valid_crcs_but_corrupt_pixel_data_is_rejected_by_render() -> None:
    idat = bytearray(zlib.compress(bytes(301) * 200))
    idat[2:40] = bytes(range(100, 138))
    ihdr = struct.pack(">IIBBBBB", 100, 200, 8, 2, 0, 0, 0)
    data = (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", bytes(idat))
        + png_chunk(b"IEND", b"")
    )
    with pytest.raises(ImageRejected, match=r"^is damaged or incomplete$"):
        render(io.BytesIO(data))


def test_render_refuses_a_many_scan_jpeg_before_decoding(forbid_decoding) -> None:
    # An original stored before probe counted scans must not cost the worker minutes either.
    data = many_scan_jpeg()
    forbid_decoding()
    with pytest.raises(ImageRejected, match="more than 100 scans"):
        render(io.BytesIO(data))


def test_probe_never_enables_loading_truncated_images() -> None:
    data = encode(photo(), "JPEG")
    run_probe(data[: len(data) - 100])
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# --- render: sizes ------------------------------------------------------------------------------


def test_large_image_gets_every_width_in_both_formats() -> None:
    rendered = render(io.BytesIO(encode(photo(3000, 2000), "JPEG")))
    assert (rendered.width, rendered.height) == (3000, 2000)
    sizes = [(d.width, d.height, d.format) for d in rendered.derivatives]
    assert sizes == [
        (w, h, fmt)
        for w, h in ((320, 213), (640, 427), (1280, 853), (2048, 1365))
        for fmt in ("webp", "jpeg")
    ]
    for derivative in rendered.derivatives:
        with Image.open(io.BytesIO(derivative.data)) as im:
            assert im.format == derivative.format.upper()
            assert im.size == (derivative.width, derivative.height)


@pytest.mark.parametrize(
    ("width", "expected"),
    [(500, [320, 500]), (2048, [320, 640, 1280, 2048]), (100, [100]), (321, [320, 321])],
)
def test_small_image_is_never_upscaled(width: int, expected: list[int]) -> None:
    rendered = render(io.BytesIO(encode(photo(width, width // 2), "PNG")))
    assert [d.width for d in by_format(rendered, "webp")] == expected
    assert [d.width for d in by_format(rendered, "jpeg")] == expected


def test_tall_strip_renders_with_webp_only_where_it_fits() -> None:
    # A webtoon strip: 13.6 megapixels, its full-width size taller than WebP allows.
    strip = Image.linear_gradient("L").resize((800, 17000)).convert("RGB")
    rendered = render(io.BytesIO(encode(strip, "PNG")))
    assert (rendered.width, rendered.height) == (800, 17000)
    assert [(d.width, d.height, d.format) for d in rendered.derivatives] == [
        (320, 6800, "webp"),
        (320, 6800, "jpeg"),
        (640, 13600, "webp"),
        (640, 13600, "jpeg"),
        (800, 17000, "jpeg"),
    ]
    for derivative in rendered.derivatives:
        with Image.open(io.BytesIO(derivative.data)) as im:
            assert im.size == (derivative.width, derivative.height)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        # Taller than JPEG allows: squeezed to its ceiling, one pixel wide, never zero.
        ((1, 100_000), [(1, imaging.JPEG_MAX_SIDE, "jpeg")]),
        (
            (100_000, 1),
            [(w, 1, fmt) for w in (320, 640, 1280, 2048) for fmt in ("webp", "jpeg")],
        ),
    ],
    ids=["1x100000", "100000x1"],
)
def test_extreme_aspect_ratios_render_without_zero_sides(size, expected) -> None:
    rendered = render(io.BytesIO(encode(Image.new("L", size, 128), "PNG")))
    assert (rendered.width, rendered.height) == size
    assert [(d.width, d.height, d.format) for d in rendered.derivatives] == expected
    for derivative in rendered.derivatives:
        with Image.open(io.BytesIO(derivative.data)) as im:
            im.load()
            assert im.size == (derivative.width, derivative.height)
    assert rendered.placeholder.startswith("#") and len(rendered.phash) == 16


def test_long_side_is_bounded_like_the_width() -> None:
    assert imaging.derivative_sizes((800, 17000), (320, 640), max_side=10_000) == [
        (471, 10_000),
        (320, 6800),
    ]
    assert imaging.derivative_sizes((3, 9000), (320,), max_side=1000) == [(1, 1000)]


def test_custom_widths() -> None:
    rendered = render(io.BytesIO(encode(photo(800, 600), "WEBP")), widths=(200, 400))
    assert [(d.width, d.height) for d in by_format(rendered, "jpeg")] == [(200, 150), (400, 300)]


def test_exif_orientation_is_applied() -> None:
    im = Image.new("RGB", (200, 100), (220, 20, 20))
    im.paste((20, 20, 220), (100, 0, 200, 100))  # left red, right blue
    data = encode(im, "JPEG", exif=gps_exif(orientation=6))
    rendered = render(io.BytesIO(data), widths=(50, 100))
    assert (rendered.width, rendered.height) == (100, 200)
    for derivative in rendered.derivatives:
        assert derivative.height == 2 * derivative.width
        top, bottom = (
            pixel(derivative.data, (derivative.width // 2, 5)),
            pixel(derivative.data, (derivative.width // 2, derivative.height - 5)),
        )
        # Orientation 6 means "rotate 90° clockwise to display": the left edge goes on top.
        assert top[0] > 150 > top[2] and bottom[2] > 150 > bottom[0]


def test_orientation_with_draft_on_a_large_jpeg() -> None:
    data = encode(photo(3000, 1500), "JPEG", exif=gps_exif(orientation=8))
    rendered = render(io.BytesIO(data))
    assert (rendered.width, rendered.height) == (1500, 3000)
    assert [(d.width, d.height) for d in by_format(rendered, "webp")] == [
        (320, 640),
        (640, 1280),
        (1280, 2560),
        (1500, 3000),
    ]


# --- render: metadata ---------------------------------------------------------------------------


def test_jpeg_metadata_is_stripped_from_every_output() -> None:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(
        photo(900, 600), "JPEG", exif=gps_exif(), xmp=XMP, icc_profile=srgb, comment=SCRIPT
    )
    with Image.open(io.BytesIO(data)) as original:
        assert original.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        assert {"icc_profile", "comment", "xmp"} <= set(original.info)
    rendered = render(io.BytesIO(data))
    assert len(rendered.derivatives) == 6
    assert_no_metadata(rendered)


def test_jpeg_comment_with_script_is_stripped() -> None:
    data = encode(photo(), "JPEG", comment=SCRIPT)
    assert 0xFE in jpeg_markers(data)
    assert_no_metadata(render(io.BytesIO(data)))


def test_gif_comment_with_script_is_stripped() -> None:
    data = encode(photo(), "GIF", comment=SCRIPT)
    assert SCRIPT in data
    assert_no_metadata(render(io.BytesIO(data)))


def test_png_text_chunks_exif_and_icc_are_stripped() -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Comment", SCRIPT.decode())
    text.add_itxt("XML:com.adobe.xmp", XMP.decode())
    text.add_text("Secret", "Secret Camera", zip=True)
    data = encode(photo(), "PNG", pnginfo=text, exif=gps_exif(), icc_profile=adobe_rgb_icc())
    assert_no_metadata(render(io.BytesIO(data)))


def test_webp_exif_xmp_and_icc_are_stripped() -> None:
    data = encode(photo(), "WEBP", exif=gps_exif(), xmp=XMP, icc_profile=adobe_rgb_icc())
    assert {b"EXIF", b"XMP ", b"ICCP"} <= set(webp_chunks(data))
    assert_no_metadata(render(io.BytesIO(data)))


def test_embedded_icc_profile_is_converted_to_srgb() -> None:
    colour = (60, 160, 90)
    plain = encode(Image.new("RGB", (64, 64), colour), "PNG")
    tagged = encode(Image.new("RGB", (64, 64), colour), "PNG", icc_profile=adobe_rgb_icc())
    expected = ImageCms.profileToProfile(
        Image.new("RGB", (1, 1), colour),
        ImageCms.ImageCmsProfile(io.BytesIO(adobe_rgb_icc())),
        ImageCms.createProfile("sRGB"),
    ).getpixel((0, 0))
    # Adobe RGB's gamut is wider: the same numbers mean a more saturated green in sRGB.
    assert expected[0] < colour[0] - 40
    untouched = render(io.BytesIO(plain), widths=(64,))
    converted = render(io.BytesIO(tagged), widths=(64,))
    assert_no_metadata(converted)
    for before, after in zip(untouched.derivatives, converted.derivatives, strict=True):
        for got, want in (
            (pixel(before.data, (32, 32)), colour),
            (pixel(after.data, (32, 32)), expected),
        ):
            assert max(abs(a - b) for a, b in zip(got[:3], want, strict=True)) <= 3


# --- render: modes ------------------------------------------------------------------------------


def test_cmyk_jpeg() -> None:
    im = Image.new("CMYK", (1000, 700), (0, 255, 255, 0))  # red ink
    rendered = render(io.BytesIO(encode(im, "JPEG")))
    assert [d.width for d in by_format(rendered, "jpeg")] == [320, 640, 1000]
    for derivative in rendered.derivatives:
        red, green, blue, _ = pixel(derivative.data, (10, 10))
        assert red > 200 and green < 60 and blue < 60


def test_greyscale_jpeg_gives_rgb_outputs() -> None:
    rendered = render(io.BytesIO(encode(photo(1500, 1000).convert("L"), "JPEG")))
    for derivative in rendered.derivatives:
        with Image.open(io.BytesIO(derivative.data)) as im:
            assert im.mode == "RGB"


def test_icc_conversion_keeps_alpha() -> None:
    im = Image.new("RGBA", (200, 100), (60, 160, 90, 255))
    im.paste((60, 160, 90, 0), (0, 0, 100, 100))
    data = encode(im, "PNG", icc_profile=adobe_rgb_icc())
    webp = by_format(render(io.BytesIO(data)), "webp")[0]
    assert pixel(webp.data, (10, 50))[3] == 0
    red, _green, _blue, alpha = pixel(webp.data, (190, 50))
    assert alpha == 255 and red < 30  # converted, as in the opaque case above


def test_16_bit_png_is_scaled_not_clipped() -> None:
    im = Image.new("I;16", (300, 200), 0x8000)  # mid grey in 16 bits
    data = encode(im, "PNG")
    with Image.open(io.BytesIO(data)) as check:
        assert check.mode == "I;16"
    for derivative in render(io.BytesIO(data)).derivatives:
        assert all(120 < channel < 136 for channel in pixel(derivative.data, (10, 10))[:3])


def test_palette_png_transparency_is_kept_in_webp_and_flattened_in_jpeg() -> None:
    im = Image.new("P", (400, 200), 0)
    im.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    im.paste(1, (200, 0, 400, 200))
    data = encode(im, "PNG", transparency=0)  # left half transparent, right half blue
    rendered = render(io.BytesIO(data))
    for derivative in rendered.derivatives:
        left = pixel(derivative.data, (5, 5))
        right = pixel(derivative.data, (derivative.width - 5, 5))
        assert right[2] > 200 and right[3] == 255
        if derivative.format == "webp":
            assert left[3] == 0
        else:
            assert left == (255, 255, 255, 255)


def test_animated_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (400, 300), c) for c in ((0, 200, 0), (200, 0, 0), (0, 0, 200))]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:], comment=SCRIPT)
    rendered = render(io.BytesIO(data))
    assert_no_metadata(rendered)
    for derivative in rendered.derivatives:
        red, green, blue, _ = pixel(derivative.data, (10, 10))
        assert green > 150 and red < 50 and blue < 50


def test_animated_webp_gives_its_first_frame() -> None:
    frames = [Image.new("RGBA", (400, 300), c) for c in ((0, 200, 0, 255), (200, 0, 0, 255))]
    data = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:])
    for derivative in render(io.BytesIO(data)).derivatives:
        assert pixel(derivative.data, (10, 10))[1] > 150


def test_greyscale_with_alpha() -> None:
    im = Image.new("LA", (400, 300), (128, 0))
    im.paste((30, 255), (200, 0, 400, 300))
    rendered = render(io.BytesIO(encode(im, "PNG")))
    jpeg = by_format(rendered, "jpeg")[0]
    assert pixel(jpeg.data, (5, 5)) == (255, 255, 255, 255)


def test_render_refuses_more_pixels_than_allowed() -> None:
    with pytest.raises(ImageRejected, match=r"over the limit of 0\.01 megapixels"):
        render(io.BytesIO(encode(photo(), "PNG")), max_pixels=10_000)


# --- render: hash and placeholder ---------------------------------------------------------------


def test_phash_of_resized_recompressed_copy_is_close() -> None:
    original = photo(2400, 1600)
    copy = original.resize((1100, 733), Image.Resampling.BICUBIC)
    first = render(io.BytesIO(encode(original, "PNG")))
    second = render(io.BytesIO(encode(copy, "JPEG", quality=60)))
    assert re.fullmatch(r"[0-9a-f]{16}", first.phash)
    assert hash_distance(first.phash, second.phash) <= 4
    rotated = render(io.BytesIO(encode(original.transpose(Image.Transpose.ROTATE_90), "PNG")))
    assert hash_distance(first.phash, rotated.phash) > 10


def test_hash_distance() -> None:
    assert hash_distance("ffff0000ffff0000", "ffff0000ffff0000") == 0
    assert hash_distance("0000000000000000", "000000000000000f") == 4
    with pytest.raises(ValueError, match="lengths"):
        hash_distance("00", "0000")


def test_perceptual_hash_of_an_image() -> None:
    im = photo()
    small = imaging.perceptual_hash(im.resize((200, 150)))
    assert hash_distance(imaging.perceptual_hash(im), small) <= 2


def test_placeholder_is_the_dominant_colour() -> None:
    im = Image.new("RGB", (400, 300), (200, 30, 40))
    im.paste((10, 10, 10), (0, 0, 100, 100))
    placeholder = render(io.BytesIO(encode(im, "PNG"))).placeholder
    assert re.fullmatch(r"#[0-9a-f]{6}", placeholder)
    red, green, blue = (int(placeholder[i : i + 2], 16) for i in (1, 3, 5))
    assert red > 180 and green < 60 and blue < 60


def _png_recut(data: bytes, *, idat_pieces: int = 1, empty_chunks: int = 0) -> bytes:
    """``data`` (a PNG) with its first IDAT chunk cut into ``idat_pieces`` chunks and
    ``empty_chunks`` empty private chunks after IHDR, every CRC right."""
    ihdr_end = 8 + 25
    length = int.from_bytes(data[ihdr_end : ihdr_end + 4], "big")
    assert data[ihdr_end + 4 : ihdr_end + 8] == b"IDAT"
    idat = data[ihdr_end + 8 : ihdr_end + 8 + length]
    cuts = [len(idat) * n // idat_pieces for n in range(idat_pieces + 1)]
    pieces = [png_chunk(b"IDAT", idat[a:b]) for a, b in itertools.pairwise(cuts)]
    return (
        data[:ihdr_end]
        + png_chunk(b"prVt", b"") * empty_chunks
        + b"".join(pieces)
        + data[ihdr_end + 12 + length :]
    )


def test_png_cut_into_endless_chunks_is_refused_before_pillow_walks_them(
    forbid_decoding, monkeypatch
) -> None:
    # 70,000 empty chunks: 840 KB. At 4.4 million (50 MB) probe took 22 s and render 33 s.
    data = _png_recut(encode(photo(8, 8), "PNG"), empty_chunks=70_000)
    forbid_decoding()
    assert imaging.png_chunk_count(io.BytesIO(data), stop_after=100) == 101
    said = (
        "is a PNG cut into more than 65,536 pieces, far more than any editor writes; save it "
        "again as an ordinary PNG"
    )
    assert rejection(data) == said
    opened = []
    real_open = Image.open

    def open_counted(*args, **kwargs):
        opened.append(args)
        return real_open(*args, **kwargs)

    monkeypatch.setattr(Image, "open", open_counted)
    with pytest.raises(ImageRejected) as caught:
        render(io.BytesIO(data))
    assert caught.value.reason == said  # the same words, with what to do
    assert opened == []  # render refused it before Pillow walked a single chunk


def test_png_with_its_data_in_thousands_of_chunks_is_accepted() -> None:
    # One chunk per row of a 3,000-row image (some streaming encoders write them so).
    original = encode(photo(40, 3000), "PNG")
    before = imaging.png_chunk_count(io.BytesIO(original), stop_after=100_000)
    data = _png_recut(original, idat_pieces=3000, empty_chunks=10)
    # Its first IDAT became 3,000; the chunks after it stay.
    assert imaging.png_chunk_count(io.BytesIO(data), stop_after=100_000) == before - 1 + 3010
    assert run_probe(data).format == "PNG"
    assert render(io.BytesIO(data)).derivatives
