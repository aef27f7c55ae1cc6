"""``manage.py restore BACKUP [--yes] [--check]``: put a backup back, verified end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gallery.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into the configured database and storages. "
        "Every checksum is verified before anything is changed, and every file is read back "
        "after it is written."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("backup", type=Path, help="a backup folder or .tar file")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="replace a database that has tables and storages that have files",
        )
        parser.add_argument(
            "--check", action="store_true", help="only verify the backup; change nothing"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = backup_restore(
                source=options["backup"], replace=options["yes"], check_only=options["check"]
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        counts = ", ".join(f"{alias} {n}" for alias, n in summary.files.items())
        what = (
            f"the {summary.engine} database ({summary.database_bytes:,} bytes) and "
            f"{sum(summary.files.values())} files ({counts}; {summary.file_bytes:,} bytes)"
        )
        if summary.restored:
            self.stdout.write(f"Restored {what}; every checksum matches.")
        else:
            self.stdout.write(f"The backup is intact: {what}; every checksum matches.")
