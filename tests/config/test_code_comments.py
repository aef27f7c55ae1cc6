"""The code says why (STYLE.md, "Naming and comments"; issue 12, "Say why").

Two static checks over the source, read with ``tokenize`` and ``ast`` (nothing is imported):

- each app keeps at least ``MIN_DENSITY`` comment lines per 100 lines of code. A comment line
  is a line holding a ``#`` comment, trailing or alone; a bare tool directive (``# fmt: skip``,
  ``# noqa: F401``, ``# type: ignore``) explains nothing and is not counted, while one followed
  by a reason is. Code lines are the non-blank lines that are not only a comment (docstrings
  count as code: they are checked separately). Migrations are generated and left out.
- every public service, selector and task (a module-level function without a leading
  underscore) and every public method of a ``QuerySet`` subclass in ``models.py`` has a
  docstring saying its inputs, effects and failure modes.

Each checker is first run on planted source, so a broken checker fails instead of passing.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "gallery", "community", "moderation", "api", "config", "imaging")
MIN_DENSITY = 4.0
DOCUMENTED = ("*/services.py", "*/services/*.py", "*/selectors.py", "*/tasks.py")
# A comment that is nothing but a directive to ruff, a formatter or a type checker.
DIRECTIVE = re.compile(
    r"^#\s*(noqa(:\s*[A-Z]+[0-9]+(\s*,\s*[A-Z]+[0-9]+)*)?|fmt:\s*(skip|off|on)"
    r"|type:\s*ignore(\[[^\]]*\])?|pragma:\s*no\s+cover)\s*$"
)


def count_lines(source: str) -> tuple[int, int]:
    """(comment lines, code lines) of one module's source, as the module docstring defines them."""
    comments: set[int] = set()
    only_comment: set[int] = set()
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    line_has_code: dict[int, bool] = {}
    for tok in tokens:
        if tok.type == tokenize.COMMENT:
            line_has_code.setdefault(tok.start[0], False)
            if not DIRECTIVE.match(tok.string):
                comments.add(tok.start[0])
        elif tok.type not in (
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.INDENT,
            tokenize.DEDENT,
            tokenize.ENDMARKER,
        ):
            # A multi-line token (a docstring) makes every line it spans a code line.
            for number in range(tok.start[0], tok.end[0] + 1):
                line_has_code[number] = True
    only_comment = {n for n, has_code in line_has_code.items() if not has_code}
    code = sum(
        1
        for number, text in enumerate(source.splitlines(), start=1)
        if text.strip() and number not in only_comment
    )
    return len(comments), code


def app_files(app: str) -> list[Path]:
    return sorted(p for p in (ROOT / app).rglob("*.py") if "migrations" not in p.parts)


def density(files: list[Path]) -> tuple[int, int]:
    comments = code = 0
    for path in files:
        c, n = count_lines(path.read_text(encoding="utf-8"))
        comments += c
        code += n
    return comments, code


def undocumented(source: str, *, queryset_methods: bool) -> list[str]:
    """Public module-level functions without a docstring; with ``queryset_methods``, the public
    methods of classes deriving from a ``…QuerySet`` instead."""
    tree = ast.parse(source)
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    missing: list[str] = []
    if not queryset_methods:
        for node in tree.body:
            public = isinstance(node, functions) and not node.name.startswith("_")
            if public and ast.get_docstring(node) is None:
                missing.append(node.name)
        return missing
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        bases = [
            b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", "") for b in node.bases
        ]
        if not any(name.endswith("QuerySet") for name in bases):
            continue
        for item in node.body:
            public = isinstance(item, functions) and not item.name.startswith("_")
            if public and ast.get_docstring(item) is None:
                missing.append(f"{node.name}.{item.name}")
    return missing


def documented_modules() -> list[Path]:
    found: set[Path] = set()
    for app in APPS:
        for pattern in DOCUMENTED:
            found.update((ROOT / app).glob(pattern.removeprefix("*/")))
    return sorted(found)


PLANTED = '''"""A module docstring: two code lines,
not comments."""
# A why-comment on its own line.
import os  # a trailing why-comment

x = 1  # noqa: E501
y = 2  # fmt: skip
z = 3  # noqa: S105 - a reason, so it counts

# type: ignore
def public(a):
    return a


def _private():
    pass


def documented():
    """Says what it does."""


class ThingQuerySet(models.QuerySet):
    def live(self):
        return self

    def shown(self):
        """Documented."""
        return self

    def _helper(self):
        return self


class Other:
    def method(self):
        return 1
'''


def test_checker_counts_planted_source():
    comments, code = count_lines(PLANTED)
    # Counted: the line comment, the trailing one after import, the noqa with a reason.
    assert comments == 3
    # Not code: the two comment-only lines (the why-comment and the bare type: ignore) and blanks.
    non_blank = [line for line in PLANTED.splitlines() if line.strip()]
    assert code == len(non_blank) - 2
    assert count_lines("x = 1\n") == (0, 1)
    assert count_lines("# why\n\nx = 1\n") == (1, 1)


def test_checker_finds_planted_missing_docstrings():
    assert undocumented(PLANTED, queryset_methods=False) == ["public"]
    assert undocumented(PLANTED, queryset_methods=True) == ["ThingQuerySet.live"]


def test_the_checked_files_exist():
    # A renamed app or a wrong glob would otherwise make the checks below pass on nothing.
    modules = {str(p.relative_to(ROOT)) for p in documented_modules()}
    assert {"accounts/services.py", "gallery/selectors.py", "moderation/selectors.py"} <= modules
    assert {"gallery/tasks.py", "moderation/tasks.py", "accounts/tasks.py"} <= modules
    assert any(m.startswith("gallery/services/") for m in modules)
    assert any(m.startswith("moderation/services/") for m in modules)
    for app in APPS:
        assert density(app_files(app))[1] > 100, app


@pytest.mark.parametrize("app", APPS)
def test_comment_density(app):
    files = app_files(app)
    comments, code = density(files)
    per_100 = 100 * comments / code
    if per_100 < MIN_DENSITY:
        rows = [
            (str(p.relative_to(ROOT)), *count_lines(p.read_text(encoding="utf-8"))) for p in files
        ]
        # The longest of the least commented modules first: where comments are most missed.
        thinnest = sorted(
            (row for row in rows if row[2]), key=lambda row: (row[1] / row[2], -row[2])
        )
        listing = "\n".join(
            f"  {name}: {c} comment lines / {n} code lines" for name, c, n in thinnest[:10]
        )
        pytest.fail(
            f"{app}/ has {per_100:.1f} comment lines per 100 lines of code ({comments}/{code}); "
            f"the house style asks at least {MIN_DENSITY}. Thinnest modules:\n{listing}"
        )


def test_public_services_selectors_and_tasks_have_docstrings():
    missing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in documented_modules()
        for name in undocumented(path.read_text(encoding="utf-8"), queryset_methods=False)
    ]
    assert not missing, "Public functions without a docstring:\n" + "\n".join(missing)


def test_queryset_methods_have_docstrings():
    models = [p for app in APPS for p in (ROOT / app).rglob("models.py")]
    assert models
    missing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in models
        for name in undocumented(path.read_text(encoding="utf-8"), queryset_methods=True)
    ]
    assert not missing, "QuerySet methods without a docstring:\n" + "\n".join(missing)
