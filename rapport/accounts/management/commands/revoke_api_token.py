"""`manage.py revoke_api_token --user U (--prefix P | --id N)`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from rapport.accounts.models import ApiToken, User
from rapport.accounts.services import revoke_api_token


class Command(BaseCommand):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = _("Revoke a user's API token, found by its prefix or its id.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help=_("User name of the token's owner."))
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument(
            "--prefix", help=_("The token's prefix as listed (rpt_…); a full token also works.")
        )
        which.add_argument("--id", type=int, help=_("The token's id."))

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["user"]).first()
        if user is None:
            raise CommandError(_("There is no user %(username)s.") % {"username": options["user"]})
        tokens = ApiToken.objects.filter(user=user)
        if options["id"] is not None:
            tokens = tokens.filter(pk=options["id"])
        else:
            prefix = options["prefix"].strip().rstrip("…")
            tokens = tokens.filter(prefix=prefix[:12])
        found = list(tokens[:2])
        if not found:
            raise CommandError(_("%(username)s has no such API token.") % {"username": user})
        if len(found) > 1:
            raise CommandError(_("More than one API token matches; use --id."))
        token = found[0]
        if token.revoked_at is not None:
            self.stdout.write(
                _("The API token %(name)s was already revoked.") % {"name": token.name}
            )
            return
        revoke_api_token(actor=user, token=token)
        self.stdout.write(
            _("Revoked the API token %(name)s (%(prefix)s…).")
            % {"name": token.name, "prefix": token.prefix}
        )
