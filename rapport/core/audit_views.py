"""The Audit Trail page and the reads shared with its API: who may see which events, the
filters, and an event's changes with captions in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _l

from rapport.core.currency import LCY_CAPTIONS, lcy_caption, local_currency
from rapport.core.htmx import render_page
from rapport.core.listing import Filter, ListSpec, Page, parse_iso_date
from rapport.core.models import AuditAction, AuditEvent

READ_ALL = "core.read_audit_trail"


def parse_action(value: str) -> str:
    value = value.strip().lower()
    if value not in AuditAction.values:
        raise ValueError(value)
    return value


def parse_object_type(value: str) -> str:
    value = value.strip().lower()
    if model_for(value) is None:
        raise ValueError(value)
    return value


AUDIT_LIST = ListSpec(
    search_fields=["object_repr__icontains", "object_key__icontains"],
    filters={
        "actor": Filter("actor_name__iexact", label=_l("User Name")),
        "action": Filter("action", parse_action, _l("Action")),
        "object_type": Filter("object_type", parse_object_type, _l("Record Type")),
        "object_key": Filter("object_key__iexact", label=_l("Record Key")),
        "date_from": Filter("at__date__gte", parse_iso_date, _l("Date from")),
        "date_to": Filter("at__date__lte", parse_iso_date, _l("Date to")),
    },
    sorts={
        "at": ["at"],
        "actor": ["actor_name", "at"],
        "action": ["action", "at"],
        "object_type": ["object_type", "at"],
    },
    default_sort="-at",
)


def model_for(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_types() -> list[tuple[str, str]]:
    """(type, caption) of every record type of Rapport's apps, by caption."""
    from rapport.accounts.roles import RAPPORT_APPS

    types = [
        (m._meta.label_lower, str(capfirst(m._meta.verbose_name)))
        for m in apps.get_models()
        if m._meta.app_label in RAPPORT_APPS and m is not AuditEvent
    ]
    return sorted(types, key=lambda pair: pair[1])


def type_caption(object_type: str) -> str:
    model = model_for(object_type)
    return str(capfirst(model._meta.verbose_name)) if model is not None else object_type


def can_read_all(user: Any) -> bool:
    return bool(user.has_perm(READ_ALL))


def can_read_history(user: Any, object_type: str) -> bool:
    """Anyone who may view a record may read its own history."""
    model = model_for(object_type)
    if model is None:
        return False
    return bool(user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}"))


def audit_events_visible_to(user: Any, params: Mapping[str, Any]) -> QuerySet[AuditEvent]:
    """Every event for a reader of the audit trail (admins); otherwise only the history of one
    record type the user may view, which `params` must name (`object_type`)."""
    if can_read_all(user):
        return AuditEvent.objects.all()
    object_type = str(params.get("object_type") or "").strip().lower()
    if object_type and can_read_history(user, object_type):
        return AuditEvent.objects.filter(object_type=object_type)
    raise PermissionDenied


@dataclass
class Change:
    field: str
    caption: str
    before: Any
    after: Any


def field_caption(model: type[models.Model] | None, name: str, currency: str) -> str:
    """The field's caption in the reader's language; BC's "(LCY)" as the setup's currency."""
    if model is None:
        return name
    try:
        verbose = model._meta.get_field(name).verbose_name  # type: ignore[union-attr]
    except FieldDoesNotExist:  # a field since removed keeps its name
        return name
    with translation.override("en"):
        english = str(verbose)
    if english in LCY_CAPTIONS:
        return lcy_caption(english, currency)
    return str(capfirst(verbose))


def changes_of(event: AuditEvent, currency: str = "") -> list[Change]:
    model = model_for(event.object_type)
    currency = currency or local_currency()
    rows = []
    for name, pair in (event.changes or {}).items():
        before, after = [*pair, None, None][:2] if isinstance(pair, list) else (None, pair)
        rows.append(Change(name, field_caption(model, name, currency), before, after))
    return rows


def event_rows(events: list[AuditEvent]) -> list[dict[str, Any]]:
    currency = local_currency() if events else ""
    return [
        {
            "event": event,
            "type": type_caption(event.object_type),
            "changes": changes_of(event, currency),
            "details": sorted((event.details or {}).items()),
        }
        for event in events
    ]


def audit_list(request: HttpRequest) -> HttpResponse:
    """The Audit Trail: every event for admins, filterable; one record's history for anyone
    who may view that record (?object_type=...&object_key=...)."""
    qs = audit_events_visible_to(request.user, request.GET)
    try:
        page: Page[AuditEvent] = AUDIT_LIST.page(qs, request.GET)
    except ValidationError as exc:
        page = Page.invalid(AUDIT_LIST, request.GET, " ".join(exc.messages))
    object_type = request.GET.get("object_type", "")
    return render_page(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "rows": event_rows(page.items),
            "actions": AuditAction.choices,
            "types": object_types() if can_read_all(request.user) else [],
            "history_of": (
                type_caption(object_type.lower())
                if object_type and not can_read_all(request.user)
                else ""
            ),
            "filters_active": sum(1 for name in AUDIT_LIST.filters if request.GET.get(name)),
        },
        partial="results",
    )


def history_for(
    user: Any, obj: models.Model | str, limit: int = 10, key: str = ""
) -> dict[str, Any] | None:
    """The newest events of one record, for its card (None if the user may not read them).
    `obj` is the row, or its record type with `key`."""
    from urllib.parse import urlencode

    from rapport.core.audit import object_key_of, object_type_of

    if isinstance(obj, str):
        object_type = obj
    else:
        object_type, key = object_type_of(obj), object_key_of(obj)
    if not (can_read_all(user) or can_read_history(user, object_type)):
        return None
    events = list(AuditEvent.objects.filter(object_type=object_type, object_key=key)[:limit])
    return {
        "rows": event_rows(events),
        "query": urlencode({"object_type": object_type, "object_key": key}),
        "more": len(events) == limit,
    }
