"""`manage.py backup` / `manage.py restore` as an operator runs them: real processes, a real
PostgreSQL dump restored into a fresh database, fresh storage folders, and a real S3 server."""

from __future__ import annotations

import io
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tarfile
import uuid
from contextlib import closing
from pathlib import Path

import boto3
import psycopg2
import pytest
import requests
from django.conf import settings
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from accounts.models import User
from gallery.models import Artwork, ArtworkImage
from tests.factories import ArtworkFactory, ModeratorFactory, UserFactory, image_bytes

pytestmark = [pytest.mark.integration]

ROOT = Path(__file__).resolve().parents[2]


# --- helpers ----------------------------------------------------------------------------------


def _pg(database: str) -> psycopg2.extensions.connection:
    db = connection.settings_dict
    conn = psycopg2.connect(
        dbname=database, user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    conn.autocommit = True
    return conn


def _database_url(database: str) -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{database}"


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """Run manage.py with the production settings module, configured only by ``env``."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def site_env(tmp_path: Path, *, database_url: str, media: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "true",
        "ATELIER_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
        "STORAGE_BACKEND": "filesystem",
        "MEDIA_ROOT": str(media / "media"),
        "PRIVATE_MEDIA_ROOT": str(media / "private"),
        **extra,
    }


def table_digests(database: str) -> dict[str, tuple[int, str]]:
    """Row count and an md5 of every row's text, per table: equal digests mean equal content."""
    with closing(_pg(database)) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
        )
        tables = sorted(row[0] for row in cursor.fetchall())
        digests = {}
        for table in tables:
            cursor.execute(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), ''))"  # noqa: S608
                f' FROM "{table}" t'
            )
            digests[table] = cursor.fetchone()
    return digests


def sequence_values(database: str) -> dict[str, int | None]:
    with closing(_pg(database)) as conn, conn.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname='public'"
        )
        return dict(cursor.fetchall())


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def flip_byte(path: Path, offset: int) -> None:
    with path.open("r+b") as f:
        f.seek(offset)
        byte = f.read(1)
        f.seek(offset)
        f.write(bytes([byte[0] ^ 0xFF]))


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def fresh_database(django_db_setup):
    """A new, empty PostgreSQL database on the test server, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    with closing(_pg("postgres")) as conn, conn.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    yield name
    with closing(_pg("postgres")) as conn, conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def site(transactional_db, client, tmp_path):
    """Committed members, a real upload (original + derivatives) and a factory post with files,
    so pg_dump in another process sees them; returns that process's environment."""
    ana = UserFactory(handle="ana", display_name="Ana Artist")
    UserFactory(handle="bruno")
    ModeratorFactory(handle="mona")
    client.force_login(ana)
    response = client.post(
        reverse("gallery:upload"),
        {"title": "Harbour at dawn", "medium": "drawing", "label": "human-made",
         "images": [SimpleUploadedFile("dawn.jpg", image_bytes("JPEG", size=(900, 600)))]},
    )  # fmt: skip
    assert response.status_code == 302
    assert Artwork.objects.get(title="Harbour at dawn").status == "published"
    made = ArtworkFactory(artist=ana, title="Night market")
    image = made.cover
    storages["private"].save(image.original.name, SimpleUploadedFile("o", image_bytes("PNG")))
    for derivative in image.derivatives:
        fmt = "WEBP" if derivative["format"] == "webp" else "JPEG"
        storages["default"].save(derivative["name"], SimpleUploadedFile("d", image_bytes(fmt)))
    media = Path(settings.MEDIA_ROOT).parent
    return site_env(tmp_path, database_url=_database_url(connection.settings_dict["NAME"]),
                    media=media)  # fmt: skip


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


# --- PostgreSQL and filesystem storage -------------------------------------------------------


def test_restore_into_fresh_database_and_storage_reproduces_every_row_and_file(
    site, fresh_database, tmp_path
):
    backup = tmp_path / "backup"
    out = io.StringIO()
    call_command("backup", output=backup, stdout=out)
    assert "Backed up the postgresql database" in out.getvalue()
    assert (backup / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format

    # The restore runs as an operator would: another process, configured by its environment.
    fresh_media = tmp_path / "fresh"
    target = site_env(tmp_path, database_url=_database_url(fresh_database), media=fresh_media)
    restored = manage("restore", str(backup), env=target)
    assert restored.returncode == 0, restored.stderr
    assert "every checksum matches" in restored.stdout

    source_db = connection.settings_dict["NAME"]
    assert table_digests(fresh_database) == table_digests(source_db)
    # Sequences too: the restored site must not hand out ids that already exist.
    assert sequence_values(fresh_database) == sequence_values(source_db)
    with closing(_pg(fresh_database)) as conn, conn.cursor() as cursor:
        cursor.execute("SELECT handle FROM accounts_user ORDER BY handle")
        assert [r[0] for r in cursor.fetchall()] == ["ana", "bruno", "mona"]
        cursor.execute("SELECT title, status FROM gallery_artwork ORDER BY title")
        assert cursor.fetchall() == [
            ("Harbour at dawn", "published"),
            ("Night market", "published"),
        ]

    for folder in ("media", "private"):
        source_files = tree(Path(settings.MEDIA_ROOT).parent / folder)
        assert source_files
        assert tree(fresh_media / folder) == source_files
    upload = ArtworkImage.objects.get(artwork__title="Harbour at dawn")
    assert (fresh_media / "private" / upload.original.name).read_bytes()[:2] == b"\xff\xd8"
    for derivative in upload.derivatives:
        assert (fresh_media / "media" / derivative["name"]).is_file()


def test_restore_refuses_a_database_with_tables_unless_told_yes(site, tmp_path):
    backup = tmp_path / "backup.tar"
    call_command("backup", output=backup, stdout=io.StringIO())
    before = table_digests(connection.settings_dict["NAME"])
    original = ArtworkImage.objects.get(artwork__title="Harbour at dawn").original.name
    User.objects.filter(handle="ana").update(display_name="Changed later")
    storages["private"].delete(original)

    with pytest.raises(CommandError, match=r"Refusing to restore: the database has \d+ tables"):
        call_command("restore", backup, stdout=io.StringIO())
    assert User.objects.get(handle="ana").display_name == "Changed later"
    assert not storages["private"].exists(original)

    out = io.StringIO()
    call_command("restore", backup, yes=True, stdout=out)
    assert "Restored the postgresql database" in out.getvalue()
    assert table_digests(connection.settings_dict["NAME"]) == before
    assert User.objects.get(handle="ana").display_name == "Ana Artist"
    assert storages["private"].open(original).read(2) == b"\xff\xd8"


@pytest.mark.parametrize("form", ["folder", "tar"])
def test_damaged_backup_is_refused_and_nothing_is_restored(site, tmp_path, form):
    upload = ArtworkImage.objects.get(artwork__title="Harbour at dawn")
    member = f"storage/private/{upload.original.name}"
    backup = tmp_path / ("backup.tar" if form == "tar" else "backup")
    call_command("backup", output=backup, stdout=io.StringIO())
    if form == "tar":
        with tarfile.open(backup) as tar:
            offset = tar.getmember(member).offset_data + 100
        flip_byte(backup, offset)
    else:
        flip_byte(backup / member, 100)
    User.objects.filter(handle="ana").update(display_name="Changed later")
    files = tree(Path(settings.MEDIA_ROOT).parent)

    expected = f"The backup is damaged: {member} does not match its checksum"
    with pytest.raises(CommandError, match=re.escape(expected)):
        call_command("restore", backup, check=True, stdout=io.StringIO())
    # Even told to replace everything, a damaged backup changes nothing.
    with pytest.raises(CommandError, match="Nothing was restored"):
        call_command("restore", backup, yes=True, stdout=io.StringIO())
    assert User.objects.get(handle="ana").display_name == "Changed later"
    assert tree(Path(settings.MEDIA_ROOT).parent) == files


def test_unreadable_or_incomplete_backup_is_refused(tmp_path, db):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a tar archive" * 100)
    with pytest.raises(CommandError, match=r"junk\.tar is not a readable backup"):
        call_command("restore", junk, yes=True, stdout=io.StringIO())
    interrupted = tmp_path / "interrupted"
    (interrupted / "storage").mkdir(parents=True)
    with pytest.raises(CommandError, match=r"no readable manifest.json.*incomplete"):
        call_command("restore", interrupted, yes=True, stdout=io.StringIO())


def test_restore_exits_non_zero_with_the_reason(tmp_path):
    """What cron and `make restore` see: exit status 1 and the reason on stderr."""
    env = site_env(
        tmp_path, database_url=f"sqlite:///{tmp_path / 'x.sqlite3'}", media=tmp_path / "m"
    )
    failed = manage("restore", str(tmp_path / "missing.tar"), env=env)
    assert failed.returncode == 1
    assert "missing.tar is not a readable backup" in failed.stderr


# --- S3 ------------------------------------------------------------------------------------


def test_s3_backup_restores_into_another_bucket_and_into_folders_byte_for_byte(
    s3_endpoint, transactional_db, fresh_database, tmp_path
):
    requests.post(f"{s3_endpoint}/moto-api/reset", timeout=5)
    s3 = boto3.client(
        "s3", endpoint_url=s3_endpoint, region_name="us-east-1",
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    s3.create_bucket(Bucket="atelier")
    s3.create_bucket(Bucket="atelier-restored")
    objects = {
        "public/art/k1/320.webp": image_bytes("WEBP"),
        "public/art/k1/1600.jpg": image_bytes("JPEG", size=(1600, 1200)),
        "public/avatars/ana.png": image_bytes("PNG"),
        "private/originals/2026/11/abc.jpg": image_bytes("JPEG", size=(1200, 900)),
    }
    for key, body in objects.items():
        s3.put_object(Bucket="atelier", Key=key, Body=body)
    UserFactory(handle="ana")

    common = {
        "bucket_name": "atelier", "endpoint_url": s3_endpoint, "access_key": "test",
        "secret_key": "test", "region_name": "us-east-1", "addressing_style": "path",
    }  # fmt: skip
    stores = {
        alias: {"BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {**common, "location": location}}
        for alias, location in (("default", "public"), ("private", "private"))
    }  # fmt: skip
    stores["staticfiles"] = settings.STORAGES["staticfiles"]
    backup = tmp_path / "s3.tar"
    out = io.StringIO()
    with override_settings(STORAGES=stores):
        storages._storages = {}
        try:
            call_command("backup", output=backup, stdout=out)
        finally:
            storages._storages = {}
    assert "4 files (default 3, private 1;" in out.getvalue()

    # Restored by another process configured as production is: STORAGE_BACKEND=s3 and AWS_*.
    target = site_env(
        tmp_path, database_url=_database_url(fresh_database), media=tmp_path / "unused",
        STORAGE_BACKEND="s3", AWS_STORAGE_BUCKET_NAME="atelier-restored",
        AWS_S3_ENDPOINT_URL=s3_endpoint, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test",
    )  # fmt: skip
    restored = manage("restore", str(backup), env=target)
    assert restored.returncode == 0, restored.stderr

    listed = s3.list_objects_v2(Bucket="atelier-restored").get("Contents", [])
    assert {o["Key"] for o in listed} == set(objects)
    for key, body in objects.items():
        assert s3.get_object(Bucket="atelier-restored", Key=key)["Body"].read() == body
    assert table_digests(fresh_database) == table_digests(connection.settings_dict["NAME"])
    assert not (tmp_path / "unused").exists()

    # Names are storage-relative: the same backup restores into plain folders too.
    call_command("restore", backup, yes=True, stdout=io.StringIO())
    folders = {"public/": Path(settings.MEDIA_ROOT), "private/": Path(settings.PRIVATE_MEDIA_ROOT)}
    for key, body in objects.items():
        prefix = key[: key.index("/") + 1]
        assert (folders[prefix] / key.removeprefix(prefix)).read_bytes() == body


# --- SQLite (the embedded default) -----------------------------------------------------------


def test_sqlite_backup_restores_into_a_fresh_file(tmp_path):
    site_db = tmp_path / "site.sqlite3"
    with closing(sqlite3.connect(site_db)) as conn, conn:
        conn.execute("CREATE TABLE gallery_artwork (id integer primary key, title text)")
        conn.executemany("INSERT INTO gallery_artwork (title) VALUES (?)", [("a",), ("b",)])
    (tmp_path / "site" / "media" / "art" / "k1").mkdir(parents=True)
    (tmp_path / "site" / "media" / "art" / "k1" / "320.jpg").write_bytes(image_bytes("JPEG"))
    source = site_env(tmp_path, database_url=f"sqlite:///{site_db}", media=tmp_path / "site")
    backup = tmp_path / "backup.tar"
    made = manage("backup", "--output", str(backup), env=source)
    assert made.returncode == 0, made.stderr

    restored_db = tmp_path / "restored.sqlite3"
    target = site_env(
        tmp_path, database_url=f"sqlite:///{restored_db}", media=tmp_path / "restored"
    )
    restored = manage("restore", str(backup), env=target)
    assert restored.returncode == 0, restored.stderr

    with closing(sqlite3.connect(restored_db)) as conn:
        rows = conn.execute("SELECT id, title FROM gallery_artwork ORDER BY id").fetchall()
    assert rows == [(1, "a"), (2, "b")]
    assert tree(tmp_path / "restored" / "media") == tree(tmp_path / "site" / "media")
