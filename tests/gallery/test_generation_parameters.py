"""What a generator's own block says (prompt, seed, model, sampler), read by
``gallery.provenance.parameters`` and stored with the image's provenance (issue 13, item 11)."""

from __future__ import annotations

import json

from gallery.provenance import ScanResult, scan_bytes
from gallery.provenance.parameters import MAX_PROMPT, MAX_VALUE, read
from tests.gallery import provenance_files as pf


def test_a1111_block_gives_prompt_negative_prompt_and_settings():
    params = read("a1111", pf.A1111)
    assert params == {
        "tool": "AUTOMATIC1111 Stable Diffusion web UI",
        "prompt": "a watercolour fox in the snow",
        "negative_prompt": "blurry, lowres",
        "seed": "1234",
        "model": "v1-5-pruned-emaonly",
        "sampler": "DPM++ 2M Karras",
        "steps": "20",
        "cfg": "7",
        "size": "512x768",
        "version": "v1.10.1",
    }


def test_a1111_multi_line_prompts_and_quoted_values_with_commas():
    text = (
        "line one,\nline two\nNegative prompt: bad\nworse\n"
        "Steps: 30, Sampler: Euler a, Schedule type: Karras, CFG scale: 4.5, Seed: 7, "
        'Lora hashes: "a: 1, b: 2", Model: sdxl, Version: v1.10.1'
    )
    params = read("a1111", text)
    assert params["prompt"] == "line one,\nline two"
    assert params["negative_prompt"] == "bad\nworse"
    assert params["sampler"] == "Euler a Karras"
    assert (params["seed"], params["model"], params["cfg"]) == ("7", "sdxl", "4.5")


def test_comfyui_graph_follows_the_sampler_wiring_to_its_prompts():
    graph = {
        "3": {
            "class_type": "KSampler",
            "inputs": {
                "seed": 99,
                "steps": 25,
                "cfg": 6.5,
                "sampler_name": "euler",
                "scheduler": "normal",
                "positive": ["6", 0],
                "negative": ["7", 0],
            },
        },
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "sdxl.safetensors"}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a harbour at dawn"}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "text, watermark"}},
    }
    params = read("comfyui", json.dumps(graph))
    assert params["prompt"] == "a harbour at dawn"
    assert params["negative_prompt"] == "text, watermark"
    assert (params["seed"], params["steps"], params["cfg"]) == ("99", "25", "6.5")
    assert params["model"] == "sdxl.safetensors" and params["sampler"] == "euler normal"


def test_other_generators_json_shapes():
    novelai = read("novelai", json.dumps(pf.NOVELAI_COMMENT))
    assert (novelai["prompt"], novelai["negative_prompt"], novelai["cfg"]) == (
        "1girl, scenery",
        "lowres",
        "5.0",
    )
    swarm = read("swarmui", json.dumps(pf.SWARMUI_PARAMETERS))
    assert (swarm["prompt"], swarm["seed"], swarm["model"]) == (
        "a lighthouse",
        "305223794",
        "Flux/flux1-dev-fp8",
    )
    drawthings = read("drawthings", json.dumps(pf.DRAW_THINGS_SETTINGS))
    assert (drawthings["prompt"], drawthings["seed"]) == ("a red bicycle", "42")
    fooocus = read("fooocus", json.dumps(pf.FOOOCUS_PARAMETERS))
    assert fooocus["model"] == "juggernautXL_v8Rundiffusion.safetensors"
    midjourney = read("midjourney", "a cat --v 6 Job ID: 0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b")
    assert midjourney["prompt"] == "a cat --v 6" and midjourney["tool"] == "Midjourney"


def test_values_are_bounded_and_junk_gives_none():
    long = "x" * (MAX_PROMPT + 500)
    params = read("a1111", f"{long}\nSteps: 20, Seed: {'9' * 500}, Sampler: Euler")
    assert len(params["prompt"]) == MAX_PROMPT and params["prompt"].endswith("…")
    assert len(params["seed"]) == MAX_VALUE
    assert read("a1111", "just a caption") is None
    assert read("comfyui", "{not json") is None
    assert read("novelai", "\x00\x00") is None


def test_scan_keeps_parameters_apart_from_the_stored_evidence_shape():
    result = scan_bytes(pf.png_text(parameters=pf.A1111 + "\x00"))
    (block,) = result.parameters
    assert block["where"] == "PNG tEXt parameters" and block["seed"] == "1234"
    assert "\x00" not in json.dumps(result.parameters)  # PostgreSQL JSON refuses NUL
    assert "parameters" not in result.to_dict()
    assert ScanResult.from_dict(result.to_dict()) == result


def test_a_block_repeated_in_the_same_file_is_kept_once():
    result = scan_bytes(pf.png_text(parameters=pf.A1111, fooocus_scheme="a1111"))
    assert len([b for b in result.parameters if b.get("prompt")]) == 1
