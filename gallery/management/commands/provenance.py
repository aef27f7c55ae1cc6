"""``manage.py provenance [--json] FILE [FILE ...]``: what files' metadata says of their origin.

A thin shell over ``gallery.provenance.scan_file``; ``report_lines`` holds the formatting so it
can run (and be tested) without Django's settings.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.core.management.base import BaseCommand

from gallery.provenance import ScanResult, scan_file


def report_lines(paths: Iterable[str], *, as_json: bool) -> Iterator[str]:
    """Scan each path in turn and yield its report lines.

    With ``as_json`` every file gives exactly one line holding a JSON object with the keys
    ``file``, ``verdict``, ``evidence`` and ``errors``. A missing or unreadable file gives a
    line with verdict "no-evidence" and the reason in ``errors``; nothing here raises for a
    bad file, so one file never stops the others.
    """
    for path in paths:
        result = scan_file(path)
        if as_json:
            yield json.dumps(_json_report(path, result), ensure_ascii=False)
        else:
            yield from _human_report(path, result)


def _json_report(path: str, result: ScanResult) -> dict[str, Any]:
    data = result.to_dict()
    return {
        "file": path,
        "verdict": data["verdict"],
        "evidence": data["evidence"],
        "errors": data["errors"],
    }


def _human_report(path: str, result: ScanResult) -> Iterator[str]:
    yield f"{path}: {result.verdict}"
    if result.c2pa:
        yield f"  Content Credentials: {result.c2pa['validation_state']}"
    for evidence in result.evidence:
        yield f"  [{evidence.kind}] {evidence.summary}"
        yield f"      {evidence.source} / {evidence.field}: {evidence.value!r}"
    for error in result.errors:
        yield f"  problem: {error}"
    if not result.evidence and not result.errors:
        yield "  nothing in the metadata says how this file was made"


class Command(BaseCommand):
    help = (
        "Read provenance evidence (C2PA, IPTC, AI generators' metadata, camera and software "
        "tags) from image files and print each file's verdict."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE", help="image files to scan")
        parser.add_argument(
            "--json", action="store_true", help="print one JSON object per line per file"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for line in report_lines(options["files"], as_json=options["json"]):
            self.stdout.write(line)
