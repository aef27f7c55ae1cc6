"""Backups: the database plus every file of both storages, and restoring them.

A backup is a directory, or one uncompressed ``.tar`` file (images are compressed already), with:

    manifest.json            what is inside: engine, versions, every member's size and sha256
    database.dump            ``pg_dump --format=custom`` (``database.sqlite3`` for SQLite)
    storage/default/<name>   public files (derivatives, avatars)
    storage/private/<name>   originals

Files go through Django's storage API only, so the filesystem and S3 backends are backed up and
restored the same way, and a backup of one can be restored into the other. The manifest is
written last: a backup without one was interrupted and is refused.
"""

from __future__ import annotations

import hashlib
import json
import os
import posixpath
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.db import connections

FORMAT = 1
MANIFEST = "manifest.json"
STORAGE_ALIASES = ("default", "private")
CHUNK = 1024 * 1024
DUMP_MEMBERS = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}

# Connection options Django passes to libpq that pg_dump/pg_restore read from the environment.
_LIBPQ_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "options": "PGOPTIONS",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


class BackupError(Exception):
    """Anything that stops a backup or a restore; the message says what happened and what to do."""


@dataclass
class RestoreSummary:
    engine: str
    database_bytes: int
    files: dict[str, int] = field(default_factory=dict)
    file_bytes: int = 0
    restored: bool = False


# --- reading and writing a backup -----------------------------------------------------------


def _copy(source: IO[bytes], target: IO[bytes] | None) -> tuple[str, int]:
    """Stream ``source`` into ``target`` (or nowhere) chunk by chunk; return (sha256, bytes)."""
    digest, size = hashlib.sha256(), 0
    while chunk := source.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
        if target is not None:
            target.write(chunk)
    return digest.hexdigest(), size


class _HashingReader:
    """A file wrapper that hashes what tarfile reads through it."""

    def __init__(self, source: IO[bytes]):
        self.source, self.digest, self.size = source, hashlib.sha256(), 0

    def read(self, n: int = -1) -> bytes:
        chunk = self.source.read(n)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


def _check_member(member: str) -> str:
    """Refuse member names that could leave the backup (an edited manifest is untrusted input)."""
    path = PurePosixPath(member)
    if not member or path.is_absolute() or ".." in path.parts or "\\" in member:
        raise BackupError(f"The manifest names an unsafe path: {member!r}.")
    return member


class _Writer:
    def __init__(self, output: Path):
        self.output = output
        if output.suffix == ".tar":
            if output.exists():
                raise BackupError(f"{output} already exists: choose a new file name.")
            output.parent.mkdir(parents=True, exist_ok=True)
            self.tar: tarfile.TarFile | None = tarfile.open(output, "x")  # noqa: SIM115 (close())
            self.scratch = output.parent
        else:
            if output.exists() and any(output.iterdir()):
                raise BackupError(f"{output} is not empty: choose a new folder.")
            output.mkdir(parents=True, exist_ok=True)
            self.tar, self.scratch = None, output

    def add(self, member: str, source: IO[bytes], size: int) -> dict[str, Any]:
        if self.tar is None:
            path = self.output / member
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as target:
                sha256, written = _copy(source, target)
        else:
            info = tarfile.TarInfo(member)
            info.size, info.mtime, info.mode = size, int(time.time()), 0o600
            reader = _HashingReader(source)
            try:
                self.tar.addfile(info, reader)  # type: ignore[arg-type]
            except OSError as error:
                raise BackupError(f"{member} changed while it was being copied: {error}") from error
            # tarfile copies exactly ``size`` bytes: a file that grew would be cut short silently.
            if source.read(1):
                raise BackupError(f"{member} changed while it was being copied: it grew.")
            sha256, written = reader.digest.hexdigest(), reader.size
        return {"member": member, "size": written, "sha256": sha256}

    def add_path(self, member: str, path: Path) -> dict[str, Any]:
        """Add a scratch file (a database dump), moving it rather than copying when possible."""
        with path.open("rb") as source:
            if self.tar is not None:
                entry = self.add(member, source, path.stat().st_size)
            else:
                sha256, size = _copy(source, None)
                entry = {"member": member, "size": size, "sha256": sha256}
        if self.tar is None:
            path.replace(self.output / member)
        return entry

    def close(self) -> None:
        if self.tar is not None:
            self.tar.close()


class _Reader:
    def __init__(self, source: Path):
        self.source = source
        self.tar: tarfile.TarFile | None = None
        if source.is_dir():
            return
        try:
            self.tar = tarfile.open(source, "r:*")  # noqa: SIM115 (close())
            self.members = {m.name: m for m in self.tar.getmembers()}
        except (OSError, tarfile.TarError) as error:
            raise BackupError(f"{source} is not a readable backup: {error}") from error

    def open(self, member: str) -> IO[bytes]:
        _check_member(member)
        if self.tar is None:
            try:
                return (self.source / member).open("rb")
            except OSError as error:
                raise BackupError(f"The backup has no readable {member}: {error}") from error
        info = self.members.get(member)
        stream = self.tar.extractfile(info) if info is not None and info.isfile() else None
        if stream is None:
            raise BackupError(f"The backup has no {member}.")
        return stream

    def local_path(self, member: str) -> Path | None:
        """A member's own file in a folder backup, so a dump is not copied before restoring."""
        return None if self.tar is not None else self.source / _check_member(member)

    def close(self) -> None:
        if self.tar is not None:
            self.tar.close()


def _walk(storage: Storage, path: str = "") -> Iterator[str]:
    """Every file name in ``storage`` under ``path``, through the storage API (disk or S3)."""
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:  # a filesystem storage that has never stored a file has no folder
        return
    for name in sorted(files):
        yield posixpath.join(path, name)
    for name in sorted(dirs):
        yield from _walk(storage, posixpath.join(path, name))


# --- the database -----------------------------------------------------------------------------


def _engine() -> str:
    vendor = connections["default"].vendor
    if vendor not in DUMP_MEMBERS:
        raise BackupError(f"Backups support PostgreSQL and SQLite, not {vendor}.")
    return vendor


def _pg_env() -> dict[str, str]:
    """libpq's environment for the configured database: the password never goes into argv."""
    db = connections["default"].settings_dict
    env = dict(os.environ)
    for key, var in (
        ("NAME", "PGDATABASE"), ("HOST", "PGHOST"), ("PORT", "PGPORT"),
        ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD"),
    ):  # fmt: skip
        if db.get(key):
            env[var] = str(db[key])
    for option, var in _LIBPQ_ENV.items():
        if option in db.get("OPTIONS", {}):
            env[var] = str(db["OPTIONS"][option])
    return env


def _pg_tool(name: str, *, at_least: int) -> tuple[str, int]:
    """The path and major version of a PostgreSQL client tool, refusing one that is too old."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client tools, version {at_least} "
            f"or newer (Debian: apt-get install postgresql-client)."
        )
    output = subprocess.run([path, "--version"], capture_output=True, text=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    major = int(found.group(1)) if found else 0
    if major < at_least:
        raise BackupError(
            f"{name} is version {major}, older than the {at_least} it needs here: install "
            f"postgresql-client-{at_least} or newer."
        )
    return path, major


def _server_major() -> int:
    connection = connections["default"]
    connection.ensure_connection()
    return connection.pg_version // 10000  # type: ignore[attr-defined]


def _dump_database(writer: _Writer, engine: str) -> dict[str, Any]:
    member = DUMP_MEMBERS[engine]
    handle, scratch_name = tempfile.mkstemp(prefix=".dump-", dir=writer.scratch)
    os.close(handle)
    scratch = Path(scratch_name)
    try:
        if engine == "postgresql":
            server = _server_major()
            # pg_dump refuses a newer server; say which client to install instead of its error.
            pg_dump, tool = _pg_tool("pg_dump", at_least=server)
            done = subprocess.run(
                [pg_dump, "--format=custom", "--no-password", f"--file={scratch}"],
                env=_pg_env(),
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
            extra = {"server_major": server, "pg_dump_major": tool}
        else:
            # SQLite's online backup API copies a consistent snapshot while the site runs.
            connection = connections["default"]
            connection.ensure_connection()
            target = sqlite3.connect(scratch)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
            extra = {}
        return {"engine": engine, **extra, **writer.add_path(member, scratch)}
    finally:
        scratch.unlink(missing_ok=True)


def _database_tables() -> list[str]:
    connection = connections["default"]
    with connection.cursor() as cursor:
        return connection.introspection.table_names(cursor)


def _restore_database(reader: _Reader, database: dict[str, Any], scratch_dir: Path) -> None:
    engine = database["engine"]
    scratch = reader.local_path(database["member"])
    if scratch is None:
        scratch = scratch_dir / database["member"]
        with reader.open(database["member"]) as source, scratch.open("wb") as target:
            _copy(source, target)
    # No connection of ours may hold the tables pg_restore drops, nor a stale SQLite handle.
    connections.close_all()
    if engine == "postgresql":
        pg_restore, _ = _pg_tool(
            "pg_restore", at_least=max(_server_major(), database.get("pg_dump_major", 0))
        )
        connections.close_all()
        name = connections["default"].settings_dict["NAME"]
        dbname = "dbname='" + name.replace("\\", "\\\\").replace("'", "\\'") + "'"
        # One transaction: a failed restore leaves the database as it was. No owners or grants:
        # the target server need not have the source's roles.
        done = subprocess.run(
            [
                pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
                "--single-transaction", "--no-password", f"--dbname={dbname}", str(scratch),
            ],
            env=_pg_env(),
            capture_output=True,
            text=True,
        )  # fmt: skip
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed, the database is unchanged: {done.stderr}")
    else:
        target = sqlite3.connect(connections["default"].settings_dict["NAME"])
        # Read-only: a folder backup's own file must come out of a restore unchanged.
        source = sqlite3.connect(f"{scratch.resolve().as_uri()}?mode=ro", uri=True)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()


# --- storages -------------------------------------------------------------------------------


def _backup_storage(writer: _Writer, alias: str) -> list[dict[str, Any]]:
    storage = storages[alias]
    entries = []
    for name in _walk(storage):
        with storage.open(name, "rb") as source:
            entry = writer.add(f"storage/{alias}/{name}", source, storage.size(name))
        entries.append({"name": name, **entry})
    return entries


def _restore_file(storage: Storage, alias: str, item: dict[str, Any], reader: _Reader) -> None:
    name = item["name"]
    _check_member(name)
    # Private storage never overwrites (it would pick a new name): delete, then save.
    if storage.exists(name):
        storage.delete(name)
    with reader.open(item["member"]) as source:
        content = File(source, name=posixpath.basename(name))
        content.size = item["size"]
        saved = storage.save(name, content)
    if saved != name:
        raise BackupError(f"{alias} storage saved {name} as {saved}; is another process writing?")
    with storage.open(name, "rb") as written:
        sha256, size = _copy(written, None)
    if (sha256, size) != (item["sha256"], item["size"]):
        raise BackupError(f"{alias}:{name} reads back different from the backup after writing.")


# --- the two operations -----------------------------------------------------------------------


def _app_version() -> dict[str, str | None]:
    version = commit = None
    with suppress(OSError, tomllib.TOMLDecodeError):
        pyproject = tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())
        version = pyproject["project"]["version"]
    with suppress(OSError, subprocess.SubprocessError):
        done = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True
        )
        if done.returncode == 0:
            commit = done.stdout.strip() or None
    return {"version": version, "commit": commit}


def backup_create(*, output: Path) -> dict[str, Any]:
    """Write a backup of the database and both storages to ``output`` and return its manifest.

    ``output`` is a new (or empty) folder, or a new file ending in ``.tar``. The database is
    dumped first and the files copied after: an upload finishing meanwhile leaves at worst an
    unreferenced file in the backup, never a row whose file is missing. Raises ``BackupError``
    (missing or too old ``pg_dump``, a failed dump, an existing output, a file that changed
    while copied); what was written so far has no manifest and will be refused by restore.
    """
    engine = _engine()
    writer = _Writer(output)
    try:
        database = _dump_database(writer, engine)
        files = {alias: _backup_storage(writer, alias) for alias in STORAGE_ALIASES}
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "app": _app_version(),
            "database": database,
            "storages": files,
        }
        data = json.dumps(manifest, indent=2).encode()
        with tempfile.TemporaryFile() as buffer:
            buffer.write(data)
            buffer.seek(0)
            writer.add(MANIFEST, buffer, len(data))
    finally:
        writer.close()
    return manifest


def _read_manifest(reader: _Reader) -> dict[str, Any]:
    try:
        with reader.open(MANIFEST) as stream:
            manifest = json.loads(stream.read())
    except BackupError as error:
        raise BackupError(
            f"{error} It is incomplete or not a backup; nothing was restored."
        ) from None
    except ValueError as error:
        raise BackupError(f"manifest.json is damaged ({error}); nothing was restored.") from error
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}; expected {FORMAT}.")
    return manifest


def _verify(reader: _Reader, manifest: dict[str, Any]) -> None:
    """Hash every member against the manifest before anything is touched."""
    items = [manifest["database"]] + [i for a in STORAGE_ALIASES for i in manifest["storages"][a]]
    for item in items:
        with reader.open(item["member"]) as stream:
            sha256, size = _copy(stream, None)
        if (sha256, size) != (item["sha256"], item["size"]):
            raise BackupError(
                f"The backup is damaged: {item['member']} does not match its checksum in "
                f"manifest.json (sha256 {sha256}, {size} bytes; expected {item['sha256']}, "
                f"{item['size']} bytes). Nothing was restored."
            )


def backup_restore(*, source: Path, replace: bool, check_only: bool = False) -> RestoreSummary:
    """Restore the backup at ``source`` into the configured database and storages.

    Every member is verified against the manifest first; a damaged backup changes nothing. A
    target database with tables, or storages with files, is replaced only with ``replace``. The
    database is restored in one transaction, then each file is written through its storage and
    read back to compare its sha256. With ``check_only`` it only verifies. Raises
    ``BackupError`` with the reason: unreadable or damaged backup, engine mismatch, a
    non-empty target without ``replace``, missing ``pg_restore``, a failed restore.
    """
    reader = _Reader(source)
    try:
        manifest = _read_manifest(reader)
        database = manifest["database"]
        summary = RestoreSummary(engine=database["engine"], database_bytes=database["size"])
        for alias in STORAGE_ALIASES:
            summary.files[alias] = len(manifest["storages"][alias])
            summary.file_bytes += sum(i["size"] for i in manifest["storages"][alias])
        _verify(reader, manifest)
        if check_only:
            return summary
        if database["engine"] != _engine():
            raise BackupError(
                f"This backup holds a {database['engine']} database but DATABASE_URL points at "
                f"{_engine()}; nothing was restored."
            )
        occupied = []
        if tables := _database_tables():
            occupied.append(f"the database has {len(tables)} tables")
        for alias in STORAGE_ALIASES:
            if next(_walk(storages[alias]), None) is not None:
                occupied.append(f"the {alias} storage has files")
        if occupied and not replace:
            raise BackupError(
                f"Refusing to restore: {' and '.join(occupied)}. Stop the site, then re-run "
                "with --yes to replace them."
            )
        with tempfile.TemporaryDirectory(prefix="atelier-restore-") as scratch:
            _restore_database(reader, database, Path(scratch))
        for alias in STORAGE_ALIASES:
            for item in manifest["storages"][alias]:
                _restore_file(storages[alias], alias, item, reader)
        summary.restored = True
        return summary
    finally:
        reader.close()
