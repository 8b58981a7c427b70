from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def register_audit_lock(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite: the function the audit table's DELETE trigger asks (see migration 0004)."""
    if connection.vendor == "sqlite":
        from rapport.core.audit import audit_locked

        connection.connection.create_function(
            "rapport_audit_locked", 0, audit_locked, deterministic=False
        )


class CoreConfig(AppConfig):
    name = "rapport.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        connection_created.connect(register_audit_lock, dispatch_uid="rapport_audit_lock")
