"""Reads that more than one caller needs: the setup record, contact lists and lookups."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from rapport.contacts.models import Contact, ContactBusinessRelation, LinkToTable, MarketingSetup
from rapport.core.listing import Filter, ListSpec, parse_bool, parse_code


def marketing_setup() -> MarketingSetup:
    """The setup record, or an unsaved one with BC's defaults before anyone saved it."""
    return MarketingSetup.objects.select_related(
        "contact_nos", "default_salesperson", "default_language"
    ).filter(pk=1).first() or MarketingSetup(pk=1)


def contacts_visible_to(user: Any) -> QuerySet[Contact]:
    """Every signed-in user with view permission sees every contact (no row-level rules yet)."""
    qs = Contact.objects.select_related("company", "salesperson", "language")
    if not user.has_perm("contacts.view_contact"):
        return qs.none()
    return qs


def contact_list_rows(user: Any) -> QuerySet[Contact]:
    """The rows of the contact list (page and API): the company's No. and Name are stored on
    the contact, so the list does not join the company."""
    return contacts_visible_to(user).select_related(None).select_related("salesperson", "language")


CONTACT_LIST = ListSpec(
    search_fields=[
        "no__istartswith",
        "name__icontains",
        "company_name__icontains",
        "city__icontains",
        "email__icontains",
        "phone_no__icontains",
        "post_code__istartswith",
    ],
    filters={
        "type": Filter("type", str.strip, _("Type")),
        "company": Filter("company__no", parse_code, _("Company No.")),
        "salesperson": Filter("salesperson__code", parse_code, _("Salesperson Code")),
        "city": Filter("city__iexact", str.strip, _("City")),
        "post_code": Filter("post_code", parse_code, _("Post Code")),
        "country": Filter("country_code", parse_code, _("Country/Region Code")),
        "language": Filter("language__code", parse_code, _("Language Code")),
        "correspondence_type": Filter("correspondence_type", str.strip, _("Correspondence Type")),
        "exclude_from_segment": Filter(
            "exclude_from_segment", parse_bool, _("Exclude from Segment")
        ),
        "privacy_blocked": Filter("privacy_blocked", parse_bool, _("Privacy Blocked")),
    },
    sorts={
        # BC's list order: persons follow their company (stored columns, one index).
        "company": ["company_name", "company_no", "type", "name"],
        "no": ["no"],
        "name": ["name"],
        "city": ["city", "name"],
        "post_code": ["post_code", "name"],
        "salesperson": ["salesperson__code", "name"],
        "modified": ["modified_at"],
    },
    default_sort="company",
)


def contact_by_relation(link_to_table: str, no: str) -> Contact | None:
    """The company contact linked to an external record (e.g. customer no.) through a relation."""
    link = (
        ContactBusinessRelation.objects.select_related("contact")
        .filter(link_to_table=link_to_table, no=no.strip().upper())
        .first()
    )
    return link.contact if link else None


def relation_summary(contact: Contact) -> str:
    """BC's Contact Business Relation summary for a contact (computed, never stored)."""
    company_id = contact.company_id or contact.pk
    links = list(
        ContactBusinessRelation.objects.filter(contact_id=company_id).values_list(
            "link_to_table", "no"
        )
    )
    if not links:
        return str(_("None"))
    linked = [table for table, no in links if table and no]
    if len(links) == 1 and linked:
        return str(LinkToTable(linked[0]).label)
    if not linked and len(links) == 1:
        return str(_("Other"))
    return str(_("Multiple"))
