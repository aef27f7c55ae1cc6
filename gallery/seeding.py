"""Bulk rows through PostgreSQL ``COPY``: the load-test seed, far faster than ``bulk_create``.

``copy_rows`` streams model instances into their table with ``COPY … FROM STDIN`` (psycopg2's
``copy_expert``), their values prepared by the model fields themselves, so Python-side defaults
and JSON columns come out as ``save()`` would write them. ``CopyTemplate`` writes the same rows
without an instance per row, for many rows alike but for a few columns (``bulk_seed``'s million
artworks). Primary keys are reserved from the table's sequence first, so callers can link rows
(an artwork's cover, its tags) before copying. SQLite has no COPY: gallery.demo.bulk_seed keeps
``bulk_create`` there.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone


def reserve_ids(model: type[models.Model], count: int) -> range:
    """``count`` consecutive primary keys from ``model``'s sequence, taken in one statement.

    ``setval`` moves the sequence past the block while holding the table's lock, so a
    concurrent insert cannot land inside it.
    """
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence(%s, 'id'), nextval(pg_get_serial_sequence(%s, "
            "'id')) + %s - 1)",
            [table, table, count],
        )
        last = cursor.fetchone()[0]
    return range(last - count + 1, last + 1)


def _csv(value) -> str:
    if value is None:
        return ""  # unquoted empty: NULL in CSV COPY
    if isinstance(value, bool):
        value = "t" if value else "f"
    elif hasattr(value, "isoformat"):
        value = value.isoformat()
    return '"' + str(value).replace('"', '""') + '"'


def _copy_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if not f.generated]


def _prepared(field: models.Field, value, now, using=connection) -> str:
    """One column's CSV text as ``save()`` would write ``value`` (``using``: the connection)."""
    if value is None and (
        getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    ):
        value = now  # save() would have called pre_save(); COPY does not
    if isinstance(field, models.JSONField):
        return _csv(None if value is None else json.dumps(value, cls=field.encoder))
    return _csv(field.get_db_prep_save(value, using))


def _copy(model: type[models.Model], fields: Sequence[models.Field], text) -> None:
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # Django's wrapper: a violated constraint raises django.db.IntegrityError, as an INSERT would.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.connection.cursor().copy_expert(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) "
            "FROM STDIN WITH (FORMAT csv)",
            text,
            size=_CHUNK,
        )


# Characters per read of a COPY's input (psycopg2 reads 8 KiB at a time by default).
_CHUNK = 1 << 16


class _LineReader:
    """The file ``copy_expert`` reads, made a chunk at a time from an iterable of lines: the
    server parses one chunk while Python formats the next, instead of waiting for the whole."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.lines = iter(lines)
        self.count = 0

    def read(self, size: int = _CHUNK) -> str:
        chunk, length = [], 0
        for line in self.lines:
            chunk.append(line)
            length += len(line)
            if length >= size:
                break
        self.count += len(chunk)
        return "".join(chunk)


def copy_rows(model: type[models.Model], rows: Iterable[models.Model]) -> int:
    """COPY ``rows`` (instances with their primary keys set) into ``model``'s table.

    Inside the caller's transaction; constraint violations raise ``IntegrityError`` as an
    INSERT would. Returns how many rows were sent.
    """
    fields = _copy_fields(model)
    buffer = io.StringIO()
    count = 0
    now = timezone.now()
    for row in rows:
        buffer.write(",".join(_prepared(f, getattr(row, f.attname), now) for f in fields) + "\n")
        count += 1
    buffer.seek(0)
    _copy(model, fields, buffer)
    return count


class CopyTemplate:
    """``copy_rows`` for many rows alike but for a few columns, without an instance per row.

    Every column not named in ``varying`` takes ``prototype``'s value, prepared once by
    ``copy_rows``'s own code (the field's ``get_db_prep_save``, ``now`` for an empty
    ``auto_now``/``auto_now_add`` field, JSON as JSON): a default added to the model later
    comes out as ``save()`` would write it. A row is then one ``str.format`` of its varying
    columns' texts (``line``), and a batch of lines one ``COPY`` (``copy``): a few
    microseconds a row where building and preparing an instance takes a hundred.

    The texts passed to ``line`` are CSV fields: ``value()`` makes one from any value the way
    ``copy_rows`` would (compute it once for values that repeat); ``str(n)`` of an ``int`` is
    the only text that may skip it.
    """

    def __init__(
        self,
        model: type[models.Model],
        prototype: models.Model,
        varying: Sequence[str],
        *,
        now=None,
    ) -> None:
        self.model = model
        self.fields = _copy_fields(model)
        self.now = now or timezone.now()
        by_attname = {f.attname: f for f in self.fields}
        # Names or attnames ("artist" or "artist_id"), as the row's values are keyed.
        self.varying = tuple(model._meta.get_field(name).attname for name in varying)
        if missing := [name for name in self.varying if name not in by_attname]:
            raise ValueError(f"not copied columns of {model.__name__}: {', '.join(missing)}")
        # By name and attname; and the thread's connection itself, not the proxy that looks
        # it up on every attribute (a third of a datetime's preparation).
        self._fields = by_attname | {f.name: f for f in self.fields}
        self._connection = connections[DEFAULT_DB_ALIAS]
        parts = []
        for field in self.fields:
            if field.attname in self.varying:
                parts.append(f"{{{self.varying.index(field.attname)}}}")
            else:
                text = _prepared(field, getattr(prototype, field.attname), self.now)
                parts.append(text.replace("{", "{{").replace("}", "}}"))
        self._format = (",".join(parts) + "\n").format

    def value(self, name: str, value) -> str:
        """``value``'s CSV text for the varying column ``name``, as ``copy_rows`` prepares it."""
        return _prepared(self._fields[name], value, self.now, self._connection)

    def line(self, *values: str) -> str:
        """One row: ``values`` are the varying columns' CSV texts, in ``varying``'s order."""
        if len(values) != len(self.varying):
            raise ValueError(f"{len(self.varying)} values expected, got {len(values)}")
        return self._format(*values)

    def copy(self, lines: Iterable[str]) -> int:
        """COPY ``lines`` (from ``line``) into the table in the caller's transaction, as
        ``copy_rows`` does; a generator is read as the server takes the rows. Returns how many
        rows were sent."""
        reader = _LineReader(lines)
        _copy(self.model, self.fields, reader)
        return reader.count


class Progress:
    """A one-line progress bar on a terminal (plain lines elsewhere, so logs stay readable)."""

    def __init__(self, total: int, stdout=None, width: int = 30) -> None:
        self.total, self.width = max(total, 1), width
        self.stdout = stdout or sys.stdout
        self.tty = getattr(self.stdout, "isatty", lambda: False)()

    def update(self, done: int) -> None:
        filled = self.width * done // self.total
        bar = "#" * filled + "-" * (self.width - filled)
        line = f"  [{bar}] {done:,}/{self.total:,} artworks ({100 * done // self.total}%)"
        self.stdout.write(("\r" + line) if self.tty else line + "\n")
        if self.tty and done >= self.total:
            self.stdout.write("\n")
        getattr(self.stdout, "flush", lambda: None)()
