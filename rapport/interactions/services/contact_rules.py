"""What interactions mean for a contact's type change and deletion."""

from __future__ import annotations

from django.utils.translation import gettext as _

from rapport.contacts.models import Contact
from rapport.core.validation import (
    field_error,
)
from rapport.interactions.models import (
    InteractionLogEntry,
    Opportunity,
)

# --- contacts: what interactions mean for a contact's type change and deletion ------------------


def block_type_change_with_entries(contact: Contact) -> None:
    if InteractionLogEntry.objects.filter(contact=contact).exists():
        raise field_error(
            "type",
            _(
                "Type cannot be changed because one or more interaction log entries are linked "
                "to the contact."
            ),
            "has_entries",
        )


def rehome_entries_of_deleted_contacts(contacts: list[Contact]) -> None:
    """BC 1.2.7: a deleted person's entries go to its company; a deleted company's entries
    survive unlinked. Set-based."""
    persons = [c for c in contacts if c.is_person]
    companies = [c.pk for c in contacts if c.is_company]
    for person in persons:
        if person.company_id and person.company_id not in companies:
            InteractionLogEntry.objects.filter(contact=person).update(contact=person.company_id)
            Opportunity.objects.filter(contact=person).update(contact=person.company_id)
    ids = [c.pk for c in contacts]
    InteractionLogEntry.objects.filter(contact_id__in=ids).update(contact=None)
    InteractionLogEntry.objects.filter(contact_company_id__in=companies).update(
        contact_company=None
    )
    Opportunity.objects.filter(contact_id__in=ids).update(contact=None)
    Opportunity.objects.filter(contact_company_id__in=companies).update(contact_company=None)
