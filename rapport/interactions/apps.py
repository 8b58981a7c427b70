from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "rapport.interactions"
    label = "interactions"
    verbose_name = _("Interactions")

    def ready(self) -> None:
        from rapport.core.management.commands.flush import database_flushed
        from rapport.interactions import hooks, tasks  # noqa: F401  (registers contact checks, job handlers)

        database_flushed.connect(empty_entry_totals, dispatch_uid="rapport.entry_totals_flush")


def empty_entry_totals(sender: Any, using: str, **kwargs: Any) -> None:
    """After a flush no entries are left, so no totals either (SQLite's flush empties the totals
    before the entries, whose DELETE trigger then writes negative totals)."""
    from django.db import connections

    from rapport.interactions import totals

    with connections[using].cursor() as cursor:
        cursor.execute(f"DELETE FROM {totals.TOTAL_TABLE}")  # noqa: S608 (a module constant)
