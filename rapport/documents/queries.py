"""Reads shared by the pages and the API: the list of recorded and skipped document events."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _l

from rapport.core.listing import Filter, ListSpec, parse_code, parse_iso_date
from rapport.documents.models import DocumentEvent
from rapport.interactions.models import DocumentType, ExtraDocumentType


def _lower(value: str) -> str:
    return value.strip().lower()


def _document_type(value: str) -> str:
    value = value.strip()
    return value.lower() if value.lower() in DocumentType.values else value.upper()


EVENT_FILTERS = {
    "status": Filter("status", _lower, _l("Status")),
    "document_type": Filter("document_type", _document_type, _l("Document Type")),
    "event": Filter("event", _lower, _l("Event")),
    "document_no": Filter("document_no", parse_code, _l("Document No.")),
    "account_no": Filter("account_no", parse_code, _l("Account No.")),
    "contact": Filter("contact__no", parse_code, _l("Contact No.")),
    "date_from": Filter("document_date__gte", parse_iso_date, _l("Document Date")),
    "date_to": Filter("document_date__lte", parse_iso_date, _l("Document Date")),
}

EVENT_LIST = ListSpec(
    search_fields=["document_no__icontains", "account_no__icontains"],
    filters=EVENT_FILTERS,
    sorts={
        "id": ["id"],
        "document_date": ["document_date", "id"],
        "document_no": ["document_no", "id"],
    },
    default_sort="-id",
    count_limit=10_000,
)


def document_events() -> QuerySet[DocumentEvent]:
    return DocumentEvent.objects.select_related("contact", "recorded_by")


def document_type_choices() -> list[tuple[str, Any]]:
    """BC's document types, then the extra ones of the setup."""
    extra = [
        (row.code, row.description or row.code)
        for row in ExtraDocumentType.objects.order_by("code")
    ]
    return [*DocumentType.choices, *extra]


def document_type_label(value: str) -> Any:
    if value in DocumentType.values:
        return DocumentType(value).label
    return value
