"""What the interactions app adds to contacts: type-change and delete rules, the card's tab."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from rapport.contacts import views as contact_views
from rapport.contacts.models import Contact
from rapport.contacts.services import register_contact_rules
from rapport.interactions import queries, services

register_contact_rules(
    type_change_check=services.block_type_change_with_entries,
    before_delete=services.rehome_entries_of_deleted_contacts,
)


def interactions_tab(request: HttpRequest, contact: Contact) -> dict[str, Any]:
    """The "Interactions" tab: statistics fact box, a chart, and the latest entries."""
    if not request.user.has_perm("interactions.view_interactionlogentry"):
        return {"tab_template": "interactions/includes/no_access.html"}
    entries = queries.contact_entries(contact)
    return {
        "tab_template": "interactions/includes/contact_tab.html",
        "stats": queries.contact_statistics(contact),
        "chart": queries.monthly(entries),
        "entries": list(entries.logged().select_related(*queries.ENTRY_RELATED)[:20]),  # type: ignore[attr-defined]
        "postponed_count": entries.postponed().count(),  # type: ignore[attr-defined]
    }


contact_views.TAB_PROVIDERS["interactions"] = interactions_tab
