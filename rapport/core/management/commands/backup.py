"""`manage.py backup --output FILE`: the database and the stored files in one archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from rapport.core.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Write a backup archive (tar.gz): the database (SQLite online backup or pg_dump), the "
        "stored files and a manifest with per-table row counts and checksums."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", required=True, help="the archive to write (.tar.gz)")
        parser.add_argument("--database", default="default", help="the database alias")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"])
        if output.exists() and output.is_dir():
            raise CommandError(_("%(path)s is a folder.") % {"path": output})
        try:
            manifest = create_backup(
                output=output, db=connections[options["database"]].settings_dict
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        tables = manifest["tables"]
        rows = sum(table["rows"] for table in tables.values())
        files = len(manifest["members"]) - 1
        self.stdout.write(
            _("Backup written to %(path)s: %(tables)s tables, %(rows)s rows, %(files)s files.")
            % {"path": output, "tables": len(tables), "rows": rows, "files": files}
        )
