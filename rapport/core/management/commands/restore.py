"""`manage.py restore FILE`: restore a backup archive into an empty database, then verify it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from django.utils.translation import gettext as _

from rapport.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Restore a backup archive written by `backup` into an empty database and file folder "
        "(--force replaces what is there), then check every table's row count and checksum "
        "and every file against the archive's manifest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="the archive written by `manage.py backup`")
        parser.add_argument("--database", default="default", help="the database alias")
        parser.add_argument(
            "--force",
            action="store_true",
            help="replace a database and file folder that are not empty",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive = Path(options["archive"])
        if not archive.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": archive})
        connection = connections[options["database"]]
        connection.close()  # the restore uses connections of its own
        try:
            report = restore_backup(
                archive_path=archive, db=connection.settings_dict, force=options["force"]
            )
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            _(
                "Restored %(tables)s tables (%(rows)s rows) and %(files)s files; every row "
                "count, checksum and file matches the archive."
            )
            % {"tables": report.tables, "rows": report.rows, "files": report.files}
        )
