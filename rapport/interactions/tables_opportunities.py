"""List definitions of opportunities and sales cycles, shared by the pages and the API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from rapport.core.crud import CodeTable
from rapport.core.listing import Filter, ListSpec, parse_bool, parse_code, parse_iso_date
from rapport.interactions import services
from rapport.interactions.forms_opportunities import SalesCycleForm
from rapport.interactions.models import SalesCycle


def parse_choice(*choices: str):  # type: ignore[no-untyped-def]
    def parse(value: str) -> str:
        value = value.strip().lower()
        if value not in choices:
            raise ValueError(value)
        return value

    return parse


OPPORTUNITY_LIST = ListSpec(
    search_fields=["no__icontains", "description__icontains", "contact__name__icontains"],
    filters={
        "status": Filter(
            "status",
            parse_choice("not_started", "in_progress", "won", "lost"),
            _("Status"),
        ),
        "closed": Filter("closed", parse_bool, _("Closed")),
        "contact": Filter("contact__no", parse_code, _("Contact No.")),
        "company": Filter("contact_company__no", parse_code, _("Contact Company No.")),
        "salesperson": Filter("salesperson__code", parse_code, _("Salesperson Code")),
        "campaign": Filter("campaign__no", parse_code, _("Campaign No.")),
        "sales_cycle": Filter("sales_cycle__code", parse_code, _("Sales Cycle Code")),
        "priority": Filter("priority", parse_choice("low", "normal", "high"), _("Priority")),
        "date_from": Filter("creation_date__gte", parse_iso_date, _("Creation Date")),
        "date_to": Filter("creation_date__lte", parse_iso_date, _("Creation Date")),
    },
    sorts={
        "no": ["no"],
        "description": ["description"],
        "contact": ["contact__name", "no"],
        "creation_date": ["creation_date", "no"],
        "status": ["status", "no"],
        "estimated_value": ["estimated_value", "no"],
        "calcd_current_value": ["calcd_current_value", "no"],
        "estimated_closing_date": ["estimated_closing_date", "no"],
    },
    default_sort="-no",
)

OPPORTUNITY_RELATED = (
    "contact",
    "contact_company",
    "salesperson",
    "campaign",
    "sales_cycle",
    "current_stage",
)

SALES_CYCLES = CodeTable(
    key="sales-cycles",
    app="interactions",
    model=SalesCycle,
    form_class=SalesCycleForm,
    title=_("Sales Cycles"),
    description=_("The stages an opportunity goes through, with their completed % and chances."),
    columns=["code", "description", "probability_calculation", "blocked", "is_default"],
    create=services.create_sales_cycle,
    update=lambda actor, obj, data: services.update_sales_cycle(
        actor=actor, sales_cycle=obj, **data
    ),
    delete=lambda actor, obj: services.delete_sales_cycle(actor=actor, sales_cycle=obj),
    list_spec=ListSpec(
        search_fields=["code__icontains", "description__icontains"],
        filters={"blocked": Filter("blocked", parse_bool, _("Blocked"))},
        sorts={"code": ["code"], "description": ["description"]},
        default_sort="code",
    ),
)
