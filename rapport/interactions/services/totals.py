"""The statistics totals per template, group and salesperson (EntryTotal): check and rebuild.

Database triggers keep them (rapport/interactions/totals.py); these two services are for an
operator who wants proof (`manage.py rebuild_entry_totals --check`) or who restored entries
with the triggers off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from rapport.core.audit import record_audit
from rapport.core.models import AuditAction
from rapport.interactions import totals
from rapport.interactions.models import EntryTotal, InteractionLogEntry


@dataclass(frozen=True)
class TotalDrift:
    """One day total that disagrees with a recount of the entries: `side` says which side
    holds the row (`stored` = in the table, `recount` = what the entries add up to)."""

    side: str
    dimension: str
    key_id: int
    on_date: Any
    entries: int
    cost_cents: int
    minutes: int


def entry_total_drift() -> list[TotalDrift]:
    """Every day total that does not equal a recount of the entries (empty: they agree)."""
    with connection.cursor() as cursor:
        cursor.execute(totals.drift_sql())
        return [TotalDrift(*row) for row in cursor.fetchall()]


@transaction.atomic
def rebuild_entry_totals(*, actor: Any) -> int:
    """Recompute every total from the entries, set-based; returns the number of day rows.
    Entry writes wait meanwhile (PostgreSQL: SHARE lock on the entry table; SQLite: the
    transaction holds the write lock from its first statement)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {totals.ENTRY_TABLE} IN SHARE MODE")
        cursor.execute(f"DELETE FROM {totals.TOTAL_TABLE}")  # noqa: S608 (a module constant)
        cursor.execute(totals.fill_sql())
    rows = EntryTotal.objects.count()
    record_audit(
        actor=actor,
        action=AuditAction.RUN,
        object_type=InteractionLogEntry._meta.label_lower,
        object_repr="Rebuild interaction log totals",
        details={"rows": rows},
    )
    return rows
