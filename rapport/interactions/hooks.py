"""What the interactions app adds to contacts: type-change and delete rules, the card's tab."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from rapport.accounts.tables import SALESPEOPLE
from rapport.contacts import views as contact_views
from rapport.contacts.models import Contact
from rapport.contacts.services import register_contact_rules
from rapport.interactions import queries, services

register_contact_rules(
    type_change_check=services.block_type_change_with_entries,
    before_delete=services.rehome_entries_of_deleted_contacts,
)
register_contact_rules(delete_check=services.block_delete_with_open_opportunities)


def interactions_tab(request: HttpRequest, contact: Contact) -> dict[str, Any]:
    """The "Interactions" tab: statistics fact box, a chart, and the latest entries."""
    if not request.user.has_perm("interactions.view_interactionlogentry"):
        return {"tab_template": "interactions/includes/no_access.html"}
    entries = queries.contact_entries(contact)
    return {
        "tab_template": "interactions/includes/contact_tab.html",
        "stats": queries.contact_statistics(contact),
        "chart": queries.monthly(entries),
        "entries": list(queries.with_related(entries.logged())[:20]),  # type: ignore[attr-defined]
        "postponed_count": entries.postponed().count(),  # type: ignore[attr-defined]
    }


contact_views.TAB_PROVIDERS["interactions"] = interactions_tab


def salesperson_actions(request: HttpRequest, salesperson: Any) -> list[tuple[str, Any]]:
    """Links on a salesperson's card: create an interaction for them, see their entries."""
    actions: list[tuple[str, Any]] = []
    if request.user.has_perm("interactions.add_interactionlogentry"):
        actions.append(
            (
                f"{reverse('interactions:interaction_create')}?salesperson={salesperson.code}",
                _("Create Interaction"),
            )
        )
    if request.user.has_perm("interactions.view_interactionlogentry"):
        stats = queries.salesperson_statistics(salesperson)
        actions.append(
            (
                f"{reverse('interactions:entry_list')}?salesperson={salesperson.code}",
                _("Interaction Log Entries (%(count)s)") % {"count": stats.count},
            )
        )
        actions.append(
            (
                f"{reverse('interactions:postponed_list')}?salesperson={salesperson.code}",
                _("Postponed Interactions"),
            )
        )
    return actions


SALESPEOPLE.card_actions.append(salesperson_actions)


def _campaign_card_actions() -> None:
    from rapport.campaigns.tables import CAMPAIGNS
    from rapport.interactions.views.campaign_entries import campaign_actions

    if campaign_actions not in CAMPAIGNS.card_actions:
        CAMPAIGNS.card_actions.append(campaign_actions)


_campaign_card_actions()
