"""Django's flush, allowed to empty the audit table (which refuses every other DELETE)."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from rapport.core.audit import audit_unlocked


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        with audit_unlocked(connection):
            super().handle(**options)
