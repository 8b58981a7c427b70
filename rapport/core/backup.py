"""Backup and restore: one archive holding the database, the stored files and a manifest.

`create_backup` writes a tar.gz archive:

- `manifest.json`: the format version, the Rapport migrations the database has applied, per
  table its row count and checksum (SHA-256 over every row ordered by primary key), and the
  size and SHA-256 of every other member;
- `database.sqlite3` (SQLite, copied with SQLite's online backup API: a consistent snapshot
  while the application keeps running) or `database.pgdump` (PostgreSQL, `pg_dump
  --format=custom` in an exported snapshot, the same snapshot the checksums are computed in);
- `files/<root>/...`: the stored files (MEDIA_ROOT: disk-file attachments, pending imports;
  and the attachment folder when it lies elsewhere).

`restore_backup` checks the whole archive before it changes anything (every member listed in
the manifest with its size and checksum, nothing else, no absolute or `..` paths, no links or
devices), refuses a target database that has tables unless forced, restores the database and
the files, then recounts and rechecks every table against the manifest.

The database is reached with its own DB-API connection (not Django's), so a backup never
waits on or joins the caller's transaction.
"""

from __future__ import annotations

import datetime
import decimal
import glob
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database.sqlite3"
PG_MEMBER = "database.pgdump"
FILES_PREFIX = "files"
CHUNK = 1024 * 1024
FETCH = 2000


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why (nothing was changed)."""


@dataclass
class RestoreReport:
    tables: int = 0
    rows: int = 0
    files: int = 0
    mismatches: list[str] = field(default_factory=list)


# --- where things live ----------------------------------------------------------------------


def file_roots() -> dict[str, Path]:
    """The folders whose files are backed up, by the name they have in the archive."""
    media = Path(settings.MEDIA_ROOT)
    roots = {"media": media}
    attachments = Path(
        getattr(settings, "RAPPORT_ATTACHMENT_ROOT", None) or media / "attachments"
    ).resolve()
    if not attachments.is_relative_to(media.resolve()):
        roots["attachments"] = attachments
    return roots


def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client tool: on PATH, else the newest under /usr/lib."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda path: int(path.split("/")[4]) if path.split("/")[4].isdigit() else 0,
    )
    if not candidates:
        raise BackupError(_("The PostgreSQL tool %(name)s was not found.") % {"name": name})
    return candidates[-1]


def _pg_env(db: dict[str, Any]) -> dict[str, str]:
    env = {**os.environ}
    env.update(
        PGHOST=db.get("HOST") or "127.0.0.1",
        PGPORT=str(db.get("PORT") or 5432),
        PGUSER=db.get("USER") or "",
        PGDATABASE=db["NAME"],
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def _vendor(db: dict[str, Any]) -> str:
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        return "sqlite"
    if engine.endswith("postgresql"):
        return "postgresql"
    raise BackupError(_("Backups support SQLite and PostgreSQL only."))


@contextmanager
def _connect(db: dict[str, Any]) -> Iterator[Any]:
    """A DB-API connection of its own to the database `db` (a DATABASES entry)."""
    conn: Any
    if _vendor(db) == "sqlite":
        conn = sqlite3.connect(db["NAME"], timeout=30, isolation_level=None)
    else:
        import psycopg

        conn = psycopg.connect(
            host=db.get("HOST") or "127.0.0.1",
            port=db.get("PORT") or 5432,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            dbname=db["NAME"],
            autocommit=True,
        )
    try:
        yield conn
    finally:
        conn.close()


# --- fingerprints ---------------------------------------------------------------------------


def _normal(value: Any) -> Any:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return {"b": value.hex()}
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID | datetime.timedelta):
        return str(value)
    return value


def _row_text(row: tuple[Any, ...]) -> bytes:
    return json.dumps([_normal(v) for v in row], sort_keys=True, default=str).encode() + b"\n"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(cursor: Any, vendor: str) -> list[tuple[str, list[str], list[str]]]:
    """(table, columns in order, primary-key columns) of every user table."""
    out = []
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"PRAGMA table_info({_quote(table)})")
            info = cursor.fetchall()
            columns = [row[1] for row in info]
            keys = [row[1] for row in sorted(info, key=lambda r: r[5]) if row[5]]
            out.append((table, columns, keys))
        return out
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() ORDER BY c.relname"
    )
    for (table,) in cursor.fetchall():
        cursor.execute(
            "SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass "
            "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
            [_quote(table)],
        )
        columns = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary "
            "ORDER BY array_position(i.indkey::int2[], a.attnum)",
            [_quote(table)],
        )
        keys = [row[0] for row in cursor.fetchall()]
        out.append((table, columns, keys))
    return out


def _fingerprints(conn: Any, vendor: str) -> dict[str, dict[str, Any]]:
    """{table: {"rows": n, "sha256": hex}}: every row, in primary-key order, hashed."""
    cursor = conn.cursor()
    result: dict[str, dict[str, Any]] = {}
    for table, columns, keys in _tables(cursor, vendor):
        order = ", ".join(_quote(c) for c in (keys or columns))
        select = ", ".join(_quote(c) for c in columns)
        digest = hashlib.sha256(json.dumps(columns).encode() + b"\n")
        rows = 0
        cursor.execute(f"SELECT {select} FROM {_quote(table)} ORDER BY {order}")  # noqa: S608
        while batch := cursor.fetchmany(FETCH):
            for row in batch:
                digest.update(_row_text(tuple(row)))
            rows += len(batch)
        result[table] = {"rows": rows, "sha256": digest.hexdigest()}
    cursor.close()
    return result


def database_fingerprints(db: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Per-table row counts and checksums of the database `db` (a DATABASES entry)."""
    vendor = _vendor(db)
    with _connect(db) as conn:
        return _fingerprints(conn, vendor)


def _migrations(conn: Any, vendor: str) -> list[list[str]]:
    cursor = conn.cursor()
    try:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        return [[app, name] for app, name in cursor.fetchall()]
    except Exception:  # no migrations table: an empty database
        return []
    finally:
        cursor.close()


def _has_tables(db: dict[str, Any]) -> bool:
    vendor = _vendor(db)
    if vendor == "sqlite" and not Path(db["NAME"]).exists():
        return False
    with _connect(db) as conn:
        cursor = conn.cursor()
        tables = _tables(cursor, vendor)
        cursor.close()
    return bool(tables)


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


# --- backup ---------------------------------------------------------------------------------


def create_backup(*, output: Path, db: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write the archive `output` (tar.gz) of the database `db` (default: Django's default)
    and the stored files. Returns the manifest. Written to a temporary name first, so a
    failed backup never leaves a half archive under the final name."""
    db = db or settings.DATABASES["default"]
    vendor = _vendor(db)
    output = Path(output)
    with tempfile.TemporaryDirectory(prefix="rapport-backup-") as work:
        dump = Path(work) / (SQLITE_MEMBER if vendor == "sqlite" else PG_MEMBER)
        if vendor == "sqlite":
            tables, migrations = _backup_sqlite(db, dump)
        else:
            tables, migrations = _backup_postgresql(db, dump)
        members: dict[str, dict[str, Any]] = {}
        partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
        try:
            with tarfile.open(partial, "w:gz") as archive:
                members[dump.name] = _add_file(archive, dump, dump.name)
                for root_name, root in file_roots().items():
                    for path in _files(root):
                        name = f"{FILES_PREFIX}/{root_name}/{path.relative_to(root).as_posix()}"
                        try:
                            members[name] = _add_file(archive, path, name)
                        except FileNotFoundError:  # removed meanwhile (e.g. a finished import)
                            continue
                manifest = {
                    "format": "rapport-backup",
                    "format_version": FORMAT_VERSION,
                    "created_at": datetime.datetime.now(datetime.UTC).isoformat(),
                    "vendor": vendor,
                    "database": dump.name,
                    "migrations": migrations,
                    "tables": tables,
                    "members": members,
                }
                data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(datetime.datetime.now().timestamp())
                archive.addfile(info, io.BytesIO(data))
            os.replace(partial, output)
        finally:
            partial.unlink(missing_ok=True)
    return manifest


class _HashingReader:
    """Reads a file for the archive and hashes exactly the bytes that went in."""

    def __init__(self, handle: Any) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return bytes(chunk)


def _add_file(archive: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    """Add one file (opened once: what is hashed is what is stored); its manifest entry."""
    with path.open("rb") as handle:
        info = archive.gettarinfo(arcname=name, fileobj=handle)
        reader = _HashingReader(handle)
        archive.addfile(info, reader)  # type: ignore[arg-type]
    if reader.size != info.size:
        raise BackupError(
            _("%(name)s changed while it was backed up; run the backup again.") % {"name": name}
        )
    return {"size": reader.size, "sha256": reader.digest.hexdigest()}


def _backup_sqlite(db: dict[str, Any], dump: Path) -> tuple[dict[str, Any], list[list[str]]]:
    source = sqlite3.connect(db["NAME"], timeout=30)
    target = sqlite3.connect(dump)
    try:
        source.backup(target)  # all pages in one step: one consistent snapshot
    finally:
        source.close()
    try:
        target.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
        return _fingerprints(target, "sqlite"), _migrations(target, "sqlite")
    finally:
        target.close()


def _backup_postgresql(db: dict[str, Any], dump: Path) -> tuple[dict[str, Any], list[list[str]]]:
    """pg_dump in a snapshot exported by a repeatable-read transaction that also computes the
    checksums: the dump and the manifest describe the same moment."""
    with _connect(db) as conn:
        conn.autocommit = False
        cursor = conn.cursor()
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        command = [
            pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            f"--file={dump}",
        ]
        done = subprocess.run(  # noqa: S603  (our own arguments)
            command, env=_pg_env(db), capture_output=True, text=True
        )
        if done.returncode != 0:
            raise BackupError(
                _("pg_dump failed: %(error)s") % {"error": done.stderr.strip()[-2000:]}
            )
        tables = _fingerprints(conn, "postgresql")
        migrations = _migrations(conn, "postgresql")
        conn.rollback()
    return tables, migrations


# --- restore --------------------------------------------------------------------------------


def _safe_name(name: str) -> bool:
    path = PurePosixPath(name)
    return bool(name) and not path.is_absolute() and ".." not in path.parts and "\\" not in name


def read_manifest(archive: tarfile.TarFile) -> tuple[dict[str, Any], dict[str, tarfile.TarInfo]]:
    """The manifest and the members of an archive, after checking every member's name and
    type (regular files with safe relative paths only) and that the members are exactly the
    ones the manifest lists."""
    members: dict[str, tarfile.TarInfo] = {}
    try:
        infos = archive.getmembers()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(
            _("The archive is damaged or truncated: %(error)s") % {"error": exc}
        ) from None
    for info in infos:
        if not _safe_name(info.name):
            raise BackupError(_("The archive holds an unsafe path: %(name)s") % {"name": info.name})
        if not info.isfile():
            raise BackupError(
                _("The archive holds something other than a file: %(name)s") % {"name": info.name}
            )
        if info.name in members:
            raise BackupError(_("The archive holds %(name)s twice.") % {"name": info.name})
        members[info.name] = info
    if MANIFEST not in members:
        raise BackupError(_("The archive has no manifest; it is not a Rapport backup."))
    handle = archive.extractfile(members.pop(MANIFEST))
    try:
        manifest = json.loads(handle.read()) if handle else {}
    except ValueError:
        raise BackupError(_("The archive's manifest cannot be read.")) from None
    if manifest.get("format") != "rapport-backup" or not isinstance(manifest.get("members"), dict):
        raise BackupError(_("The archive's manifest cannot be read."))
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            _("The archive has format version %(version)s; this Rapport reads version %(ours)s.")
            % {"version": manifest.get("format_version"), "ours": FORMAT_VERSION}
        )
    listed = set(manifest["members"])
    for name in listed:
        if not _safe_name(name):
            raise BackupError(_("The archive holds an unsafe path: %(name)s") % {"name": name})
    if set(members) != listed:
        extra = sorted(set(members) - listed)
        missing = sorted(listed - set(members))
        raise BackupError(
            _("The archive does not match its manifest (missing: %(missing)s; extra: %(extra)s).")
            % {"missing": ", ".join(missing) or "-", "extra": ", ".join(extra) or "-"}
        )
    return manifest, members


def _extract_verified(
    archive: tarfile.TarFile, info: tarfile.TarInfo, expected: dict[str, Any], target: Path
) -> None:
    """Copy one member to `target`, checking its size and SHA-256 against the manifest."""
    target.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    try:
        source = archive.extractfile(info)
        if source is None:
            raise BackupError(
                _("The archive holds an unreadable member: %(name)s") % {"name": info.name}
            )
        with target.open("wb") as out:
            while chunk := source.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise BackupError(
            _("The archive is damaged or truncated: %(error)s") % {"error": exc}
        ) from None
    if size != expected.get("size") or digest.hexdigest() != expected.get("sha256"):
        raise BackupError(
            _("%(name)s in the archive does not match its manifest (changed or truncated).")
            % {"name": info.name}
        )


def restore_backup(
    *, archive_path: Path, db: dict[str, Any] | None = None, force: bool = False
) -> RestoreReport:
    """Restore the archive into the database `db` (default: Django's default) and the file
    roots. Everything in the archive is checked before anything is changed; the database is
    checked against the manifest afterwards (a mismatch raises BackupError)."""
    db = db or settings.DATABASES["default"]
    vendor = _vendor(db)
    roots = file_roots()
    try:
        archive = tarfile.open(archive_path, "r:gz")  # noqa: SIM115  (closed below)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupError(_("The archive cannot be opened: %(error)s") % {"error": exc}) from None
    with archive, tempfile.TemporaryDirectory(prefix="rapport-restore-") as work:
        manifest, members = read_manifest(archive)
        if manifest.get("vendor") != vendor:
            raise BackupError(
                _("The archive holds a %(archive)s database; the target is %(target)s.")
                % {"archive": manifest.get("vendor"), "target": vendor}
            )
        database_member = manifest.get("database")
        if database_member not in members:
            raise BackupError(_("The archive's manifest cannot be read."))
        # 1. Everything out of the archive into a private folder, every checksum verified.
        staged = Path(work) / "staged"
        file_count = 0
        for name, info in members.items():
            parts = PurePosixPath(name).parts
            if name != database_member:
                if parts[0] != FILES_PREFIX or len(parts) < 3 or parts[1] not in roots:
                    raise BackupError(
                        _("The archive holds an unexpected member: %(name)s") % {"name": name}
                    )
                file_count += 1
            _extract_verified(archive, info, manifest["members"][name], staged.joinpath(*parts))
        # 2. Only now the target: it must be empty unless forced.
        if not force and _has_tables(db):
            raise BackupError(
                _(
                    "The target database is not empty; restore refuses to overwrite it (use --force)."
                )
            )
        if not force and any(any(_files(root)) for root in roots.values()):
            raise BackupError(
                _(
                    "The target file folder is not empty; restore refuses to overwrite it (use --force)."
                )
            )
        # 3. The database.
        dump = staged / database_member
        if vendor == "sqlite":
            _restore_sqlite(dump, db)
        else:
            _restore_postgresql(dump, db, clean=force)
        # 4. The files: each root replaced as a whole.
        for root_name, root in roots.items():
            source = staged / FILES_PREFIX / root_name
            if root.exists():
                shutil.rmtree(root)
            if source.exists():
                root.parent.mkdir(parents=True, exist_ok=True)
                shutil.copytree(source, root)
            else:
                root.mkdir(parents=True, exist_ok=True)
    # 5. Recount and recheck.
    report = RestoreReport(files=file_count)
    found = database_fingerprints(db)
    expected = manifest.get("tables") or {}
    for table, want in expected.items():
        got = found.get(table)
        if got != want:
            report.mismatches.append(table)
    report.mismatches.extend(sorted(set(found) - set(expected)))
    report.tables = len(found)
    report.rows = sum(t["rows"] for t in found.values())
    for name, meta in manifest["members"].items():
        parts = PurePosixPath(name).parts
        if parts[0] == FILES_PREFIX:
            path = roots[parts[1]].joinpath(*parts[2:])
            if not path.is_file() or _sha256_file(path) != meta["sha256"]:
                report.mismatches.append(name)
    if report.mismatches:
        raise BackupError(
            _("The restored data does not match the archive: %(names)s")
            % {"names": ", ".join(report.mismatches)}
        )
    return report


def _restore_sqlite(dump: Path, db: dict[str, Any]) -> None:
    """Copy the snapshot into the target with SQLite's backup API (it replaces every page)."""
    target_path = Path(db["NAME"])
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(dump)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()


def _drop_tables(db: dict[str, Any]) -> None:
    """Empty the target schema (restore --force): every table, with its sequences."""
    with _connect(db) as conn:
        cursor = conn.cursor()
        tables = [table for table, _columns, _keys in _tables(cursor, "postgresql")]
        if tables:
            cursor.execute(
                "DROP TABLE IF EXISTS " + ", ".join(_quote(t) for t in tables) + " CASCADE"
            )
        # Functions the migrations made (the audit table's trigger function): the dump creates
        # them again. Functions of extensions stay.
        cursor.execute(
            """SELECT p.oid::regprocedure::text FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = current_schema()
              AND NOT EXISTS (SELECT 1 FROM pg_depend d
                              WHERE d.objid = p.oid AND d.deptype = 'e')"""
        )
        for (signature,) in cursor.fetchall():
            cursor.execute(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
        cursor.close()


def _restore_postgresql(dump: Path, db: dict[str, Any], *, clean: bool) -> None:
    command = [
        pg_tool("pg_restore"),
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={db['NAME']}",
    ]
    if clean:
        _drop_tables(db)
    command.append(str(dump))
    done = subprocess.run(  # noqa: S603  (our own arguments)
        command, env=_pg_env(db), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise BackupError(
            _("pg_restore failed: %(error)s") % {"error": done.stderr.strip()[-2000:]}
        )
