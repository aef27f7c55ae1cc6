"""``manage.py backup [--output PATH]``: the database and both storages, to a folder or a .tar."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gallery.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "Back up the database (pg_dump, or SQLite's online backup) and every file of the public "
        "and private storages (disk or S3), with a manifest of sizes and sha256 checksums."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="a new folder, or a new file ending in .tar (default: var/backups/<UTC time>/)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        output = options["output"] or Path(settings.VAR_DIR) / "backups" / stamp
        try:
            manifest = backup_create(output=output)
        except BackupError as error:
            raise CommandError(str(error)) from error
        files = {alias: items for alias, items in manifest["storages"].items()}
        total = sum(i["size"] for items in files.values() for i in items)
        counts = ", ".join(f"{alias} {len(items)}" for alias, items in files.items())
        self.stdout.write(
            f"Backed up the {manifest['database']['engine']} database "
            f"({manifest['database']['size']:,} bytes) and {sum(map(len, files.values()))} files "
            f"({counts}; {total:,} bytes) to {output}"
        )
