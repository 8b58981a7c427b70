"""Reads shared by pages and API: entry lists, titles, statistics."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from rapport.contacts.models import Contact
from rapport.core.listing import Filter, ListSpec, parse_bool, parse_code, parse_iso_date
from rapport.interactions.models import (
    SETUP_TEMPLATE_FIELDS,
    DeliveryStatus,
    EntryTotal,
    EntryTotalDimension,
    ExtraDocumentType,
    InformationFlow,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateSetup,
)


def template_setup() -> InteractionTemplateSetup:
    return InteractionTemplateSetup.objects.select_related(*SETUP_TEMPLATE_FIELDS).filter(
        pk=1
    ).first() or InteractionTemplateSetup(pk=1)


def extra_document_types() -> QuerySet[ExtraDocumentType]:
    return ExtraDocumentType.objects.select_related("template").order_by("code")


# What a list of entries shows of their related rows. The contacts are joined; the rest (small
# code tables and a few users and opportunities) are read by key in one query each: joining
# all nine made PostgreSQL spend 10-15 ms planning each page for a 0.5 ms execution.
ENTRY_JOINED = ("contact", "contact_company")
ENTRY_PREFETCHED = (
    "template",
    "group",
    "salesperson",
    "campaign",
    "user",
    "opportunity",
    "language",
)
ENTRY_RELATED = ENTRY_JOINED + ENTRY_PREFETCHED


def with_related(qs: QuerySet[InteractionLogEntry]) -> QuerySet[InteractionLogEntry]:
    """`qs` reading the related rows a list of entries shows (see ENTRY_JOINED)."""
    return qs.select_related(*ENTRY_JOINED).prefetch_related(*ENTRY_PREFETCHED)


def entries_visible_to(user: Any) -> QuerySet[InteractionLogEntry]:
    if not user.has_perm("interactions.view_interactionlogentry"):
        return InteractionLogEntry.objects.none()
    return with_related(InteractionLogEntry.objects.all())


def parse_delivery_status(value: str) -> str:
    """A Delivery Status filter value: in_progress, sent, error, unknown or none (blank)."""
    text = value.strip().lower()
    if text == "none":
        return ""
    if text not in DeliveryStatus.values or not text:
        raise ValueError(text)
    return text


ENTRY_FILTERS = {
    "contact": Filter("contact__no", parse_code, _l("Contact No.")),
    "company": Filter("contact_company__no", parse_code, _l("Contact Company No.")),
    "salesperson": Filter("salesperson__code", parse_code, _l("Salesperson Code")),
    "template": Filter("template__code", parse_code, _l("Interaction Template Code")),
    "group": Filter("group__code", parse_code, _l("Interaction Group Code")),
    "campaign": Filter("campaign__no", parse_code, _l("Campaign No.")),
    "date_from": Filter("date__gte", parse_iso_date, _l("Date from")),
    "date_to": Filter("date__lte", parse_iso_date, _l("Date to")),
    "canceled": Filter("canceled", parse_bool, _l("Canceled")),
    "attempt_failed": Filter("attempt_failed", parse_bool, _l("Attempt Failed")),
    "postponed": Filter("postponed", parse_bool, _l("Postponed")),
    "evaluation": Filter("evaluation", str.strip, _l("Evaluation")),
    "entry_from": Filter("pk__gte", int, _l("Entry No.")),
    "entry_to": Filter("pk__lte", int, _l("Entry No.")),
    "logged_segment": Filter("logged_segment_entry_no", int, _l("Logged Segment Entry No.")),
    "segment": Filter("segment_no", parse_code, _l("Segment No.")),
    "delivery_status": Filter("delivery_status", parse_delivery_status, _l("Delivery Status")),
}

ENTRY_LIST = ListSpec(
    search_fields=["description__icontains"],
    filters=ENTRY_FILTERS,
    sorts={"entry_no": ["id"], "date": ["date", "time", "id"]},
    default_sort="-entry_no",
    count_limit=10_000,
)


ATTACHMENT_LIST = ListSpec(
    search_fields=["file_name__icontains"],
    filters={
        "storage_type": Filter("file__storage_type", str.strip, _l("Storage Type")),
        "read_only": Filter("read_only", parse_bool, _l("Read Only")),
    },
    sorts={"attachment_no": ["id"], "file_name": ["file_name", "id"], "size": ["file__size", "id"]},
    default_sort="attachment_no",
)


def contact_entries(contact: Contact) -> QuerySet[InteractionLogEntry]:
    """A company sees its own and its persons' entries; a person its own (BC's Lookup Contact No.)."""
    qs = InteractionLogEntry.objects.all()
    if contact.is_company:
        return qs.filter(contact_company=contact)
    return qs.filter(contact=contact)


def entry_title(entry: InteractionLogEntry) -> str:
    """Rules 10: inbound "<template> - from <contact>", outbound "- by <salesperson or user>"."""
    template = entry.template
    if template is None:
        return entry.description
    if entry.information_flow == InformationFlow.INBOUND:
        name = entry.contact.name if entry.contact else ""
        return _("%(description)s - from %(name)s") % {
            "description": template.description,
            "name": name,
        }
    if entry.information_flow == InformationFlow.OUTBOUND:
        if entry.salesperson is not None and entry.salesperson.name:
            name = entry.salesperson.name
        else:
            name = entry.user.get_full_name() or entry.user.username if entry.user else ""
        return _("%(description)s - by %(name)s") % {
            "description": template.description,
            "name": name,
        }
    return template.description


@dataclass
class Statistics:
    count: int
    cost: Decimal
    duration: Decimal


def statistics(
    qs: QuerySet[InteractionLogEntry],
    *,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> Statistics:
    """No. of interactions, cost and duration of the counted entries (not canceled/postponed)."""
    qs = qs.counted()  # type: ignore[attr-defined]
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    row = qs.aggregate(
        count=Count("*"),  # not "id": an index-only scan has no id column
        cost=Coalesce(Sum("cost"), Decimal(0)),
        duration=Coalesce(Sum("duration"), Decimal(0)),
    )
    return Statistics(count=row["count"], cost=row["cost"], duration=row["duration"])


def _month_series(
    first: datetime.date, today: datetime.date, by_month: dict[Any, dict[str, Any]]
) -> list[dict[str, Any]]:
    out = []
    cursor = first
    while cursor <= today:
        key = cursor
        row = by_month.get(key) or by_month.get(datetime.datetime(key.year, key.month, 1))  # type: ignore[call-overload]
        out.append(
            {
                "month": cursor,
                "count": row["count"] if row else 0,
                "cost": row["cost"] if row else Decimal(0),
            }
        )
        cursor = (cursor.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return out


def _first_month(months: int, today: datetime.date) -> datetime.date:
    index = today.year * 12 + today.month - 1 - (months - 1)
    return datetime.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class EntryScope:
    """Statistics counted from a set of entries (a contact's: BC's FlowFields over the log)."""

    entries: QuerySet[InteractionLogEntry]

    def statistics(self, **dates: Any) -> Statistics:
        return statistics(self.entries, **dates)

    def monthly(
        self, date_from: datetime.date | None = None, date_to: datetime.date | None = None
    ) -> list[dict[str, Any]]:
        qs = self.entries
        if date_from:
            qs = qs.filter(date__gte=date_from)
        if date_to:
            qs = qs.filter(date__lte=date_to)
        return monthly(qs, today=date_to)


def _cents(value: int | None) -> Decimal:
    return Decimal(value or 0).scaleb(-2)


@dataclass(frozen=True)
class TotalScope:
    """Statistics of a template, group or salesperson, read from the day totals (EntryTotal)
    the database keeps: the same figures as counting their entries, in a few thousand rows."""

    dimension: str
    key_id: int

    def _rows(
        self, date_from: datetime.date | None = None, date_to: datetime.date | None = None
    ) -> QuerySet[EntryTotal]:
        rows = EntryTotal.objects.filter(dimension=self.dimension, key_id=self.key_id)
        if date_from:
            rows = rows.filter(on_date__gte=date_from)
        if date_to:
            rows = rows.filter(on_date__lte=date_to)
        return rows

    def statistics(
        self, *, date_from: datetime.date | None = None, date_to: datetime.date | None = None
    ) -> Statistics:
        row = self._rows(date_from, date_to).aggregate(
            count=Sum("entries"), cents=Sum("cost_cents"), minutes=Sum("minutes")
        )
        return Statistics(
            count=int(row["count"] or 0),
            cost=_cents(row["cents"]),
            duration=Decimal(row["minutes"] or 0),
        )

    def monthly(
        self, date_from: datetime.date | None = None, date_to: datetime.date | None = None
    ) -> list[dict[str, Any]]:
        today = date_to or timezone.localdate()
        first = _first_month(12, today)
        rows = (
            self._rows(max(first, date_from) if date_from else first, date_to)
            .annotate(month=TruncMonth("on_date"))
            .values("month")
            .annotate(count=Sum("entries"), cents=Sum("cost_cents"))
            .order_by("month")
        )
        by_month = {
            r["month"]: {"count": int(r["count"]), "cost": _cents(r["cents"])} for r in rows
        }
        return _month_series(first, today, by_month)


def template_scope(template: InteractionTemplate) -> TotalScope:
    return TotalScope(EntryTotalDimension.TEMPLATE, template.pk)


def group_scope(group: Any) -> TotalScope:
    return TotalScope(EntryTotalDimension.GROUP, group.pk)


def salesperson_scope(salesperson: Any) -> TotalScope:
    return TotalScope(EntryTotalDimension.SALESPERSON, salesperson.pk)


def contact_scope(contact: Contact) -> EntryScope:
    return EntryScope(contact_entries(contact))


def template_statistics(template: InteractionTemplate, **dates: Any) -> Statistics:
    return template_scope(template).statistics(**dates)


def group_statistics(group: Any, **dates: Any) -> Statistics:
    return group_scope(group).statistics(**dates)


def contact_statistics(contact: Contact, **dates: Any) -> Statistics:
    return contact_scope(contact).statistics(**dates)


def salesperson_statistics(salesperson: Any, **dates: Any) -> Statistics:
    return salesperson_scope(salesperson).statistics(**dates)


def monthly(
    qs: QuerySet[InteractionLogEntry], months: int = 12, today: datetime.date | None = None
) -> list[dict[str, Any]]:
    """Counted entries per month for the last `months` months (for the small charts)."""
    today = today or timezone.localdate()
    first = _first_month(months, today)
    rows = (
        qs.counted()  # type: ignore[attr-defined]
        .filter(date__gte=first)
        .annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(count=Count("*"), cost=Coalesce(Sum("cost"), Decimal(0)))
        .order_by("month")
    )
    return _month_series(first, today, {r["month"]: r for r in rows})
