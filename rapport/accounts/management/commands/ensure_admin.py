"""`manage.py ensure_admin --username admin --password PW [--email E]` (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from rapport.accounts.services import bootstrap_admin
from rapport.core.validation import first_error


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _(
            "Create the administrator with the admin role, or reset its password and roles."
        )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help=_("User name of the administrator."))
        parser.add_argument("--password", required=True, help=_("The password to set."))
        parser.add_argument("--email", default="", help=_("Email address (optional)."))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user, created = bootstrap_admin(
                username=options["username"], password=options["password"], email=options["email"]
            )
        except ValidationError as exc:
            raise CommandError(first_error(exc)[1]) from None
        if created:
            message = _("Created the administrator %(username)s.")
        else:
            message = _("Reset the password and roles of the administrator %(username)s.")
        self.stdout.write(message % {"username": user.username})
