"""Load demo data: every app with a `demo.py` providing `load_demo(*, actor)`, in app order."""

from importlib import import_module
from importlib.util import find_spec
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from rapport.accounts.services import system_actor


class Command(BaseCommand):
    help = "Load Finnish and Norwegian demo data (idempotent: a second run adds nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        actor = system_actor()
        for config in apps.get_app_configs():
            name = f"{config.name}.demo"
            if not config.name.startswith("rapport.") or find_spec(name) is None:
                continue
            created = import_module(name).load_demo(actor=actor)
            summary = ", ".join(
                f"{count} {what.replace('_', ' ')}" for what, count in created.items()
            )
            self.stdout.write(f"{config.verbose_name}: {summary} created")
