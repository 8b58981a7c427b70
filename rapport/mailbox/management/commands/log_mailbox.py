"""Log the mailbox's queue folder now, in this process: `manage.py log_mailbox --user admin`."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapport.accounts.models import User
from rapport.core.validation import first_error
from rapport.mailbox import services
from rapport.mailbox.queries import mailbox_setup


class Command(BaseCommand):
    help = "Log the e-mail messages waiting in the mailbox's queue folder as interactions."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--user", help="Run as this user (default: the user who last saved the setup)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("user"):
            actor = User.objects.filter(username=options["user"]).first()
            if actor is None:
                raise CommandError(f"There is no user {options['user']}.")
        else:
            actor = mailbox_setup().run_as
        try:
            result = services.log_mailbox(actor=actor)
        except ValidationError as exc:
            raise CommandError(first_error(exc)[1]) from exc
        self.stdout.write(json.dumps(result, indent=2))
