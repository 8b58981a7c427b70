"""Django's flush, allowed to empty the audit table (which refuses every other DELETE); after
it, receivers of `database_flushed` clear what a flush leaves inconsistent (on SQLite, emptying
a table fires its DELETE triggers against tables emptied before it)."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections
from django.dispatch import Signal

from rapport.core.audit import audit_unlocked

# Sent with `using` (the database alias) after every flush.
database_flushed = Signal()


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        using = options.get("database") or DEFAULT_DB_ALIAS
        connection = connections[using]
        with audit_unlocked(connection):
            super().handle(**options)
        database_flushed.send(sender=self.__class__, using=using)
