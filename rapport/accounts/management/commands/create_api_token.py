"""`manage.py create_api_token --user U --name N`: prints the new token, and only that."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from rapport.accounts.models import User
from rapport.accounts.services import create_api_token
from rapport.core.validation import first_error


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _("Create a personal API token for a user and print it. It is not shown again.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help=_("User name of the token's owner."))
        parser.add_argument("--name", required=True, help=_("What the token is for."))

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(_("There is no user %(username)s.") % {"username": options["user"]})
        try:
            # Run from the shell by someone who may act as that user: the owner is the actor.
            _token, raw = create_api_token(actor=user, user=user, name=options["name"])
        except ValidationError as exc:
            raise CommandError(first_error(exc)[1]) from None
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(raw)
