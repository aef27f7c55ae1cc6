"""Issue 14's reader families, on files built here: generation JSON recognised by content,
PNG hex "Raw profile" EXIF/XMP, case-insensitive keys and tool names, HEIF/AVIF boxes.

No database. ``heif`` builds the ISO-BMFF box structure by hand (ftyp, meta with hdlr, iinf,
iloc and idat, mdat), which is all the reader looks at.
"""

from __future__ import annotations

import json
import struct

import pytest

from gallery import provenance
from gallery.provenance import (
    VERDICT_AI_GENERATED,
    VERDICT_HUMAN,
    VERDICT_NONE,
    ScanResult,
    bmff,
    scan_bytes,
)

from . import provenance_files as pf

RUINED_FOOOCUS = {
    "Prompt": "a lighthouse at dusk",
    "Negative": "blurry",
    "steps": 30,
    "cfg": 8,
    "seed": 2020047614,
    "sampler_name": "dpmpp_2m_sde_gpu",
    "base_model_name": "sdxl.safetensors",
    "software": "RuinedFooocus",
}
DIFFUSERS = {
    "prompt": "a lighthouse at dusk",
    "negative_prompt": "blurry",
    "guidance_scale": 5.5,
    "num_inference_steps": 24,
    "seed": 443800072,
    "Model hash": "BDB59BAC77",
}
TENSORART = {
    "prompt": "a lighthouse at dusk",
    "negativePrompt": "blurry",
    "steps": 25,
    "cfgScale": 7,
    "seed": "-1",
    "baseModel": {"label": "v16", "hash": "A5F58EB1"},
}


def kinds_by_source(result: ScanResult) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for e in result.evidence:
        out.setdefault(e.source, set()).add(e.kind)
    return out


# --- family 1: generation-parameter JSON recognised by its content ----------------------------


def test_ruinedfooocus_json_parameters_is_ai_generated_and_names_the_tool():
    result = scan_bytes(pf.png_text(parameters=json.dumps(RUINED_FOOOCUS)))

    assert result.verdict == VERDICT_AI_GENERATED
    [evidence] = result.evidence
    assert evidence.source == "ruinedfooocus"
    assert "RuinedFooocus" in evidence.summary
    assert evidence.field == "PNG tEXt parameters"


def test_diffusers_json_parameters_is_ai_generated_and_says_diffusers():
    result = scan_bytes(pf.png_text(parameters=json.dumps(DIFFUSERS)))

    assert result.verdict == VERDICT_AI_GENERATED
    assert kinds_by_source(result) == {"diffusers": {"ai-generated"}}
    assert "Hugging Face Space" in result.evidence[0].summary


def test_generation_json_from_an_unknown_tool_names_the_tool_it_gives():
    params = {"prompt": "a fox", "steps": 20, "sampler": "euler", "generator": "PixelForge 3"}

    result = scan_bytes(pf.png_text(parameters=json.dumps(params)))

    assert result.verdict == VERDICT_AI_GENERATED
    assert result.evidence[0].source == "generator"
    assert "PixelForge 3" in result.evidence[0].summary


def test_generation_json_under_an_unknown_png_key_is_recognised_by_content():
    params = {"prompt": "a fox", "seed": 7, "cfg_scale": 6, "model": "x.safetensors"}

    result = scan_bytes(pf.png_text(sd_params=json.dumps(params)))

    assert result.verdict == VERDICT_AI_GENERATED
    assert result.evidence[0].source == "generator"


def test_generation_json_in_exif_user_comment_is_recognised():
    exif = pf.tiff(exif={pf.USER_COMMENT: pf.user_comment(json.dumps(RUINED_FOOOCUS))})

    result = scan_bytes(pf.jpeg(exif=exif))

    assert result.verdict == VERDICT_AI_GENERATED
    assert result.evidence[0].source == "ruinedfooocus"


@pytest.mark.parametrize(
    "params",
    [
        {"prompt": "a fox", "width": 512, "height": 512},  # a size is no generation setting
        {"prompt": "", "steps": 20, "seed": 1},  # no prompt
        {"title": "a fox", "steps": 20, "seed": 1},  # no prompt key
        {"prompt": "a fox", "steps": 20},  # one setting only
        {"caption": "my painting", "software": "Krita", "layers": 12},
    ],
    ids=["size-only", "empty-prompt", "no-prompt", "one-setting", "editor-json"],
)
def test_json_that_is_not_generation_parameters_is_not_ai(params):
    result = scan_bytes(pf.png_text(parameters=json.dumps(params), note=json.dumps(params)))

    assert result.verdict in (VERDICT_NONE, VERDICT_HUMAN)


def test_tensorart_generation_data_is_ai_generated():
    result = scan_bytes(pf.png_text(generation_data=json.dumps(TENSORART)))

    assert result.verdict == VERDICT_AI_GENERATED
    assert kinds_by_source(result) == {"tensorart": {"ai-generated"}}
    assert "TensorArt" in result.evidence[0].summary


def test_broken_tensorart_generation_data_is_an_error_not_evidence():
    result = scan_bytes(pf.png_text(generation_data='{"prompt": "a fox", "steps": '))

    assert result.verdict == VERDICT_NONE
    assert any("generation_data is not valid JSON" in e for e in result.errors)


# --- family 2: PNG hex "Raw profile type exif/xmp" ----------------------------------------------


def raw_profile(name: str, blob: bytes) -> str:
    """ImageMagick's layout: name, the byte count in 8 columns, then 72 hex digits a line."""
    digits = blob.hex()
    lines = "\n".join(digits[i : i + 72] for i in range(0, len(digits), 72))
    return f"\n{name}\n{len(blob):8d}\n{lines}\n"


@pytest.mark.parametrize("chunk", ["tEXt", "zTXt"])
def test_raw_profile_exif_is_decoded_and_read(chunk):
    exif = b"Exif\x00\x00" + pf.tiff(
        {pf.MAKE: pf.ascii_tag("Canon"), pf.MODEL: pf.ascii_tag("Canon EOS 40D")}
    )
    text = raw_profile("exif", exif)
    make = pf.text_chunk if chunk == "tEXt" else pf.ztxt_chunk
    data = pf.png(before_idat=[make("Raw profile type exif", text)])

    result = scan_bytes(data)

    assert result.verdict == VERDICT_HUMAN
    assert [(e.source, e.value) for e in result.evidence] == [("exif", "Canon EOS 40D")]
    assert result.errors == []


def test_raw_profile_exif_with_generator_user_comment_is_ai_generated():
    exif = b"Exif\x00\x00" + pf.tiff(exif={pf.USER_COMMENT: pf.user_comment(pf.A1111)})
    data = pf.png(before_idat=[pf.ztxt_chunk("Raw profile type exif", raw_profile("exif", exif))])

    assert scan_bytes(data).verdict == VERDICT_AI_GENERATED


def test_raw_profile_xmp_is_decoded_and_read():
    packet = pf.iptc_dst_xmp("trainedAlgorithmicMedia")
    data = pf.png(before_idat=[pf.ztxt_chunk("Raw profile type xmp", raw_profile("xmp", packet))])

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    assert kinds_by_source(result) == {"iptc": {"ai-generated"}}


def test_raw_profile_app1_holding_xmp_is_read():
    packet = b"http://ns.adobe.com/xap/1.0/\x00" + pf.iptc_dst_xmp("digitalCapture")
    data = pf.png(before_idat=[pf.ztxt_chunk("Raw profile type APP1", raw_profile("APP1", packet))])

    assert scan_bytes(data).verdict == VERDICT_HUMAN


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("\nexif\n      40\n4578", "truncated"),
        ("\nexif\nforty\n4578", "no valid profile header"),
        ("\nexif\n       2\nzzzz", "not valid hexadecimal"),
        (f"\nexif\n{10**9:8d}\n4578", "truncated or over"),
    ],
    ids=["short", "bad-count", "bad-hex", "huge-count"],
)
def test_damaged_raw_profile_is_an_error_not_a_crash(text, error):
    result = scan_bytes(pf.png(before_idat=[pf.text_chunk("Raw profile type exif", text)]))

    assert result.verdict == VERDICT_NONE
    assert any(error in e for e in result.errors), result.errors


def test_raw_profile_of_other_kinds_is_ignored():
    text = raw_profile("icc", b"\x00" * 40)

    result = scan_bytes(pf.png(before_idat=[pf.text_chunk("Raw profile type icc", text)]))

    assert result.verdict == VERDICT_NONE
    assert result.errors == []


# --- family 3: keys and tool names in any case ---------------------------------------------------


def test_capitalised_parameters_key_is_read():
    result = scan_bytes(pf.png_text(Parameters=pf.A1111))

    assert result.verdict == VERDICT_AI_GENERATED
    assert result.evidence[0].source == "a1111"


def test_lowercase_a1111_settings_line_is_read():
    result = scan_bytes(pf.png_text(parameters=pf.A1111.replace("Steps:", "steps:")))

    assert result.verdict == VERDICT_AI_GENERATED


def test_novelai_keys_and_software_in_other_case_are_read():
    texts = {k.lower(): v for k, v in pf.NOVELAI_TEXTS.items()}
    texts["software"] = "novelai"

    result = scan_bytes(pf.png_text(**texts))

    assert result.verdict == VERDICT_AI_GENERATED
    assert "novelai" in kinds_by_source(result)


def test_novelai_json_with_lowercase_software_is_read():
    params = {"software": "novelai", "comment": json.dumps(pf.NOVELAI_COMMENT)}

    result = scan_bytes(pf.png_text(parameters=json.dumps(params)))

    assert [e.source for e in result.evidence] == ["novelai"]


@pytest.mark.parametrize(
    "texts",
    [
        {"PROMPT": json.dumps(pf.COMFY_PROMPT)},
        {"Workflow": json.dumps(pf.COMFY_WORKFLOW)},
        {"INVOKEAI_METADATA": json.dumps({"positive_prompt": "a fox"})},
        {"Fooocus_Scheme": "FOOOCUS", "PARAMETERS": json.dumps(pf.FOOOCUS_PARAMETERS)},
        {"PARAMETERS": json.dumps({k.upper(): v for k, v in pf.SWARMUI_PARAMETERS.items()})},
    ],
    ids=["comfy-prompt", "comfy-workflow", "invokeai", "fooocus", "swarmui"],
)
def test_generator_keys_in_any_case_are_ai_generated(texts):
    assert scan_bytes(pf.png_text(**texts)).verdict == VERDICT_AI_GENERATED


def test_uppercase_xmp_keyword_is_read():
    data = pf.png(
        before_idat=[pf.itxt_chunk("xml:COM.ADOBE.XMP", pf.iptc_dst_xmp("digitalCapture").decode())]
    )

    assert scan_bytes(data).verdict == VERDICT_HUMAN


def test_lowercase_fooocus_maker_note_attributes_exif_parameters_to_fooocus():
    exif = pf.tiff(
        exif={
            pf.USER_COMMENT: pf.user_comment(pf.A1111, "none"),
            pf.MAKER_NOTE: (pf.UNDEFINED, b"FOOOCUS"),
        }
    )

    result = scan_bytes(pf.jpeg(exif=exif))

    assert [e.source for e in result.evidence] == ["fooocus"]


# --- family 5: HEIF / HEIC / AVIF -------------------------------------------------------------


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(body), kind) + body


def full_box(kind: bytes, body: bytes, version: int = 0) -> bytes:
    return box(kind, bytes([version, 0, 0, 0]) + body)


def infe(item_id: int, item_type: bytes, content_type: str = "") -> bytes:
    body = struct.pack(">HH4s", item_id, 0, item_type) + b"\x00"
    if item_type == b"mime":
        body += content_type.encode() + b"\x00"
    return full_box(b"infe", body, version=2)


def heif(
    *,
    exif: bytes | None = None,
    xmp: bytes | None = None,
    xmp_in_idat: bool = False,
    brand: bytes = b"heic",
    extra: bytes = b"",
) -> bytes:
    """A HEIF with an (empty) coded item 1, Exif item 2 and XMP item 3.

    The item data sits in ``mdat`` (construction method 0) or, for XMP with ``xmp_in_idat``,
    in ``idat`` (method 1). iloc fields are fixed-size, so offsets are patched after layout.
    """
    items = [infe(1, b"hvc1")]
    payloads: list[tuple[int, bytes, int]] = []  # (item id, bytes, construction method)
    if exif is not None:
        items.append(infe(2, b"Exif"))
        payloads.append((2, struct.pack(">I", 6) + b"Exif\x00\x00" + exif, 0))
    if xmp is not None:
        items.append(infe(3, b"mime", "application/rdf+xml"))
        payloads.append((3, xmp, 1 if xmp_in_idat else 0))
    ftyp = box(b"ftyp", brand + b"\x00\x00\x00\x00" + b"mif1" + brand)
    idat_body = b"".join(p for _, p, m in payloads if m == 1)
    mdat_body = b"".join(p for _, p, m in payloads if m == 0)

    def meta(mdat_at: int) -> bytes:
        entries, file_pos, idat_pos = [], mdat_at + 8, 0
        for item_id, payload, method in payloads:
            if method == 0:
                offset, file_pos = file_pos, file_pos + len(payload)
            else:
                offset, idat_pos = idat_pos, idat_pos + len(payload)
            # version 1: id, construction method, data ref index, 1 extent (offset, length)
            entries.append(struct.pack(">HHHHII", item_id, method, 0, 1, offset, len(payload)))
        iloc = full_box(
            b"iloc", struct.pack(">BBH", 0x44, 0x00, len(entries)) + b"".join(entries), 1
        )
        iinf = full_box(b"iinf", struct.pack(">H", len(items)) + b"".join(items))
        hdlr = full_box(b"hdlr", b"\x00" * 4 + b"pict" + b"\x00" * 13)
        children = hdlr + iinf + iloc + (box(b"idat", idat_body) if idat_body else b"")
        return full_box(b"meta", children)

    size_of_meta = len(meta(0))
    head = ftyp + meta(len(ftyp) + size_of_meta)
    return head + extra + box(b"mdat", mdat_body)


CAMERA_EXIF = pf.tiff(
    {
        pf.MAKE: pf.ascii_tag("Apple"),
        pf.MODEL: pf.ascii_tag("iPhone 11 Pro Max"),
        pf.SOFTWARE: pf.ascii_tag("14.4.2"),
    },
    order=">",
)


def test_heic_exif_item_is_read_as_camera_evidence():
    result = scan_bytes(heif(exif=CAMERA_EXIF))

    assert result.verdict == VERDICT_HUMAN
    assert [(e.field, e.value) for e in result.evidence] == [
        ("EXIF Make/Model", "Apple iPhone 11 Pro Max")
    ]
    assert result.errors == []


@pytest.mark.parametrize("in_idat", [False, True], ids=["mdat", "idat"])
def test_avif_xmp_item_is_read(in_idat):
    data = heif(xmp=pf.iptc_dst_xmp("trainedAlgorithmicMedia"), xmp_in_idat=in_idat, brand=b"avif")

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    assert result.evidence[0].field == "XMP Iptc4xmpExt:DigitalSourceType"
    assert result.errors == []


def test_heif_exif_and_xmp_items_together():
    data = heif(exif=CAMERA_EXIF, xmp=pf.iptc_dst_xmp("compositeWithTrainedAlgorithmicMedia"))

    result = scan_bytes(data)

    assert result.verdict == "ai-assisted"
    assert {e.kind for e in result.evidence} == {"human", "ai-assisted"}


def test_heif_c2pa_uuid_box_is_handed_to_the_c2pa_reader(monkeypatch):
    seen = []
    monkeypatch.setattr(provenance.c2pa_reader, "read_c2pa", lambda scan: seen.append(scan.fmt))
    c2pa_box = box(b"uuid", bmff.C2PA_UUID + b"\x00" * 8 + b"c2pa manifest store")

    scan_bytes(heif(exif=CAMERA_EXIF, extra=c2pa_box))
    scan_bytes(heif(exif=CAMERA_EXIF))

    assert seen == ["heif"]


def test_brand_detection():
    assert bmff.brand(heif(brand=b"heic")) == "heif"
    assert bmff.brand(heif(brand=b"avif")) == "avif"
    # An MP4 video (brand isom) is not a still image the reader walks.
    assert bmff.brand(box(b"ftyp", b"isom\x00\x00\x00\x00isomavc1")) is None


@pytest.mark.parametrize(
    ("damage", "error"),
    [
        (lambda d: d[:40], "box structure is broken"),
        (lambda d: d.replace(b"iloc", b"iloX"), "has no location"),
        (lambda d: d[: d.index(b"mdat") - 4] + b"\xff\xff\xff\xffmdat", "box structure"),
    ],
    ids=["truncated", "no-iloc", "mdat-past-end"],
)
def test_damaged_heif_is_an_error_not_a_crash(damage, error):
    result = scan_bytes(damage(heif(exif=CAMERA_EXIF)))

    assert any(error in e for e in result.errors), result.errors
    assert not any("could not be read" in e or "reader failed" in e for e in result.errors)


def test_heif_item_pointing_outside_the_file_is_skipped():
    data = bytearray(heif(exif=CAMERA_EXIF))
    at = data.index(b"iloc") + 4 + 4 + 4  # full box header, sizes, count
    struct.pack_into(">I", data, at + 8, 0x7FFFFFF0)  # the extent's offset

    result = scan_bytes(bytes(data))

    assert result.verdict == VERDICT_NONE
    assert any("lies outside the file" in e for e in result.errors)


def test_hostile_heif_box_counts_are_bounded():
    many_boxes = b"".join(box(b"free", b"") for _ in range(bmff.MAX_BOXES + 10))
    many_items = full_box(
        b"iinf",
        struct.pack(">H", 65535) + b"".join(infe(i, b"Exif") for i in range(bmff.MAX_ITEMS + 5)),
    )
    ftyp = box(b"ftyp", b"heic\x00\x00\x00\x00mif1")

    # Each walk stops at its limit and says so (how fast that is belongs to bench/, not here).
    flat = scan_bytes(ftyp + many_boxes)
    items = scan_bytes(ftyp + full_box(b"meta", many_items))

    assert any(f"more than {bmff.MAX_BOXES} boxes" in e for e in flat.errors)
    assert any(f"more than {bmff.MAX_ITEMS} items" in e for e in items.errors)


def test_heif_iloc_with_huge_item_count_is_refused():
    iloc = full_box(b"iloc", struct.pack(">BBH", 0x44, 0, 65535), 1)
    data = box(b"ftyp", b"heic\x00\x00\x00\x00mif1") + full_box(b"meta", iloc)

    result = scan_bytes(data)

    assert any("item locations" in e for e in result.errors)


def test_reader_version_is_exported():
    assert isinstance(provenance.READER_VERSION, int) and provenance.READER_VERSION >= 2


@pytest.mark.parametrize(("brand", "mime"), [(b"heic", "image/heic"), (b"avif", "image/avif")])
def test_signed_heif_c2pa_manifest_is_read(brand, mime):
    actions = [{"action": "c2pa.created", "digitalSourceType": pf.DST + "trainedAlgorithmicMedia"}]
    data = pf.c2pa_signed(heif(exif=CAMERA_EXIF, brand=brand), mime, pf.signing_chain(), actions)

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    assert result.c2pa is not None and result.c2pa["validation_state"] == "untrusted"
    assert result.c2pa["digital_source_types"] == [pf.DST + "trainedAlgorithmicMedia"]
    # Signing moved the item data; the EXIF item is still found through the updated iloc.
    assert "EXIF Make/Model" in {e.field for e in result.evidence}
    assert result.errors == []
