"""Issue 14 point 7: `manage.py backup` writes one archive (database, stored files, manifest);
`manage.py restore` puts it into an EMPTY database (a second SQLite file, or a second
PostgreSQL database made here) and checks it. Both legs compare every table's row count and
checksum (every row, in primary-key order) and the bytes of every file."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from rapport.accounts.services import create_salesperson
from rapport.contacts.models import Contact
from rapport.contacts.services import create_contact, update_marketing_setup
from rapport.core.backup import (
    MANIFEST,
    BackupError,
    create_backup,
    database_fingerprints,
    restore_backup,
)
from rapport.core.tests.kill_harness import database_url
from rapport.interactions import services as interactions
from rapport.interactions.attachments import Upload
from rapport.interactions.models import InteractionLogEntry, StoredFile
from rapport.segments import services as segments
from rapport.segments.models import LoggedSegment

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """A media folder of this test's own (the suite's is shared by parallel tests)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A second, empty database of the same kind as the test's: its DATABASES entry."""
    source = connection.settings_dict
    if connection.vendor == "sqlite":
        yield {**source, "NAME": str(tmp_path / "restored.sqlite3")}
        return
    import psycopg

    name = f"rapport_restore_{uuid.uuid4().hex[:12]}"
    params = {
        "host": source["HOST"] or "127.0.0.1",
        "port": source["PORT"] or 5432,
        "user": source["USER"] or None,
        "password": source["PASSWORD"] or None,
        "dbname": source["NAME"],
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {**source, "NAME": name}
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def data(alice: Any, bob: Any, media: Path) -> dict[str, Any]:
    """Contacts, entries with an embedded and a disk-file attachment, a logged segment."""
    group = interactions.create_interaction_group(actor=alice, code="LETTER", description="L")
    template = interactions.create_interaction_template(
        actor=alice,
        code="NEWSL",
        group=group,
        description="Newsletter",
        unit_cost=Decimal("1.20"),
        correspondence_type="",
    )
    anna = create_salesperson(actor=alice, code="ANNA", name="Anna Ahonen")
    company = create_contact(actor=alice, name="Kesko Oyj", city="Helsinki", salesperson=anna)
    people = [
        create_contact(actor=alice, name=f"Person {n}", type="person", company=company)
        for n in range(5)
    ]
    interactions.create_interaction(
        actor=bob,
        data=interactions.InteractionInput(
            contact=people[0],
            template=template,
            salesperson=anna,
            upload=Upload(b"embedded \x00\xff bytes", "note.bin", "application/octet-stream"),
        ),
    )
    update_marketing_setup(
        actor=alice, attachment_storage_type="disk_file", attachment_storage_location="att"
    )
    interactions.create_interaction(
        actor=bob,
        data=interactions.InteractionInput(
            contact=people[1],
            template=template,
            salesperson=anna,
            upload=Upload(b"on disk: Hyv\xc3\xa4\xc3\xa4 p\xc3\xa4iv\xc3\xa4\xc3\xa4", "kirje.txt"),
        ),
    )
    segment = segments.create_segment(
        actor=alice, description="Autumn", template=template, salesperson=anna
    )
    segments.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "person"}})
    segments.log_segment(actor=alice, segment=segment)
    assert StoredFile.objects.filter(storage_type="disk_file").count() == 1
    assert LoggedSegment.objects.count() == 1
    return {"template": template}


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _manage(*args: str, db: dict[str, Any], media: Path) -> subprocess.CompletedProcess[str]:
    """manage.py in a process of its own, on the database `db` and the media folder `media`."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(db),
        "RAPPORT_MEDIA_ROOT": str(media),
        "RAPPORT_LOG_LEVEL": "ERROR",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_backup_restores_into_an_empty_database_with_equal_counts_checksums_and_files(
    data: dict[str, Any], media: Path, tmp_path: Path, empty_database: dict[str, Any]
) -> None:
    archive = tmp_path / "rapport.tar.gz"
    out = io.StringIO()
    call_command("backup", "--output", str(archive), stdout=out)
    assert "Backup written to" in out.getvalue()
    source = database_fingerprints(connection.settings_dict)
    assert source["contacts_contact"]["rows"] == 6
    assert source["interactions_interactionlogentry"]["rows"] == 2 + 5

    with tarfile.open(archive) as opened:
        names = opened.getnames()
        manifest = json.loads(opened.extractfile(MANIFEST).read())  # type: ignore[union-attr]
    assert manifest["format_version"] == 1
    assert manifest["tables"] == source, "the manifest holds every table's count and checksum"
    assert ["contacts", "0001_initial"] in manifest["migrations"]
    disk_files = [n for n in names if n.startswith("files/media/attachments/att/")]
    assert len(disk_files) == 1 and all(n in manifest["members"] for n in names if n != MANIFEST)

    restored_media = tmp_path / "restored-media"
    done = _manage("restore", str(archive), db=empty_database, media=restored_media)
    assert done.returncode == 0, done.stderr
    assert "every row count, checksum and file matches the archive" in done.stdout

    assert database_fingerprints(empty_database) == source, "every table, every row"
    assert _files(restored_media) == _files(media), "every stored file, byte for byte"


def test_the_restored_database_works_with_rapport(
    data: dict[str, Any], media: Path, tmp_path: Path, empty_database: dict[str, Any]
) -> None:
    archive = tmp_path / "rapport.tar.gz"
    create_backup(output=archive)
    restored_media = tmp_path / "restored-media"
    assert _manage("restore", str(archive), db=empty_database, media=restored_media).returncode == 0
    check = (
        "from rapport.interactions.models import InteractionLogEntry as E;"
        "from rapport.interactions.attachments import read_content;"
        "e = E.objects.filter(attachment__file__storage_type='disk_file').get();"
        "print(read_content(e.attachment).decode(), E.objects.count())"
    )
    done = _manage("shell", "-c", check, db=empty_database, media=restored_media)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "on disk: Hyvää päivää 7"
    migrate = _manage("migrate", "--check", db=empty_database, media=restored_media)
    assert migrate.returncode == 0, "the restored database needs no migration: " + migrate.stdout


def test_restore_refuses_a_database_that_is_not_empty_unless_forced(
    data: dict[str, Any], media: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "rapport.tar.gz"
    create_backup(output=archive)
    before = database_fingerprints(connection.settings_dict)
    with pytest.raises(BackupError, match="The target database is not empty"):
        restore_backup(archive_path=archive)
    done = _manage("restore", str(archive), db=connection.settings_dict, media=media)
    assert done.returncode != 0 and "not empty" in done.stderr and "--force" in done.stderr
    assert database_fingerprints(connection.settings_dict) == before, "nothing changed"

    Contact.objects.filter(name="Person 4").delete()  # a change made after the backup
    InteractionLogEntry.objects.all().delete()
    connection.close()  # the restore replaces the database under every connection
    report = restore_backup(archive_path=archive, force=True)
    assert report.mismatches == [] and report.files == 1
    assert database_fingerprints(connection.settings_dict) == before, "back as backed up"


def _rewrite(archive: Path, target: Path, change: Any) -> None:
    """Copy `archive` to `target`, passing each (TarInfo, bytes) through `change`, which
    returns the members to write instead (an empty list drops the member)."""
    with tarfile.open(archive) as source, tarfile.open(target, "w:gz") as out:
        for info in source.getmembers():
            content = source.extractfile(info).read()  # type: ignore[union-attr]
            for new_info, new_content in change(info, content):
                new_info.size = len(new_content)
                out.addfile(new_info, io.BytesIO(new_content))


def test_restore_refuses_a_tampered_truncated_or_hostile_archive_and_changes_nothing(
    data: dict[str, Any], media: Path, tmp_path: Path, empty_database: dict[str, Any]
) -> None:
    archive = tmp_path / "rapport.tar.gz"
    create_backup(output=archive)

    def flip_a_byte(info: tarfile.TarInfo, content: bytes) -> list[Any]:
        if info.name.startswith("files/"):
            content = bytes([content[0] ^ 1]) + content[1:]
        return [(info, content)]

    def drop_the_manifest(info: tarfile.TarInfo, content: bytes) -> list[Any]:
        return [] if info.name == MANIFEST else [(info, content)]

    def add(name: str, kind: bytes = tarfile.REGTYPE) -> Any:
        def change(info: tarfile.TarInfo, content: bytes) -> list[Any]:
            if info.name != MANIFEST:
                return [(info, content)]
            extra = tarfile.TarInfo(name)
            extra.type = kind
            if kind == tarfile.SYMTYPE:
                extra.linkname = "/etc/passwd"
            return [(info, content), (extra, b"x")]

        return change

    def list_a_traversal(info: tarfile.TarInfo, content: bytes) -> list[Any]:
        if info.name != MANIFEST:
            return [(info, content)]
        manifest = json.loads(content)
        manifest["members"]["files/media/../../evil"] = {"size": 1, "sha256": "0" * 64}
        return [(info, json.dumps(manifest).encode())]

    cases = {
        "changed": (flip_a_byte, "does not match its manifest"),
        "no-manifest": (drop_the_manifest, "has no manifest"),
        "extra": (add("files/media/extra.txt"), "does not match its manifest"),
        "dotdot": (add("files/media/../../../evil.txt"), "unsafe path"),
        "absolute": (add("/tmp/evil.txt"), "unsafe path"),
        "symlink": (add("files/media/link", tarfile.SYMTYPE), "something other than a file"),
        "listed-dotdot": (list_a_traversal, "unsafe path"),
    }
    restored_media = tmp_path / "restored-media"
    for label, (change, message) in cases.items():
        bad = tmp_path / f"{label}.tar.gz"
        _rewrite(archive, bad, change)
        with pytest.raises(BackupError, match=message):
            restore_backup(archive_path=bad, db=empty_database)

    done = _manage(
        "restore", str(tmp_path / "dotdot.tar.gz"), db=empty_database, media=restored_media
    )
    assert done.returncode != 0 and "unsafe path: files/media/../../../evil.txt" in done.stderr

    truncated = tmp_path / "truncated.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(BackupError, match="damaged or truncated|cannot be opened"):
        restore_backup(archive_path=truncated, db=empty_database)

    assert database_fingerprints(empty_database) == {}, "the target database is still empty"
    assert not (tmp_path / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()
    assert not restored_media.exists() or _files(restored_media) == {}
