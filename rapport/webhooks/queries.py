"""Reads shared by the webhook pages and API."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from rapport.core.listing import Filter, ListSpec, parse_bool
from rapport.webhooks.models import Delivery, Subscriber

SUBSCRIBER_LIST = ListSpec(
    search_fields=["description__icontains", "url__icontains"],
    filters={"active": Filter("active", parse_bool, _("Active"))},
    sorts={"id": ["pk"], "description": ["description", "pk"], "url": ["url", "pk"]},
    default_sort="id",
)

DELIVERY_LIST = ListSpec(
    search_fields=["event__event_type__icontains"],
    filters={
        "status": Filter("status", str, _("Status")),
        "event_type": Filter("event__event_type", str, _("Event type")),
    },
    sorts={"id": ["pk"], "next_attempt_at": ["next_attempt_at", "pk"]},
    default_sort="-id",
)


def subscribers() -> QuerySet[Subscriber]:
    return Subscriber.objects.all()


def deliveries(subscriber: Subscriber) -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(subscriber=subscriber)
        .select_related("event")
        .prefetch_related("attempt_log")
    )
