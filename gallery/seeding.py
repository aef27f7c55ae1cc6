"""Bulk rows through PostgreSQL ``COPY``: the load-test seed at a tenth of ``bulk_create``'s time.

``copy_rows`` streams model instances into their table with ``COPY … FROM STDIN`` (psycopg2's
``copy_expert``), their values prepared by the model fields themselves, so Python-side defaults
and JSON columns come out as ``save()`` would write them. Primary keys are reserved from the
table's sequence first, so callers can link rows (an artwork's cover, its tags) before copying.
SQLite has no COPY: gallery.demo.bulk_seed keeps ``bulk_create`` there.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Iterable

from django.db import connection, models
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


def copy_rows(model: type[models.Model], rows: Iterable[models.Model]) -> int:
    """COPY ``rows`` (instances with their primary keys set) into ``model``'s table.

    Inside the caller's transaction; constraint violations raise ``IntegrityError`` as an
    INSERT would. Returns how many rows were sent.
    """
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    buffer = io.StringIO()
    count = 0
    now = timezone.now()
    for row in rows:
        values = []
        for field in fields:
            value = getattr(row, field.attname)
            if value is None and (
                getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
            ):
                value = now  # save() would have called pre_save(); COPY does not
            if isinstance(field, models.JSONField):
                values.append(_csv(None if value is None else json.dumps(value)))
            else:
                values.append(_csv(field.get_db_prep_save(value, connection)))
        buffer.write(",".join(values) + "\n")
        count += 1
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    # Django's wrapper: a violated constraint raises django.db.IntegrityError, as an INSERT would.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        cursor.connection.cursor().copy_expert(
            f"COPY {connection.ops.quote_name(model._meta.db_table)} ({columns}) "
            "FROM STDIN WITH (FORMAT csv)",
            buffer,
        )
    return count


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
