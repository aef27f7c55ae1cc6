"""gallery.provenance: every producer's evidence, the verdict rules, malformed files, the command.

No database: every file is built in memory by ``provenance_files``.
"""

from __future__ import annotations

import http.server
import io
import json
import random
import socket
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from gallery.provenance import (
    VERDICT_AI_ASSISTED,
    VERDICT_AI_GENERATED,
    VERDICT_HUMAN,
    VERDICT_NONE,
    Evidence,
    ScanResult,
    combine,
    contradicts,
    scan_bytes,
    scan_file,
    stealth,
)

from . import provenance_files as pf


def sources(result: ScanResult) -> set[str]:
    return {e.source for e in result.evidence}


def evidence_of(result: ScanResult, source: str) -> list[Evidence]:
    return [e for e in result.evidence if e.source == source]


@pytest.fixture(scope="module")
def chain() -> pf.SigningChain:
    return pf.signing_chain()


# --- AI generators' own metadata --------------------------------------------------------------


def test_png_a1111_parameters_is_ai_generated():
    result = scan_bytes(pf.png_text(parameters=pf.A1111))

    assert result.verdict == VERDICT_AI_GENERATED
    (found,) = evidence_of(result, "a1111")
    assert found.field == "PNG tEXt parameters"
    assert found.kind == "ai-generated"
    assert "AUTOMATIC1111" in found.summary
    assert found.value.startswith("a watercolour fox")
    assert result.errors == []


def test_png_forge_parameters_names_forge():
    result = scan_bytes(pf.png_text(parameters=pf.FORGE))

    assert result.verdict == VERDICT_AI_GENERATED
    assert "Forge" in evidence_of(result, "a1111")[0].summary


@pytest.mark.parametrize(
    "chunk",
    [
        pf.ztxt_chunk("parameters", pf.A1111),
        pf.itxt_chunk("parameters", pf.A1111),
        pf.itxt_chunk("parameters", pf.A1111, compressed=True),
    ],
    ids=["zTXt", "iTXt", "iTXt-compressed"],
)
def test_png_a1111_parameters_in_compressed_and_international_text_is_read(chunk):
    result = scan_bytes(pf.png(before_idat=[chunk]))

    assert result.verdict == VERDICT_AI_GENERATED
    assert sources(result) == {"a1111"}


@pytest.mark.parametrize(
    ("container", "order", "encoding"),
    [
        ("jpeg", ">", "utf-16-be"),  # what piexif writes for AUTOMATIC1111
        ("jpeg", "<", "utf-16-le"),
        ("jpeg", "<", "utf-16-be"),  # byte order of the text need not match the TIFF's
        ("jpeg", ">", "utf-16-le"),
        ("webp", ">", "utf-16-be"),
        ("webp", "<", "utf-16-le"),
        ("jpeg", "<", "ascii"),
        ("webp", ">", "ascii"),
    ],
)
def test_exif_user_comment_a1111_is_ai_generated_in_any_byte_order_and_encoding(
    container, order, encoding
):
    exif = pf.tiff(exif={pf.USER_COMMENT: pf.user_comment(pf.A1111, encoding)}, order=order)
    data = pf.jpeg(exif=exif) if container == "jpeg" else pf.webp(exif=exif)

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    (found,) = evidence_of(result, "a1111")
    assert found.field == "EXIF UserComment"
    assert "Steps: 20" in found.value


def test_png_comfyui_prompt_and_workflow_is_ai_generated():
    data = pf.png_text(prompt=json.dumps(pf.COMFY_PROMPT), workflow=json.dumps(pf.COMFY_WORKFLOW))

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    assert {e.field for e in evidence_of(result, "comfyui")} == {
        "PNG tEXt prompt",
        "PNG tEXt workflow",
    }


def test_webp_comfyui_core_exif_model_and_make_is_ai_generated():
    # ComfyUI's own SaveAnimatedWEBP: Model = "prompt:{...}", Make = "workflow:{...}".
    exif = pf.tiff(
        {
            pf.MODEL: pf.ascii_tag("prompt:" + json.dumps(pf.COMFY_PROMPT)),
            pf.MAKE: pf.ascii_tag("workflow:" + json.dumps(pf.COMFY_WORKFLOW)),
        }
    )

    result = scan_bytes(pf.webp(exif=exif))

    assert result.verdict == VERDICT_AI_GENERATED
    assert {e.field for e in evidence_of(result, "comfyui")} == {"EXIF Model", "EXIF Make"}
    assert "exif" not in sources(result), "a workflow in Make is not a camera"


def test_webp_comfyui_custom_node_exif_make_and_image_description_is_ai_generated():
    exif = pf.tiff(
        {
            pf.MAKE: pf.ascii_tag("Prompt:" + json.dumps(pf.COMFY_PROMPT)),
            pf.IMAGE_DESCRIPTION: pf.ascii_tag("Workflow:" + json.dumps(pf.COMFY_WORKFLOW)),
        }
    )

    result = scan_bytes(pf.webp(exif=exif))

    assert result.verdict == VERDICT_AI_GENERATED
    assert {e.field for e in evidence_of(result, "comfyui")} == {
        "EXIF Make",
        "EXIF ImageDescription",
    }


def test_animated_png_comfyui_chunk_after_idat_is_ai_generated():
    comf = pf.png_chunk(b"comf", b"prompt\x00" + json.dumps(pf.COMFY_PROMPT).encode())

    result = scan_bytes(pf.png(after_idat=[comf]))

    assert result.verdict == VERDICT_AI_GENERATED
    assert evidence_of(result, "comfyui")[0].field == "PNG comf prompt"


def test_exif_user_comment_with_comfyui_json_is_ai_generated():
    comment = json.dumps({"prompt": pf.COMFY_PROMPT, "workflow": pf.COMFY_WORKFLOW})
    data = pf.jpeg(exif=pf.tiff(exif={pf.USER_COMMENT: pf.user_comment(comment, "ascii")}))

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    assert sources(result) == {"comfyui"}


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("invokeai_metadata", json.dumps({"generation_mode": "txt2img", "app_version": "4.2.0"})),
        ("invokeai_graph", json.dumps({"id": "graph", "nodes": {}, "edges": []})),
        ("invokeai_workflow", json.dumps({"name": "wf", "nodes": []})),
        ("sd-metadata", json.dumps({"model": "stable diffusion", "app_id": "invoke-ai/InvokeAI"})),
        ("Dream", '"a lighthouse at dusk" -s 50 -S 2336290326 -W 512 -H 512 -C 7.5 -A k_lms'),
    ],
)
def test_png_invokeai_metadata_is_ai_generated(key, value):
    result = scan_bytes(pf.png_text(**{key: value}))

    assert result.verdict == VERDICT_AI_GENERATED
    assert evidence_of(result, "invokeai")[0].field == f"PNG tEXt {key}"


def test_png_novelai_text_chunks_are_ai_generated():
    result = scan_bytes(pf.png_text(**pf.NOVELAI_TEXTS))

    assert result.verdict == VERDICT_AI_GENERATED
    assert {e.field for e in evidence_of(result, "novelai")} == {
        "PNG tEXt Software",
        "PNG tEXt Comment",
    }


def test_webp_novelai_exif_user_comment_is_ai_generated():
    exif = pf.tiff(
        {pf.IMAGE_DESCRIPTION: pf.ascii_tag("\0\0\0\0" + "1girl, scenery")},
        {pf.USER_COMMENT: pf.user_comment(json.dumps(pf.NOVELAI_TEXTS), "utf-16-le")},
    )

    result = scan_bytes(pf.webp(exif=exif))

    assert result.verdict == VERDICT_AI_GENERATED
    assert evidence_of(result, "novelai")[0].field == "EXIF UserComment"


def test_png_novelai_stealth_alpha_metadata_is_ai_generated():
    result = scan_bytes(pf.stealth_png(json.dumps(pf.NOVELAI_TEXTS)))

    assert result.verdict == VERDICT_AI_GENERATED
    (found,) = evidence_of(result, "novelai")
    assert found.field == "alpha channel stealth_pngcomp"
    assert result.errors == []


def test_uncompressed_stealth_pnginfo_with_a1111_text_is_ai_generated():
    result = scan_bytes(pf.stealth_png(pf.A1111, compressed=False, size=(80, 200)))

    assert result.verdict == VERDICT_AI_GENERATED
    assert evidence_of(result, "a1111")[0].field == "alpha channel stealth_pnginfo"


@pytest.mark.parametrize("filters", [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4], [4, 3, 2, 1]])
def test_stealth_probe_reads_the_first_column_through_every_png_filter(filters):
    im = pf.stealth_image(json.dumps(pf.NOVELAI_TEXTS), size=(24, 240))

    result = scan_bytes(pf.raw_rgba_png(im, filters))

    assert result.verdict == VERDICT_AI_GENERATED
    assert sources(result) == {"novelai"}
    assert result.errors == []


def test_stealth_metadata_in_a_short_image_is_found_through_the_full_decode():
    # Fewer than 120 rows: the magic wraps into the next column, past the cheap probe.
    result = scan_bytes(pf.stealth_png(json.dumps(pf.NOVELAI_TEXTS), size=(200, 60)))

    assert result.verdict == VERDICT_AI_GENERATED
    assert sources(result) == {"novelai"}


def test_webp_with_alpha_stealth_metadata_is_ai_generated():
    png_bytes = pf.stealth_png(json.dumps(pf.NOVELAI_TEXTS))
    data = pf.encode(Image.open(io.BytesIO(png_bytes)), "WEBP", lossless=True, exact=True)

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    assert sources(result) == {"novelai"}


def test_rgba_png_without_stealth_magic_is_not_decoded(monkeypatch):
    calls = []
    monkeypatch.setattr(stealth, "_alpha_lsb_column_major", lambda *a: calls.append(a))
    data = pf.encode(pf.image("RGBA", (300, 400)), "PNG")

    result = scan_bytes(data)

    assert result.verdict == VERDICT_NONE
    assert result.errors == []
    assert calls == [], "the first-column probe should have ruled it out without a decode"


def test_png_fooocus_scheme_and_json_parameters_is_ai_generated():
    data = pf.png_text(parameters=json.dumps(pf.FOOOCUS_PARAMETERS), fooocus_scheme="fooocus")

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    assert {e.field for e in evidence_of(result, "fooocus")} == {
        "PNG tEXt parameters",
        "PNG tEXt fooocus_scheme",
    }


def test_png_fooocus_with_a1111_scheme_is_attributed_to_fooocus():
    data = pf.png_text(parameters=pf.A1111, fooocus_scheme="a1111")

    result = scan_bytes(data)

    assert sources(result) == {"fooocus"}


def test_jpeg_fooocus_exif_written_by_pillow_without_character_code_is_ai_generated():
    # Fooocus hands Pillow a str for UserComment, so no "ASCII\0\0\0" prefix is written.
    exif = Image.Exif()
    exif[pf.USER_COMMENT] = json.dumps(pf.FOOOCUS_PARAMETERS)
    exif[pf.SOFTWARE] = "Fooocus v2.5.5"
    exif[pf.MAKER_NOTE] = "fooocus"
    data = pf.encode(pf.image(), "JPEG", exif=exif.tobytes())

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    assert {e.field for e in evidence_of(result, "fooocus")} == {
        "EXIF UserComment",
        "EXIF Software",
    }


@pytest.mark.parametrize("container", ["png", "jpeg", "webp"])
def test_swarmui_parameters_are_ai_generated(container):
    params = json.dumps(pf.SWARMUI_PARAMETERS)
    exif = pf.tiff(exif={pf.USER_COMMENT: pf.user_comment(params, "utf-16-le")})
    data = {
        "png": lambda: pf.png(before_idat=[pf.itxt_chunk("parameters", params)]),
        "jpeg": lambda: pf.jpeg(exif=exif),
        "webp": lambda: pf.webp(exif=exif),
    }[container]()

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    assert sources(result) == {"swarmui"}


def test_png_draw_things_xmp_is_ai_generated():
    body = (
        "<xmp:CreatorTool>Draw Things</xmp:CreatorTool>"
        '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">a red bicycle\n'
        "Steps: 8, Sampler: DPM++ 2M, Guidance Scale: 4.5, Seed: 42</rdf:li></rdf:Alt>"
        "</dc:description>"
        '<exif:UserComment><rdf:Alt><rdf:li xml:lang="x-default">'
        f"{json.dumps(pf.DRAW_THINGS_SETTINGS)}</rdf:li></rdf:Alt></exif:UserComment>"
    )
    namespaces = (
        'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:exif="http://ns.adobe.com/exif/1.0/"'
    )
    packet = pf.xmp(body, namespaces=namespaces).decode()

    result = scan_bytes(pf.png(before_idat=[pf.itxt_chunk("XML:com.adobe.xmp", packet)]))

    assert result.verdict == VERDICT_AI_GENERATED
    assert {e.field for e in evidence_of(result, "drawthings")} == {
        "XMP xmp:CreatorTool",
        "XMP exif:UserComment",
    }


def test_png_midjourney_text_and_iptc_after_idat_are_ai_generated():
    # Midjourney writes its XMP (prefix "iptcExt") and text chunks after the image data.
    packet = pf.xmp(
        "",
        namespaces=f'xmlns:iptcExt="{pf.IPTC_EXT}"',
        about_attributes=(
            'iptcExt:DigImageGUID="1338fb17-2986-466a-a23e-b8b3c25c8c82" '
            f'iptcExt:DigitalSourceType="{pf.DST}trainedAlgorithmicMedia"'
        ),
    ).decode()
    description = "a heron in fog --ar 3:2 --v 6.1 Job ID: a7421d2f-b262-44f9-977c-ac23e9c7d3e3"
    data = pf.png(
        after_idat=[
            pf.itxt_chunk("XML:com.adobe.xmp", packet),
            pf.text_chunk("Author", "someartist"),
            pf.text_chunk("Description", description),
        ]
    )

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    assert {"midjourney", "iptc"} <= sources(result)
    assert any(e.field == "PNG tEXt Description" for e in evidence_of(result, "midjourney"))
    assert result.errors == []


# --- IPTC digital source type -----------------------------------------------------------------


@pytest.mark.parametrize("form", ["element", "attribute", "resource"])
@pytest.mark.parametrize("prefix", ["Iptc4xmpExt", "iptcExt", "ns7"])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_iptc_digital_source_type_is_read_in_every_form(form, prefix, scheme):
    packet = pf.iptc_dst_xmp("trainedAlgorithmicMedia", form=form, prefix=prefix, scheme=scheme)

    result = scan_bytes(pf.jpeg(xmp=packet))

    assert result.verdict == VERDICT_AI_GENERATED
    (found,) = evidence_of(result, "iptc")
    assert found.field == "XMP Iptc4xmpExt:DigitalSourceType"
    assert found.value.endswith("/trainedAlgorithmicMedia")


def test_digital_source_type_in_another_namespace_is_ignored():
    body = (
        '<fake:DigitalSourceType xmlns:fake="http://example.com/not-iptc/">'
        f"{pf.DST}trainedAlgorithmicMedia</fake:DigitalSourceType>"
    )

    result = scan_bytes(pf.jpeg(xmp=pf.xmp(body)))

    assert result.verdict == VERDICT_NONE


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("trainedAlgorithmicMedia", VERDICT_AI_GENERATED),
        ("compositeWithTrainedAlgorithmicMedia", VERDICT_AI_ASSISTED),
        ("compositeSynthetic", VERDICT_AI_ASSISTED),
        ("algorithmicMedia", VERDICT_NONE),
        ("digitalCreation", VERDICT_HUMAN),
        ("digitalArt", VERDICT_HUMAN),
        ("humanEdits", VERDICT_HUMAN),
        ("minorHumanEdits", VERDICT_HUMAN),
        ("digitalCapture", VERDICT_HUMAN),
        ("computationalCapture", VERDICT_HUMAN),
        ("negativeFilm", VERDICT_HUMAN),
        ("positiveFilm", VERDICT_HUMAN),
        ("print", VERDICT_HUMAN),
        ("compositeCapture", VERDICT_HUMAN),
        ("dataDrivenMedia", VERDICT_NONE),
        ("somethingNew", VERDICT_NONE),
    ],
)
def test_iptc_digital_source_type_codes_map_to_verdicts(code, verdict):
    result = scan_bytes(pf.webp(xmp=pf.iptc_dst_xmp(code)))

    assert result.verdict == verdict


def test_algorithmic_media_is_recorded_but_not_generative_ai():
    result = scan_bytes(pf.jpeg(xmp=pf.iptc_dst_xmp("algorithmicMedia")))

    (found,) = result.evidence
    assert found.kind == "info"
    assert "not generative AI" in found.summary
    assert result.verdict == VERDICT_NONE


def test_iptc_ai_system_fields_are_ai_evidence():
    body = (
        "<Iptc4xmpExt:AISystemUsed>Example Diffusion</Iptc4xmpExt:AISystemUsed>"
        "<Iptc4xmpExt:AISystemVersionUsed>3.1</Iptc4xmpExt:AISystemVersionUsed>"
        "<Iptc4xmpExt:AIPromptInformation>a fox</Iptc4xmpExt:AIPromptInformation>"
        "<Iptc4xmpExt:AIPromptWriterName>Jane Doe</Iptc4xmpExt:AIPromptWriterName>"
    )
    packet = pf.xmp(body, namespaces=f'xmlns:Iptc4xmpExt="{pf.IPTC_EXT}"')

    result = scan_bytes(pf.jpeg(xmp=packet))

    assert result.verdict == VERDICT_AI_GENERATED
    kinds = {e.field.split(":")[-1]: e.kind for e in result.evidence}
    assert kinds == {
        "AISystemUsed": "ai-generated",
        "AIPromptInformation": "ai-generated",
        "AISystemVersionUsed": "info",
        "AIPromptWriterName": "info",
    }


def test_iptc_ai_system_with_composite_source_type_is_ai_assisted():
    body = (
        f"<Iptc4xmpExt:DigitalSourceType>{pf.DST}compositeWithTrainedAlgorithmicMedia"
        "</Iptc4xmpExt:DigitalSourceType>"
        "<Iptc4xmpExt:AISystemUsed>Example Inpainter</Iptc4xmpExt:AISystemUsed>"
    )
    packet = pf.xmp(body, namespaces=f'xmlns:Iptc4xmpExt="{pf.IPTC_EXT}"')

    result = scan_bytes(pf.jpeg(xmp=packet))

    assert result.verdict == VERDICT_AI_ASSISTED


@pytest.mark.parametrize("container", ["jpeg", "png", "webp", "gif"])
def test_xmp_is_found_in_every_container(container):
    packet = pf.iptc_dst_xmp("digitalCreation")
    data = {
        "jpeg": lambda: pf.jpeg(xmp=packet),
        "png": lambda: pf.png(before_idat=[pf.itxt_chunk("XML:com.adobe.xmp", packet.decode())]),
        "webp": lambda: pf.webp(xmp=packet),
        "gif": lambda: pf.gif(xmp=packet),
    }[container]()

    result = scan_bytes(data)

    assert result.verdict == VERDICT_HUMAN
    assert result.errors == []


def test_png_ztxt_xmp_is_read():
    packet = pf.iptc_dst_xmp("trainedAlgorithmicMedia")
    chunk = pf.png_chunk(b"zTXt", b"XML:com.adobe.xmp\x00\x00" + zlib.compress(packet))

    assert scan_bytes(pf.png(before_idat=[chunk])).verdict == VERDICT_AI_GENERATED


def test_tiff_camera_tags_and_xmp_are_read():
    packet = pf.iptc_dst_xmp("digitalCapture")
    data = pf.encode(pf.image(), "TIFF", tiffinfo={271: "Nikon", 272: "Z 8", 700: packet})

    result = scan_bytes(data)

    assert result.verdict == VERDICT_HUMAN
    assert {e.summary for e in result.evidence} >= {"Camera: Nikon Z 8"}
    assert sources(result) == {"exif", "iptc"}


def test_xmp_packet_in_an_unrecognised_container_is_still_read():
    data = b"\x00\x00\x00\x1cftypavif" + b"\x00" * 64 + pf.iptc_dst_xmp("trainedAlgorithmicMedia")

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    assert any("not a JPEG, PNG, WebP, GIF or TIFF" in e for e in result.errors)


# --- human evidence ---------------------------------------------------------------------------


def test_jpeg_camera_exif_is_human_evidence():
    exif = pf.tiff({pf.MAKE: pf.ascii_tag("Canon"), pf.MODEL: pf.ascii_tag("Canon EOS R5")})

    result = scan_bytes(pf.jpeg(exif=exif))

    assert result.verdict == VERDICT_HUMAN
    (found,) = result.evidence
    assert (found.source, found.summary) == ("exif", "Camera: Canon EOS R5")


@pytest.mark.parametrize(
    ("software", "app"),
    [
        ("Krita 5.2.2", "Krita"),
        ("CLIP STUDIO PAINT", "Clip Studio Paint"),
        ("Procreate", "Procreate"),
        ("Adobe Photoshop 25.0 (Windows)", "Adobe Photoshop"),
        ("GIMP 2.10.36", "GIMP"),
        ("Affinity Photo 2", "Affinity"),
        ("PaintTool SAI Ver.2", "PaintTool SAI"),
        ("MediBang Paint Pro", "MediBang Paint"),
        ("Rebelle 7", "Rebelle"),
        ("Aseprite 1.3", "Aseprite"),
        ("Blender 4.1", "Blender"),
    ],
)
@pytest.mark.parametrize("where", ["exif", "xmp", "png"])
def test_drawing_and_editing_software_is_human_evidence(software, app, where):
    data = {
        "exif": lambda: pf.jpeg(exif=pf.tiff({pf.SOFTWARE: pf.ascii_tag(software)})),
        "xmp": lambda: pf.jpeg(
            xmp=pf.xmp(
                f"<xmp:CreatorTool>{software}</xmp:CreatorTool>",
                namespaces='xmlns:xmp="http://ns.adobe.com/xap/1.0/"',
            )
        ),
        "png": lambda: pf.png_text(Software=software),
    }[where]()

    result = scan_bytes(data)

    assert result.verdict == VERDICT_HUMAN
    assert result.evidence[0].summary == f"Drawn or edited with {app}"


def test_ai_evidence_outranks_human_evidence():
    exif = pf.tiff(
        {pf.MAKE: pf.ascii_tag("Canon"), pf.MODEL: pf.ascii_tag("Canon EOS R5")},
        {pf.USER_COMMENT: pf.user_comment(pf.A1111)},
        order=">",
    )

    result = scan_bytes(pf.jpeg(exif=exif))

    assert result.verdict == VERDICT_AI_GENERATED
    assert sources(result) == {"exif", "a1111"}


def test_text_merely_mentioning_ai_is_not_evidence():
    exif = pf.tiff(
        {pf.IMAGE_DESCRIPTION: pf.ascii_tag("not made with stable diffusion")},
        {pf.USER_COMMENT: pf.user_comment("made without midjourney or dall-e", "ascii")},
    )
    png_data = pf.png_text(
        Title="AI art? No: painted in gouache",
        Description="not made with stable diffusion, Job ID: none",
        Comment="generated? no, drawn",
        parameters="I did not use Steps: or samplers",
    )

    for data in (pf.jpeg(exif=exif), png_data):
        result = scan_bytes(data)
        assert result.verdict == VERDICT_NONE
        assert result.evidence == []


@pytest.mark.parametrize("container", ["jpeg", "png", "webp", "gif"])
def test_file_without_metadata_is_no_evidence(container):
    data = {"jpeg": pf.jpeg, "png": pf.png, "webp": pf.webp, "gif": pf.gif}[container]()

    result = scan_bytes(data)

    assert result == ScanResult(verdict=VERDICT_NONE, evidence=[], errors=[], c2pa=None)


# --- C2PA -------------------------------------------------------------------------------------


AI_CREATED = [{"action": "c2pa.created", "digitalSourceType": pf.DST + "trainedAlgorithmicMedia"}]
HUMAN_CREATED = [{"action": "c2pa.created", "digitalSourceType": pf.DST + "digitalCreation"}]


@pytest.mark.parametrize(
    ("make", "mime"),
    [(pf.jpeg, "image/jpeg"), (pf.png, "image/png"), (pf.webp, "image/webp")],
    ids=["jpeg", "png", "webp"],
)
def test_c2pa_trained_algorithmic_media_is_ai_generated_from_untrusted_signer(chain, make, mime):
    data = pf.c2pa_signed(make(), mime, chain, AI_CREATED)

    result = scan_bytes(data)

    assert result.verdict == VERDICT_AI_GENERATED
    assert result.c2pa == {
        "validation_state": "untrusted",
        "claim_generator": "Atelier test generator 1.0",
        "digital_source_types": [pf.DST + "trainedAlgorithmicMedia"],
    }
    ai = [e for e in evidence_of(result, "c2pa") if e.kind == "ai-generated"]
    assert len(ai) == 1
    assert "Content Credentials" in ai[0].summary
    assert "not on a trust list" in ai[0].summary
    assert result.errors == []


def test_c2pa_human_digital_source_type_is_human_evidence(chain):
    data = pf.c2pa_signed(pf.jpeg(), "image/jpeg", chain, HUMAN_CREATED)

    result = scan_bytes(data)

    assert result.verdict == VERDICT_HUMAN
    assert result.c2pa["validation_state"] == "untrusted"
    assert result.c2pa["digital_source_types"] == [pf.DST + "digitalCreation"]


def test_c2pa_manifest_of_altered_file_is_invalid_and_cannot_vouch_for_human_work(chain):
    signed = pf.c2pa_signed(pf.png(), "image/png", chain, HUMAN_CREATED)
    at = signed.find(b"IDAT") + 6
    altered = signed[:at] + bytes([signed[at] ^ 0xFF]) + signed[at + 1 :]

    result = scan_bytes(altered)

    assert result.c2pa["validation_state"] == "invalid"
    assert result.verdict == VERDICT_NONE
    assert all("failed validation" in e.summary for e in evidence_of(result, "c2pa"))


def test_c2pa_ai_claim_of_altered_file_still_counts(chain):
    signed = pf.c2pa_signed(pf.png(), "image/png", chain, AI_CREATED)
    at = signed.find(b"IDAT") + 6
    altered = signed[:at] + bytes([signed[at] ^ 0xFF]) + signed[at + 1 :]

    result = scan_bytes(altered)

    assert result.c2pa["validation_state"] == "invalid"
    assert result.verdict == VERDICT_AI_GENERATED


def test_photoshop_alone_is_human_but_generative_fill_c2pa_action_is_ai(chain):
    exif = pf.tiff({pf.SOFTWARE: pf.ascii_tag("Adobe Photoshop 25.0 (Windows)")})
    plain = pf.jpeg(exif=exif)
    actions = [
        {"action": "c2pa.created", "digitalSourceType": pf.DST + "digitalCreation"},
        {
            "action": "c2pa.edited",
            "description": "Generative Fill",
            "softwareAgent": "Adobe Photoshop 25.0",
            "digitalSourceType": pf.DST + "trainedAlgorithmicMedia",
        },
    ]
    filled = pf.c2pa_signed(plain, "image/jpeg", chain, actions, generator="Adobe Photoshop")

    assert scan_bytes(plain).verdict == VERDICT_HUMAN
    result = scan_bytes(filled)
    assert result.verdict == VERDICT_AI_ASSISTED
    assert contradicts("human-made", result.verdict)
    edited = [e for e in evidence_of(result, "c2pa") if e.kind == "ai-assisted"]
    assert "Adobe Photoshop 25.0" in edited[0].value


@pytest.fixture
def local_server() -> Iterator[tuple[str, list[str]]]:
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/manifest.c2pa", hits
    server.shutdown()
    server.server_close()


def test_remote_manifest_url_is_reported_but_never_fetched(local_server, monkeypatch):
    url, hits = local_server
    packet = pf.xmp(
        "",
        namespaces='xmlns:dcterms="http://purl.org/dc/terms/"',
        about_attributes=f'dcterms:provenance="{url}"',
    )

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the scan opened a network connection")

    # Python-level connections are refused outright; the local server catches native ones
    # (c2pa's Rust HTTP client does not go through Python's socket module).
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for data in (pf.jpeg(xmp=packet), pf.webp(xmp=packet)):
        result = scan_bytes(data)
        assert result.errors == []
        (found,) = result.evidence
        assert (found.source, found.field, found.value) == ("c2pa", "XMP dcterms:provenance", url)
        assert "not fetched" in found.summary
    assert hits == []


def test_files_without_manifest_never_reach_the_c2pa_reader(monkeypatch):
    import c2pa

    calls = []
    monkeypatch.setattr(c2pa, "Reader", lambda *a, **k: calls.append(a))
    files = [
        pf.jpeg(exif=pf.tiff({pf.MAKE: pf.ascii_tag("Nikon"), pf.MODEL: pf.ascii_tag("Z 8")})),
        pf.png_text(parameters=pf.A1111),
        pf.webp(xmp=pf.iptc_dst_xmp("digitalCreation")),
        pf.gif(),
    ]

    for data in files:
        scan_bytes(data)

    assert calls == []


def test_scanning_metadata_never_decodes_pixels(monkeypatch):
    def refuse(self: object) -> None:
        raise AssertionError("pixels were decoded")

    files = [
        pf.jpeg(exif=pf.tiff(exif={pf.USER_COMMENT: pf.user_comment(pf.A1111)})),
        pf.png_text(parameters=pf.A1111),
        pf.webp(xmp=pf.iptc_dst_xmp("trainedAlgorithmicMedia")),
        pf.gif(xmp=pf.iptc_dst_xmp("trainedAlgorithmicMedia")),
        pf.encode(pf.image("RGBA", (200, 200)), "PNG"),
    ]
    monkeypatch.setattr(Image.Image, "load", refuse)

    for data in files:
        assert scan_bytes(data).errors == []


# --- malformed input --------------------------------------------------------------------------


def test_oversized_png_text_chunk_is_skipped_and_reported_while_others_are_read():
    huge = pf.A1111 + " " * (1024 * 1024 + 10)

    result = scan_bytes(
        pf.png(
            before_idat=[pf.text_chunk("parameters", huge)],
            after_idat=[pf.text_chunk("Software", "Krita 5.2")],
        )
    )

    assert result.verdict == VERDICT_HUMAN
    assert any("over the 1048576 byte limit" in e for e in result.errors)


def test_compressed_text_bomb_is_bounded():
    bomb = pf.ztxt_chunk("parameters", b"\0" * (20 * 1024 * 1024))
    assert len(bomb) < 100_000

    result = scan_bytes(pf.png(before_idat=[bomb]))

    assert result.verdict == VERDICT_NONE
    assert any("decompresses to over" in e for e in result.errors)


def test_png_chunk_length_past_the_end_is_reported():
    broken = (
        b"\x00\x10\x00\x00tEXt" + b"parameters\x00" + pf.A1111.encode()[:50]  # claims 1 MB
    )
    data = pf.png(before_idat=[pf.text_chunk("Software", "GIMP 2.10")])
    at = data.find(b"IDAT") - 4

    result = scan_bytes(data[:at] + broken)

    assert result.verdict == VERDICT_HUMAN
    assert any("claims 1048576 bytes" in e for e in result.errors)


def test_png_text_chunk_with_bad_crc_is_reported_but_still_read():
    chunk = pf.png_chunk(b"tEXt", b"parameters\x00" + pf.A1111.encode(), crc=0)

    result = scan_bytes(pf.png(before_idat=[chunk]))

    assert result.verdict == VERDICT_AI_GENERATED
    assert any("bad CRC" in e for e in result.errors)


def test_garbled_text_chunks_are_not_evidence_and_do_not_crash():
    garbage = bytes(range(256)).decode("latin-1") * 8
    data = pf.png(
        before_idat=[
            pf.text_chunk("parameters", garbage),
            pf.text_chunk("prompt", '{"3": {"class_type": "KSampler"'),
            pf.png_chunk(b"tEXt", b"no keyword terminator"),
            pf.png_chunk(b"iTXt", b"x\x00"),
            pf.png_chunk(b"zTXt", b"parameters\x00\x00not zlib at all"),
        ]
    )

    result = scan_bytes(data)

    assert result.verdict == VERDICT_NONE
    assert any("PNG tEXt prompt is not valid JSON" in e for e in result.errors)
    assert any("does not decompress" in e for e in result.errors)


@pytest.mark.parametrize("container", ["jpeg", "png", "webp", "gif"])
def test_truncated_files_keep_the_metadata_before_the_cut(container):
    packet = pf.iptc_dst_xmp("trainedAlgorithmicMedia")
    data = {
        "jpeg": lambda: pf.jpeg(xmp=packet),
        "png": lambda: pf.png(before_idat=[pf.itxt_chunk("XML:com.adobe.xmp", packet.decode())]),
        "webp": lambda: pf.webp(xmp=packet),
        "gif": lambda: pf.gif(xmp=packet),
    }[container]()
    # WebP puts XMP after the image data: cut inside the XMP chunk there.
    cut = data.find(b"XMP ") + 20 if container == "webp" else len(data) - 8
    data = data[:cut]

    result = scan_bytes(data)

    assert result.errors, "the truncation should be reported"
    if container != "webp":
        assert result.verdict == VERDICT_AI_GENERATED


@pytest.mark.parametrize("fraction", [0.02, 0.2, 0.5, 0.8, 0.97])
@pytest.mark.parametrize("container", ["jpeg", "png", "webp", "gif"])
def test_files_cut_anywhere_never_raise_and_report_the_cut(container, fraction):
    data = {"jpeg": pf.jpeg, "png": pf.png, "webp": pf.webp, "gif": pf.gif}[container]()

    result = scan_bytes(data[: max(1, int(len(data) * fraction))])

    assert result.verdict == VERDICT_NONE
    assert result.errors


def test_xmp_with_entity_declaration_is_refused_but_exif_still_read():
    exif = pf.tiff({pf.SOFTWARE: pf.ascii_tag("Krita 5.2")})

    result = scan_bytes(pf.jpeg(exif=exif, xmp=pf.BILLION_LAUGHS))

    assert result.verdict == VERDICT_HUMAN
    assert any("refused" in e and "DTD" in e for e in result.errors)


def test_xmp_with_external_entity_is_refused():
    packet = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/">&ext;</x:xmpmeta>'
    )

    result = scan_bytes(pf.webp(xmp=packet))

    assert result.verdict == VERDICT_NONE
    assert any("refused" in e for e in result.errors)


def test_malformed_xmp_is_reported():
    result = scan_bytes(pf.jpeg(xmp=b"<x:xmpmeta><rdf:RDF><unclosed></x:xmpmeta>"))

    assert result.verdict == VERDICT_NONE
    assert any("not well-formed" in e for e in result.errors)


def test_exif_with_out_of_bounds_offsets_is_reported():
    exif = bytearray(pf.tiff(exif={pf.USER_COMMENT: pf.user_comment(pf.A1111)}))
    comment_entry = exif.find(b"\x86\x92")  # tag 0x9286, little-endian
    exif[comment_entry + 8 : comment_entry + 12] = (0xFFFFFF).to_bytes(4, "little")

    result = scan_bytes(pf.jpeg(exif=bytes(exif)))

    assert result.verdict == VERDICT_NONE
    assert any("out of bounds" in e for e in result.errors)


@pytest.mark.parametrize(
    "data",
    [b"", b"hello, world", b"%PDF-1.7\n%\xe2\xe3", bytes(range(256)) * 40, b"\x89PNG\r\n\x1a\n"],
    ids=["empty", "text", "pdf", "binary", "png-signature-only"],
)
def test_non_image_bytes_give_no_evidence_and_an_error(data):
    result = scan_bytes(data)

    assert result.verdict == VERDICT_NONE
    assert result.evidence == []
    assert result.errors


def test_randomly_damaged_files_never_raise(chain):
    rng = random.Random(20250101)
    seeds = [
        pf.png_text(parameters=pf.A1111, Software="Krita"),
        pf.jpeg(
            exif=pf.tiff({pf.MAKE: pf.ascii_tag("Canon")}, {pf.USER_COMMENT: pf.user_comment("x")}),
            xmp=pf.iptc_dst_xmp("digitalCreation"),
        ),
        pf.webp(exif=pf.tiff({pf.SOFTWARE: pf.ascii_tag("GIMP")}), xmp=pf.iptc_dst_xmp("print")),
        pf.gif(xmp=pf.iptc_dst_xmp("digitalArt")),
        pf.stealth_png(json.dumps(pf.NOVELAI_TEXTS)),
        pf.c2pa_signed(pf.jpeg(), "image/jpeg", chain, AI_CREATED),
    ]
    for _ in range(300):
        data = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)

        result = scan_bytes(bytes(data))

        assert result.verdict in (
            VERDICT_AI_GENERATED,
            VERDICT_AI_ASSISTED,
            VERDICT_HUMAN,
            VERDICT_NONE,
        )
        json.dumps(result.to_dict())


# --- scan_file, serialisation, combine, contradicts -------------------------------------------


def test_scan_file_reads_paths_and_file_objects(tmp_path):
    path = tmp_path / "a.png"
    path.write_bytes(pf.png_text(parameters=pf.A1111))

    assert scan_file(path).verdict == VERDICT_AI_GENERATED
    assert scan_file(str(path)).verdict == VERDICT_AI_GENERATED
    with path.open("rb") as fh:
        assert scan_file(fh).verdict == VERDICT_AI_GENERATED


def test_scan_file_of_missing_path_reports_an_error(tmp_path):
    result = scan_file(tmp_path / "missing.png")

    assert result.verdict == VERDICT_NONE
    assert result.errors == ["could not read the file: No such file or directory"]


def test_scan_result_round_trips_through_json():
    result = scan_bytes(pf.png_text(parameters=pf.A1111, Software="Krita 5"))

    again = ScanResult.from_dict(json.loads(json.dumps(result.to_dict())))

    assert again == result
    assert set(result.to_dict()) == {"verdict", "evidence", "errors", "c2pa"}
    assert set(result.to_dict()["evidence"][0]) == {"source", "field", "value", "kind", "summary"}


def test_scan_result_from_partial_dict_recomputes_the_verdict():
    result = ScanResult.from_dict({"evidence": [{"source": "exif", "kind": "human"}]})

    assert result.verdict == VERDICT_HUMAN
    assert result.errors == []
    assert result.c2pa is None


def test_evidence_values_are_truncated():
    long_prompt = "a fox " * 200 + "\n" + pf.A1111.split("\n", 1)[1]

    result = scan_bytes(pf.png_text(parameters=long_prompt))

    assert len(result.evidence[0].value) <= 300


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ([], VERDICT_NONE),
        ([VERDICT_NONE, VERDICT_NONE], VERDICT_NONE),
        ([VERDICT_NONE, VERDICT_HUMAN], VERDICT_HUMAN),
        ([VERDICT_HUMAN, VERDICT_AI_ASSISTED], VERDICT_AI_ASSISTED),
        ([VERDICT_AI_ASSISTED, VERDICT_AI_GENERATED, VERDICT_HUMAN], VERDICT_AI_GENERATED),
    ],
)
def test_combine_takes_the_strongest_verdict(verdicts, expected):
    assert combine([ScanResult(verdict=v) for v in verdicts]) == expected


@pytest.mark.parametrize(
    ("label", "verdict", "expected"),
    [
        ("human-made", VERDICT_AI_GENERATED, True),
        ("human-made", VERDICT_AI_ASSISTED, True),
        ("human-made", VERDICT_HUMAN, False),
        ("human-made", VERDICT_NONE, False),
        ("ai-assisted", VERDICT_AI_GENERATED, True),
        ("ai-assisted", VERDICT_AI_ASSISTED, False),
        ("ai-assisted", VERDICT_HUMAN, False),
        ("ai-assisted", VERDICT_NONE, False),
        ("ai-generated", VERDICT_AI_GENERATED, False),
        ("ai-generated", VERDICT_HUMAN, False),
        ("ai-generated", VERDICT_NONE, False),
    ],
)
def test_contradicts_only_flags_ai_evidence_beyond_the_label(label, verdict, expected):
    assert contradicts(label, verdict) is expected


# --- the management command -------------------------------------------------------------------


@pytest.fixture
def files(tmp_path: Path) -> list[str]:
    ai = tmp_path / "ai.png"
    ai.write_bytes(pf.png_text(parameters=pf.A1111))
    camera = tmp_path / "camera.jpg"
    camera.write_bytes(
        pf.jpeg(exif=pf.tiff({pf.MAKE: pf.ascii_tag("Canon"), pf.MODEL: pf.ascii_tag("EOS R5")}))
    )
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not an image")
    return [str(ai), str(tmp_path / "missing.png"), str(camera), str(junk)]


def test_report_lines_work_without_django_settings(files):
    from gallery.management.commands.provenance import report_lines

    lines = [json.loads(line) for line in report_lines(files, as_json=True)]

    assert [line["verdict"] for line in lines] == [
        VERDICT_AI_GENERATED,
        VERDICT_NONE,
        VERDICT_HUMAN,
        VERDICT_NONE,
    ]


@pytest.fixture
def django_ready() -> None:
    from django.conf import settings

    if not settings.configured:
        pytest.skip("Django settings are not configured (run without -p no:django)")


def test_command_json_prints_one_valid_line_per_file_including_bad_ones(django_ready, files):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("provenance", "--json", *files, stdout=out)

    lines = out.getvalue().splitlines()
    assert len(lines) == len(files)
    reports = [json.loads(line) for line in lines]
    assert [r["file"] for r in reports] == files
    for report in reports:
        assert set(report) == {"file", "verdict", "evidence", "errors"}
        assert all({"source", "field", "value"} <= set(e) for e in report["evidence"])
    assert reports[0]["verdict"] == VERDICT_AI_GENERATED
    assert reports[0]["evidence"][0]["source"] == "a1111"
    assert reports[1]["verdict"] == VERDICT_NONE
    assert reports[1]["errors"] == ["could not read the file: No such file or directory"]
    assert reports[2]["evidence"][0]["summary"] == "Camera: Canon EOS R5"


def test_command_prints_verdicts_and_evidence_for_people(django_ready, files):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("provenance", *files, stdout=out)

    text = out.getvalue()
    assert f"{files[0]}: ai-generated" in text
    assert "Made with AUTOMATIC1111" in text
    assert f"{files[1]}: no-evidence" in text
    assert "problem: could not read the file" in text
    assert "Camera: Canon EOS R5" in text


def test_command_without_files_is_a_usage_error(django_ready):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("provenance")
