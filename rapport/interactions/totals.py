"""The SQL that keeps `EntryTotal` (statistics per template, group and salesperson and day).

Database triggers on the entry table add every statement's difference to the totals in the
same transaction (see the model's docstring for why triggers and not the services):

- SQLite: row triggers (SQLite has no statement triggers); each counted row inserted or deleted
  upserts its three day rows; an UPDATE fires only when a column the totals read changes
  (`canceled`, `postponed`, `cost`, `duration`, `date`, template, group, salesperson), so a
  delivery-status or evaluation change costs nothing.
- PostgreSQL: statement triggers with transition tables: one set-based upsert per statement,
  grouped by (dimension, key, day), in key order (two transactions never lock the same total
  rows in opposite orders), and nothing at all when the difference is zero.

`install(cursor, vendor)` creates (or re-creates) the triggers and recomputes the totals; the
migration that made the table calls it, and so must any later migration that rebuilds the entry
table on SQLite (a table rebuild drops its triggers): `test_entry_totals.py` checks they exist.
"""

from __future__ import annotations

from typing import Any

ENTRY_TABLE = "interactions_interactionlogentry"
TOTAL_TABLE = "interactions_entrytotal"
# (dimension, the entry's column): what EntryTotalDimension's values total.
DIMENSIONS = (("t", "template_id"), ("g", "group_id"), ("s", "salesperson_id"))
TRIGGERS = (
    "interactions_entry_totals_insert",
    "interactions_entry_totals_update",
    "interactions_entry_totals_delete",
)
COLUMNS = "dimension, key_id, on_date, entries, cost_cents, minutes"
# Cost has two decimals, duration none: both become exact integers (SQLite sums REALs).
CENTS = "CAST(round({row}cost * 100) AS BIGINT)"
MINUTES = "CAST({row}duration AS BIGINT)"
COUNTED = "NOT {row}canceled AND NOT {row}postponed"
ADD = (
    "ON CONFLICT (dimension, key_id, on_date) DO UPDATE SET "
    "entries = {t}entries + excluded.entries, "
    "cost_cents = {t}cost_cents + excluded.cost_cents, "
    "minutes = {t}minutes + excluded.minutes"
)


def recount_sql(entry_table: str = ENTRY_TABLE) -> str:
    """SELECT of what the totals must hold, computed from the entries (no zero rows)."""
    cents, minutes = CENTS.format(row=""), MINUTES.format(row="")
    return " UNION ALL ".join(
        f"SELECT '{dimension}', {column}, date, COUNT(*), SUM({cents}), SUM({minutes}) "
        f"FROM {entry_table} WHERE {COUNTED.format(row='')} AND {column} IS NOT NULL "
        f"GROUP BY {column}, date"
        for dimension, column in DIMENSIONS
    )


def fill_sql() -> str:
    return f"INSERT INTO {TOTAL_TABLE} ({COLUMNS}) {recount_sql()}"


def drift_sql() -> str:
    """Rows where the totals and a recount disagree (zero rows in the totals are no drift)."""
    stored = (
        f"SELECT dimension, key_id, on_date, entries, cost_cents, minutes FROM {TOTAL_TABLE} "
        "WHERE entries <> 0 OR cost_cents <> 0 OR minutes <> 0"
    )
    recount = f"SELECT * FROM ({recount_sql()}) AS r"
    return (
        f"SELECT 'stored', * FROM ({stored} EXCEPT {recount}) AS a "
        f"UNION ALL SELECT 'recount', * FROM ({recount} EXCEPT {stored}) AS b"
    )


def _sqlite_upsert(row: str, sign: int) -> str:
    prefix = f"{row}."
    parts = [
        f"SELECT '{dimension}', {prefix}{column}, {prefix}date, {sign}, "
        f"{sign} * {CENTS.format(row=prefix)}, {sign} * {MINUTES.format(row=prefix)} "
        f"WHERE {prefix}{column} IS NOT NULL AND {COUNTED.format(row=prefix)}"
        for dimension, column in DIMENSIONS
    ]
    # "WHERE true": SQLite's parser needs a WHERE before ON CONFLICT in INSERT ... SELECT.
    return (
        f"INSERT INTO {TOTAL_TABLE} ({COLUMNS}) SELECT * FROM ({' UNION ALL '.join(parts)}) "
        f"WHERE true {ADD.format(t='')};"
    )


def sqlite_triggers() -> list[str]:
    watched = ("canceled", "postponed", "cost", "duration", "date", *(c for _, c in DIMENSIONS))
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in watched)
    insert, update, delete = TRIGGERS
    return [
        f"CREATE TRIGGER {insert} AFTER INSERT ON {ENTRY_TABLE} "
        f"BEGIN {_sqlite_upsert('NEW', 1)} END",
        f"CREATE TRIGGER {update} AFTER UPDATE OF {', '.join(watched)} ON {ENTRY_TABLE} "
        f"WHEN {changed} BEGIN {_sqlite_upsert('OLD', -1)} {_sqlite_upsert('NEW', 1)} END",
        f"CREATE TRIGGER {delete} AFTER DELETE ON {ENTRY_TABLE} "
        f"BEGIN {_sqlite_upsert('OLD', -1)} END",
    ]


def _postgres_upsert(changed: str) -> str:
    """One statement adding the signed rows of `changed` (sign, entry columns) to the totals."""
    per_dimension = " UNION ALL ".join(
        f"SELECT '{dimension}' AS dimension, {column} AS key_id, date, sign, cost, duration "
        f"FROM changed WHERE {column} IS NOT NULL"
        for dimension, column in DIMENSIONS
    )
    cents, minutes = CENTS.format(row=""), MINUTES.format(row="")
    return (
        f"WITH changed AS ({changed}), d AS ({per_dimension}) "
        f"INSERT INTO {TOTAL_TABLE} AS t ({COLUMNS}) "
        f"SELECT dimension, key_id, date, SUM(sign), SUM(sign * {cents}), SUM(sign * {minutes}) "
        "FROM d GROUP BY dimension, key_id, date "
        f"HAVING SUM(sign) <> 0 OR SUM(sign * {cents}) <> 0 OR SUM(sign * {minutes}) <> 0 "
        f"ORDER BY dimension, key_id, date {ADD.format(t='t.')};"
    )


def postgres_triggers() -> list[str]:
    entry_columns = "template_id, group_id, salesperson_id, date, cost, duration"
    added = f"SELECT 1 AS sign, {entry_columns} FROM new_rows WHERE {COUNTED.format(row='')}"
    removed = f"SELECT -1 AS sign, {entry_columns} FROM old_rows WHERE {COUNTED.format(row='')}"
    insert, update, delete = TRIGGERS
    function = f"""CREATE OR REPLACE FUNCTION interactions_entry_totals() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            {_postgres_upsert(added)}
        ELSIF TG_OP = 'DELETE' THEN
            {_postgres_upsert(removed)}
        ELSE
            {_postgres_upsert(f"{removed} UNION ALL {added}")}
        END IF;
        RETURN NULL;
    END $$"""
    return [
        function,
        f"CREATE TRIGGER {insert} AFTER INSERT ON {ENTRY_TABLE} REFERENCING NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION interactions_entry_totals()",
        f"CREATE TRIGGER {update} AFTER UPDATE ON {ENTRY_TABLE} "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION interactions_entry_totals()",
        f"CREATE TRIGGER {delete} AFTER DELETE ON {ENTRY_TABLE} REFERENCING OLD TABLE AS old_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION interactions_entry_totals()",
    ]


def drop_triggers_sql(vendor: str) -> list[str]:
    on = f" ON {ENTRY_TABLE}" if vendor == "postgresql" else ""
    return [f"DROP TRIGGER IF EXISTS {name}{on}" for name in TRIGGERS]


def create_triggers_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return sqlite_triggers()
    if vendor == "postgresql":
        return postgres_triggers()
    raise NotImplementedError(f"entry totals need triggers for {vendor}")


def installed_triggers(cursor: Any, vendor: str) -> set[str]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            [ENTRY_TABLE],
        )
    else:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
            [ENTRY_TABLE],
        )
    return {name for (name,) in cursor.fetchall()} & set(TRIGGERS)


def install(cursor: Any, vendor: str) -> None:
    """(Re)create the triggers and recompute every total from the entries."""
    for sql in [*drop_triggers_sql(vendor), *create_triggers_sql(vendor)]:
        cursor.execute(sql)
    cursor.execute(f"DELETE FROM {TOTAL_TABLE}")
    cursor.execute(fill_sql())


def uninstall(cursor: Any, vendor: str) -> None:
    for sql in drop_triggers_sql(vendor):
        cursor.execute(sql)
    if vendor == "postgresql":
        cursor.execute("DROP FUNCTION IF EXISTS interactions_entry_totals()")
