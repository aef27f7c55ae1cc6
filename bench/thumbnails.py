"""Benchmark imaging (Pillow) against libvips making the same srcset derivatives.

    .venv/bin/python bench/thumbnails.py [--runs 3] [--rounds 3] [--no-write]

Generates a 24-megapixel JPEG and a 16-megapixel PNG with photo-like content in a temp dir. Each
(input, pipeline) case runs in a fresh subprocess, `--rounds` times, interleaved with the other
cases: one cold run (imports, first page faults), then `--runs` timed runs. Reported: the median
of all timed runs, and the peak RSS of the whole case process (Pillow and libvips allocate in C,
where tracemalloc cannot see). Results go to docs/performance.md between the `bench:thumbnails`
markers; other sections of that file are left alone."""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
START, END = "<!-- bench:thumbnails -->", "<!-- /bench:thumbnails -->"
INPUTS = {
    "24 MP JPEG": ("photo-24mp.jpg", (6000, 4000)),
    "16 MP PNG": ("photo-16mp.png", (4900, 3265)),
}
PIPELINES = ("pillow", "vips", "probe")
TIME_TARGET, MEMORY_TARGET_MB = 1.3, 200
TIMES = "\N{MULTIPLICATION SIGN}"


def photo_like(size: tuple[int, int], seed: int) -> Image.Image:
    """Smooth colour fields, hard-edged shapes and sensor-like noise: compresses like a photo."""
    import random

    from PIL import Image, ImageChops, ImageDraw

    rng = random.Random(seed)
    width, height = size
    coarse = Image.frombytes("RGB", (48, 32), rng.randbytes(48 * 32 * 3))
    fine = Image.frombytes("RGB", (width // 24, height // 24), rng.randbytes(width * height // 192))
    im = Image.blend(
        coarse.resize(size, Image.Resampling.BICUBIC),
        fine.resize(size, Image.Resampling.BICUBIC),
        0.25,
    )
    draw = ImageDraw.Draw(im)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        r = rng.randrange(width // 40, width // 6)
        fill = tuple(rng.randrange(256) for _ in range(3))
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x - r, y - r // 2, x + r, y + r // 2), fill=fill)
    noise = Image.merge("RGB", [Image.effect_noise(size, 10) for _ in range(3)])
    return ImageChops.add(im, noise, offset=-128)


def make_inputs(directory: Path) -> dict[str, Path]:
    paths = {}
    for seed, (label, (name, size)) in enumerate(INPUTS.items()):
        path = directory / name
        fmt = "JPEG" if name.endswith(".jpg") else "PNG"
        photo_like(size, seed).save(path, fmt, quality=90)
        paths[label] = path
    return paths


# --- one case, in a child process ---------------------------------------------------------------


def run_pillow(data: bytes) -> int:
    import imaging

    rendered = imaging.render(io.BytesIO(data))
    return len(rendered.derivatives)


def run_probe(data: bytes) -> int:
    import imaging

    imaging.probe(io.BytesIO(data), max_bytes=10**9, max_pixels=10**8, max_frames=1000)
    return 1


def run_vips(data: bytes) -> int:
    """The reference: the same widths and qualities, decoded once (shrink-on-load for JPEG),
    each smaller size resized from the next larger one held in memory."""
    import pyvips

    from imaging import DEFAULT_WIDTHS

    pyvips.cache_set_max(0)  # the operation cache would replay earlier runs
    header = pyvips.Image.new_from_buffer(data, "")
    full = header.width
    widths = {w for w in DEFAULT_WIDTHS if w < full}
    if full <= max(DEFAULT_WIDTHS):
        widths.add(full)
    widths = sorted(widths, reverse=True)
    image = pyvips.Image.thumbnail_buffer(data, widths[0], height=10**6, size="down")
    outputs = 0
    for width in widths:
        if image.width != width:
            image = image.resize(width / image.width)
        image = image.copy_memory()
        keep = pyvips.enums.ForeignKeep.NONE
        image.webpsave_buffer(Q=80, keep=keep)
        image.jpegsave_buffer(Q=82, keep=keep)
        outputs += 2
    return outputs


def child(pipeline: str, path: str, runs: int) -> None:
    sys.path.insert(0, str(ROOT))
    case = {"pillow": run_pillow, "vips": run_vips, "probe": run_probe}[pipeline]
    data = Path(path).read_bytes()
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        case(data)
        times.append(time.perf_counter() - started)
    peak_mb = peak_rss_mb()
    versions = {}
    if pipeline == "vips":
        import pyvips

        versions["libvips"] = f"{pyvips.version(0)}.{pyvips.version(1)}.{pyvips.version(2)}"
    else:
        import PIL

        versions["Pillow"] = PIL.__version__
    print(json.dumps({"cold": times[0], "times": times[1:], "peak_mb": peak_mb, **versions}))


def peak_rss_mb() -> float:
    """Peak resident memory of this whole process since it started, in MiB.

    Linux's ru_maxrss is carried over from the parent through fork/exec (it showed the
    driver's 300 MB in every child), so prefer VmHWM, which belongs to this process image.
    """
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- driver -------------------------------------------------------------------------------------


def measure(pipeline: str, path: Path, runs: int) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--child", pipeline, str(path), "--runs", str(runs)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.splitlines()[-1])


def merge(rounds: list[dict]) -> dict:
    """One case's rounds (processes) together: median of every timed run, worst peak."""
    merged = dict(rounds[0])
    merged["times"] = [t for r in rounds for t in r["times"]]
    merged["median"] = statistics.median(merged["times"])
    merged["cold"] = statistics.median(r["cold"] for r in rounds)
    merged["peak_mb"] = max(r["peak_mb"] for r in rounds)
    return merged


def report(results: dict, sizes: dict, args: argparse.Namespace) -> str:
    first = next(iter(results.values()))
    versions = f"Pillow {first['pillow']['Pillow']}, libvips {first['vips']['libvips']}"
    lines = [
        START,
        "## Thumbnails (`bench/thumbnails.py`)",
        "",
        f"{datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cores ({platform.machine()}), Python "
        f"{platform.python_version()}, {versions}. Derivatives 320/640/1280/2048 px wide, each as "
        "WebP (q80) and JPEG (q82), metadata stripped. Each case ran in "
        f"{args.rounds} fresh processes, interleaved with the others; median of their "
        f"{args.rounds * args.runs} timed runs (each process first does one cold run: imports, "
        "first page faults). Peak RSS is the whole case process's high-water mark (`VmHWM`: "
        "interpreter, libraries, input bytes, images). libvips uses its thread pool; Pillow "
        f"runs on one thread. Load average {args.load[0]:.1f} before, {args.load[1]:.1f} after: "
        "other work shared the machine, so expect some noise.",
        "",
        "| input | pipeline | median | cold run | peak RSS |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    names = {"pillow": "`imaging.render` (Pillow)", "vips": "libvips reference"}
    names["probe"] = "`imaging.probe` (upload check)"
    for label, by_pipeline in results.items():
        described = f"{label} ({sizes[label] / 1024**2:.1f} MB)"
        for pipeline, result in by_pipeline.items():
            lines.append(
                f"| {described} | {names[pipeline]} | {result['median']:.3f} s "
                f"| {result['cold']:.3f} s | {result['peak_mb']:.0f} MB |"
            )
        ratio = by_pipeline["pillow"]["median"] / by_pipeline["vips"]["median"]
        lines.append(f"| {described} | **ratio render / libvips** | **{ratio:.2f}{TIMES}** | | |")
    jpeg = results["24 MP JPEG"]
    ratio = jpeg["pillow"]["median"] / jpeg["vips"]["median"]
    peak = jpeg["pillow"]["peak_mb"]
    lines += [
        "",
        f"Targets for the 24 MP JPEG: time at most {TIME_TARGET}{TIMES} libvips: "
        f"{ratio:.2f}{TIMES} ({'met' if ratio <= TIME_TARGET else 'NOT met'}); "
        f"peak memory under {MEMORY_TARGET_MB} MB: {peak:.0f} MB "
        f"({'met' if peak < MEMORY_TARGET_MB else 'NOT met'}).",
        END,
    ]
    return "\n".join(lines)


def write_section(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + section + after
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="timed runs per process")
    parser.add_argument("--rounds", type=int, default=3, help="processes per case")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--child", nargs=2, metavar=("PIPELINE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.runs)
        return

    # Rounds interleave the cases, so a burst of load from elsewhere on the machine lands on
    # all of them rather than on whichever case happened to run at that moment.
    rounds: dict[tuple[str, str], list[dict]] = {}
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_inputs(Path(tmp))
        sizes = {label: path.stat().st_size for label, path in paths.items()}
        for round_number in range(args.rounds):
            for label, path in paths.items():
                for pipeline in PIPELINES:
                    result = measure(pipeline, path, args.runs)
                    rounds.setdefault((label, pipeline), []).append(result)
                    print(
                        f"round {round_number + 1}  {label:11} {pipeline:7} "
                        f"median {statistics.median(result['times']):.3f} s  "
                        f"cold {result['cold']:.3f} s  peak RSS {result['peak_mb']:.0f} MB",
                        flush=True,
                    )
    results: dict[str, dict] = {}
    for (label, pipeline), case_rounds in rounds.items():
        results.setdefault(label, {})[pipeline] = merge(case_rounds)
    args.load = (load, os.getloadavg()[0])
    section = report(results, sizes, args)
    print(section)
    if not args.no_write:
        write_section(section)


if __name__ == "__main__":
    main()
