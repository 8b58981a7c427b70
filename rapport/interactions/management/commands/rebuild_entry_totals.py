"""`manage.py rebuild_entry_totals [--check]`: the statistics totals per template, group and
salesperson, recomputed from the interaction log entries (or only compared with them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.interactions import services


class Command(BaseCommand):
    help = (
        "Recompute the statistics totals per interaction template, group and salesperson from "
        "the interaction log entries; with --check only compare them and fail on a difference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--check", action="store_true", help="compare only; exit 1 on any difference"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            drift = services.entry_total_drift()
            for row in drift[:50]:
                self.stdout.write(
                    f"{row.side}: {row.dimension} {row.key_id} {row.on_date} "
                    f"{row.entries} {row.cost_cents} {row.minutes}"
                )
            if drift:
                days = len({(row.dimension, row.key_id, row.on_date) for row in drift})
                raise CommandError(
                    ngettext(
                        "%(count)s interaction log total differs from the entries.",
                        "%(count)s interaction log totals differ from the entries.",
                        days,
                    )
                    % {"count": days}
                )
            self.stdout.write(_("The interaction log totals agree with the entries."))
            return
        rows = services.rebuild_entry_totals(actor=None)
        self.stdout.write(_("Interaction log totals rebuilt: %(rows)s rows.") % {"rows": rows})
