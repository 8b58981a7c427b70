"""Reads shared by the e-mail logging pages and API."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from rapport.core.listing import Filter, ListSpec
from rapport.mailbox.models import LoggedMessage, MailboxSetup, UnmatchedMessage


def mailbox_setup() -> MailboxSetup:
    """The setup record, or an unsaved one with the defaults before anyone saved it."""
    return MailboxSetup.objects.select_related("template", "run_as").filter(
        pk=1
    ).first() or MailboxSetup(pk=1)


UNMATCHED_LIST = ListSpec(
    search_fields=["subject__icontains", "sender__icontains", "recipients__icontains"],
    filters={"reason_code": Filter("reason_code", str, _("Reason code"))},
    sorts={"last_seen_at": ["last_seen_at", "pk"], "sender": ["sender", "pk"]},
    default_sort="-last_seen_at",
)

LOGGED_LIST = ListSpec(
    search_fields=["subject__icontains", "sender__icontains", "message_id__icontains"],
    filters={"direction": Filter("direction", str, _("Direction"))},
    sorts={"logged_at": ["logged_at", "pk"]},
    default_sort="-logged_at",
)


def unmatched_messages() -> QuerySet[UnmatchedMessage]:
    return UnmatchedMessage.objects.all()


def logged_messages() -> QuerySet[LoggedMessage]:
    return LoggedMessage.objects.all()
