from typing import Any

from django.core.management.base import BaseCommand

from rapport.accounts.services import system_actor
from rapport.contacts.demo import load_demo


class Command(BaseCommand):
    help = (
        "Load Finnish and Norwegian demo contacts, salespeople and business relations (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        created = load_demo(actor=system_actor())
        self.stdout.write(
            "Demo data: "
            + ", ".join(
                f"{count} {what.replace('_', ' ')} created" for what, count in created.items()
            )
        )
