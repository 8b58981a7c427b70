"""For migrations that run hand-written SQL per database (triggers, functions)."""

from __future__ import annotations

from typing import Any


def run_for_vendor(schema_editor: Any, *, sqlite: list[str], postgresql: list[str]) -> None:
    """Run the statements written for the migrating database; other databases get none."""
    statements = {"sqlite": sqlite, "postgresql": postgresql}.get(
        schema_editor.connection.vendor, []
    )
    for sql in statements:
        schema_editor.execute(sql, params=None)
