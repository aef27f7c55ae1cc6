"""Acceptance: the reader on the real-world corpus (``shared/corpus/provenance-real``).

The corpus sits beside the project on developer machines and in CI and is never copied into
it. Its ``check.py`` is imported by path and fed the same JSON lines ``manage.py provenance
--json`` prints, so the rules are exactly the corpus's own: every AI file caught, no false AI,
no crash (no output line, an unknown verdict, or a contained reader exception). Skipped, with
the places looked in, when the folder is absent.
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import json
import os
from pathlib import Path
from types import ModuleType

import pytest
from django.conf import settings

from gallery.management.commands.provenance import report_lines

CORPUS_ENV = "ATELIER_PROVENANCE_CORPUS"
CORPUS_PATH = Path("shared/corpus/provenance-real")


def corpus_candidates() -> list[Path]:
    """Where the corpus may be: the environment variable, then beside each parent folder of
    the checkout (a git worktree sits deeper than the main checkout)."""
    found = []
    if os.environ.get(CORPUS_ENV):
        found.append(Path(os.environ[CORPUS_ENV]))
    base = Path(settings.BASE_DIR).resolve()
    found.extend(parent / CORPUS_PATH for parent in base.parents)
    return found


def corpus_dir() -> Path:
    candidates = corpus_candidates()
    for candidate in candidates:
        if (candidate / "truth.json").is_file() and (candidate / "check.py").is_file():
            return candidate
    pytest.skip(
        "the real provenance corpus is absent (set "
        f"{CORPUS_ENV} or put it at ../{CORPUS_PATH}); looked in: "
        + ", ".join(str(c) for c in candidates)
    )


def load_check(corpus: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("provenance_corpus_check", corpus / "check.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus() -> Path:
    return corpus_dir()


@pytest.fixture(scope="module")
def report(corpus: Path) -> list[str]:
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    return list(report_lines([str(corpus / name) for name in sorted(truth)], as_json=True))


def test_corpus_passes_its_own_check(corpus, report, monkeypatch):
    check = load_check(corpus)
    monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(report) + "\n"))
    out = io.StringIO()

    with contextlib.redirect_stdout(out):
        status = check.main(["check.py", str(corpus / "truth.json")])

    summary = out.getvalue().strip().splitlines()[-1]
    assert status == 0, out.getvalue()
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    ai = sum(entry["expect"] in check.AI_LABELS for entry in truth.values())
    assert summary == (f"real corpus: AI caught {ai}/{ai}, false AI 0/{len(truth) - ai}, crashes 0")


def test_every_corpus_file_fits_its_label(corpus, report):
    """The same rules file by file, so a failure names each file and what the reader said."""
    check = load_check(corpus)
    truth = json.loads((corpus / "truth.json").read_text(encoding="utf-8"))
    results = {Path(line["file"]).name: line for line in map(json.loads, report)}
    problems = []
    for name, entry in sorted(truth.items()):
        label, result = entry["expect"], results.get(name)
        if result is None:
            problems.append(f"{name}: no output")
            continue
        verdict = result["verdict"]
        crashed = [e for e in result["errors"] if check.CONTAINED.search(e)]
        is_ai = label in check.AI_LABELS
        if crashed:
            problems.append(f"{name}: crash: {crashed[0]}")
        if is_ai != (verdict in check.AI_VERDICTS):
            problems.append(f"{name}: expected {label}, got {verdict}: {result['evidence']}")
    assert problems == []


def test_absent_corpus_skips_with_the_places_looked_in(tmp_path, settings, monkeypatch):
    settings.BASE_DIR = tmp_path / "checkout"
    monkeypatch.setenv(CORPUS_ENV, str(tmp_path / "nowhere"))

    with pytest.raises(pytest.skip.Exception) as skipped:
        corpus_dir()

    assert "real provenance corpus is absent" in str(skipped.value)
    assert str(tmp_path / "nowhere") in str(skipped.value)


def test_environment_variable_names_the_corpus_first(tmp_path, settings, monkeypatch):
    (tmp_path / "truth.json").write_text("{}")
    (tmp_path / "check.py").write_text("")
    monkeypatch.setenv(CORPUS_ENV, str(tmp_path))

    assert corpus_dir() == tmp_path
