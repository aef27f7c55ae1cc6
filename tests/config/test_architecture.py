"""Views parse, call one service and render: no views module (``*/views.py``, ``*/views/``)
and no module under ``api/`` writes through the ORM itself (ARCHITECTURE.md, "One use case,
one service").

The check reads the source with ``ast`` (nothing is imported or run) and flags the calls that
write: ``.save()`` and ``.delete()`` on anything but a cache, session or storage; ``create``,
``update`` and ``delete`` on a manager or queryset (a chain through ``objects`` or a queryset
method such as ``filter``); ``get_or_create``, ``update_or_create``, ``bulk_create`` and
``bulk_update`` anywhere; and many-to-many ``add``/``remove``/``clear``/``set`` on a related
manager (``artwork.tags.set``). It is a static approximation: a related manager's ``create``
(``artwork.images.create``) is not seen, which is why the services' own tests count rows.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

ALWAYS = {"get_or_create", "update_or_create", "bulk_create", "bulk_update"}
QUERYSET_WRITES = {"create", "update", "delete"}
INSTANCE_WRITES = {"save", "delete"}
RELATED_WRITES = {"add", "remove", "clear", "set"}
# Methods that return a queryset: a write called on their result goes to the database.
QUERYSET_METHODS = {
    "all", "filter", "exclude", "select_related", "prefetch_related", "select_for_update",
    "order_by", "annotate", "alias", "values", "values_list", "distinct", "using", "none",
    "only", "defer", "get_queryset",
}  # fmt: skip
MANAGERS = {"objects", "_default_manager", "_base_manager"}
# Receivers whose save/delete/set are not the ORM's (Django's cache, sessions, file storage).
NOT_ORM = ("cache", "session", "storage", "cookies", "headers")


def _chain(node: ast.AST) -> list[str]:
    """The names along a receiver, outermost last: ``a.b().c`` → ``["a", "b()", "c"]``."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            if isinstance(node.func, ast.Attribute):
                parts.append(node.func.attr + "()")
                node = node.func.value
            elif isinstance(node.func, ast.Name):
                parts.append(node.func.id + "()")
                break
            else:
                break
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            break
        else:
            break
    return list(reversed(parts))


def orm_writes(source: str, filename: str = "<source>") -> list[str]:
    """Every ORM write in ``source`` as ``"file:line: call"``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        chain = _chain(node.func.value)
        lowered = [p.lower() for p in chain]
        not_orm = any(word in part for part in lowered for word in NOT_ORM)
        on_queryset = any(p in MANAGERS or p.rstrip("()") in QUERYSET_METHODS for p in chain)
        write = (
            method in ALWAYS
            or (method in QUERYSET_WRITES and on_queryset)
            or (method in INSTANCE_WRITES and not not_orm)
            or (method in RELATED_WRITES and len(chain) >= 2 and not not_orm)
        )
        if write:
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node)[:80]}")
    return found


def checked_modules() -> list[Path]:
    # ``*_views.py``: an app's second set of views beside another's (community's collections).
    views = [*ROOT.glob("*/views.py"), *ROOT.glob("*/views/**/*.py"), *ROOT.glob("*/*_views.py")]
    return sorted({*(p for p in views if ".venv" not in p.parts), *(ROOT / "api").rglob("*.py")})


PLANTED = """
def view(request, pk):
    Artwork.objects.filter(pk=pk).update(title="x")
    Artwork.objects.create(title="x")
    artwork.save(update_fields=["title"])
    artwork.delete()
    Like.objects.get_or_create(user=request.user, artwork=artwork)
    ArtworkImage.objects.bulk_create(rows)
    artwork.images.all().delete()
    artwork.tags.set(["a"])
    serializer.save()
"""

ALLOWED = """
def view(request, pk):
    context.update({"form": form})
    data.update(score_parts={})
    cache.set(key, 1)
    cache.delete(key)
    cache.add(key, 0)
    request.session.save()
    private_storage().delete(name)
    seen = set()
"""


def test_the_checker_finds_every_planted_write():
    # So that the test below cannot pass by checking nothing.
    found = orm_writes(PLANTED)
    assert len(found) == 9, found


def test_the_checker_leaves_dicts_caches_sessions_and_storage_alone():
    assert orm_writes(ALLOWED) == []


def test_the_checked_modules_are_the_views_and_the_api():
    names = {p.relative_to(ROOT).as_posix() for p in checked_modules()}
    assert "api/views/artworks.py" in names
    assert "gallery/views/upload.py" in names
    assert "moderation/views/cases.py" in names
    assert "accounts/views.py" in names
    assert "community/collection_views.py" in names


@pytest.mark.parametrize("path", checked_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_views_and_api_do_not_write_through_the_orm(path):
    assert orm_writes(path.read_text(), path.relative_to(ROOT).as_posix()) == []
