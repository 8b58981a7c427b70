"""Opportunities (list, create, read, update, close, delete) and sales cycles with stages."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Status

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.core.api_helpers import (
    PageOut,
    code_table_routes,
    paginate,
    require_api_perm,
    resolve_code,
)
from rapport.core.listing import ListSpec
from rapport.core.validation import ValidationError, field_error
from rapport.interactions import services
from rapport.interactions.api.common import (
    contact_by_no,
    router,
    visible_opportunities,
)
from rapport.interactions.models import (
    Opportunity,
    SalesCycle,
    SalesCycleStage,
)
from rapport.interactions.schemas import (
    OpportunityCloseIn,
    OpportunityIn,
    OpportunityListOut,
    OpportunityOut,
    OpportunityPatch,
    SalesCycleIn,
    SalesCycleOut,
    SalesCyclePatch,
    SalesCycleStageIn,
    SalesCycleStageOut,
    SalesCycleStagePatch,
)
from rapport.interactions.tables_opportunities import (
    OPPORTUNITY_LIST,
    OPPORTUNITY_RELATED,
    SALES_CYCLES,
)

TAG = "Opportunities"

# Service field names -> payload names.
NAMES = {
    "contact": "contact_no",
    "salesperson": "salesperson_code",
    "campaign": "campaign_no",
    "sales_cycle": "sales_cycle_code",
    "current_stage": "sales_cycle_stage_no",
    "stage": "stage_no",
}


@contextmanager
def _payload_names() -> Iterator[None]:
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {NAMES.get(name, name): errors for name, errors in exc.error_dict.items()}
        ) from None


def reject_unknown_parameters(request: HttpRequest, spec: ListSpec) -> None:
    """A query parameter the list does not know is a 422 naming it (never silently ignored)."""
    known = set(spec.filters) | set(spec.reserved)
    for name in request.GET:
        if name not in known:
            raise field_error(
                name,
                _("%(name)s is not a filter of this list.") % {"name": name},
                "unknown_parameter",
            )


def _opportunity(request: HttpRequest, opportunity_no: str) -> Opportunity:
    require_api_perm(request, "interactions.view_opportunity")
    opportunity = (
        visible_opportunities()
        .select_related("sales_cycle", "current_stage")
        .filter(no=opportunity_no.strip().upper())
        .first()
    )
    if opportunity is None:
        raise Http404
    return opportunity


def _stage(cycle: SalesCycle | None, field: str, stage_no: int | None) -> SalesCycleStage | None:
    if stage_no is None:
        return None
    stage = (
        SalesCycleStage.objects.filter(sales_cycle=cycle, stage=stage_no).first()
        if cycle is not None
        else None
    )
    if stage is None:
        raise field_error(field, _("Sales Cycle Stage not found."), "does_not_exist")
    return stage


def _fresh(opportunity: Opportunity) -> Opportunity:
    return (
        visible_opportunities()
        .select_related("sales_cycle", "current_stage")
        .get(pk=opportunity.pk)
    )


# --- opportunities -----------------------------------------------------------------------------


@router.get(
    "/opportunities",
    response=PageOut[OpportunityListOut],
    tags=[TAG],
    summary="List opportunities",
)
def opportunity_list(request: HttpRequest) -> dict[str, Any]:
    """Filters: `q` (No., description, contact name), `status` (not_started, in_progress, won,
    lost), `closed`, `contact`, `company`, `salesperson`, `campaign`, `sales_cycle`,
    `priority`, `date_from`/`date_to` (creation date); `sort` no, description, contact,
    creation_date, status, estimated_value, calcd_current_value, estimated_closing_date (`-`
    for descending; default `-no`), `page`, `page_size`. Unknown parameters are a 422."""
    require_api_perm(request, "interactions.view_opportunity")
    reject_unknown_parameters(request, OPPORTUNITY_LIST)
    qs: QuerySet[Opportunity] = Opportunity.objects.select_related(*OPPORTUNITY_RELATED)
    return paginate(request, OPPORTUNITY_LIST, qs)


@router.post(
    "/opportunities", response={201: OpportunityOut}, tags=[TAG], summary="Create opportunity"
)
def opportunity_create(request: HttpRequest, payload: OpportunityIn) -> Status[Opportunity]:
    """BC's rules: a contact is needed (not privacy-blocked); the sales cycle and salesperson
    may not be blocked; the No. comes from Marketing Setup's Opportunity Nos."""
    require_api_perm(request, "interactions.add_opportunity")
    sent = payload.model_fields_set
    fields: dict[str, Any] = {
        "priority": payload.priority,
        "estimated_value": payload.estimated_value,
        "chances_of_success": payload.chances_of_success,
        "estimated_closing_date": payload.estimated_closing_date,
        "campaign": resolve_code(Campaign, "campaign_no", payload.campaign_no, "no"),
    }
    if "salesperson_code" in sent:
        fields["salesperson"] = resolve_code(
            Salesperson, "salesperson_code", payload.salesperson_code
        )
    # Left out: Marketing Setup's default sales cycle; sent blank: none.
    cycle: Any = services.default_sales_cycle()
    if "sales_cycle_code" in sent:
        cycle = resolve_code(SalesCycle, "sales_cycle_code", payload.sales_cycle_code)
    if payload.sales_cycle_stage_no is not None:
        fields["current_stage"] = _stage(
            cycle,
            "sales_cycle_stage_no",
            payload.sales_cycle_stage_no,
        )
    contact = contact_by_no(request, "contact_no", payload.contact_no)
    with _payload_names():
        opportunity = services.create_opportunity(
            actor=request.user,
            contact=contact,
            no=payload.no,
            description=payload.description,
            sales_cycle=cycle,
            **fields,
        )
    return Status(201, _fresh(opportunity))


@router.get(
    "/opportunities/{opportunity_no}",
    response=OpportunityOut,
    tags=[TAG],
    summary="Get opportunity",
)
def opportunity_get(request: HttpRequest, opportunity_no: str) -> Opportunity:
    return _opportunity(request, opportunity_no)


@router.patch(
    "/opportunities/{opportunity_no}",
    response=OpportunityOut,
    tags=[TAG],
    summary="Update opportunity",
)
def opportunity_update(
    request: HttpRequest, opportunity_no: str, payload: OpportunityPatch
) -> Opportunity:
    """Only the fields sent change. A closed opportunity cannot change (422); the sales cycle
    only while Not Started; a stage sets the status In Progress."""
    opportunity = _opportunity(request, opportunity_no)
    sent = payload.model_fields_set
    changes: dict[str, Any] = {}
    for name in (
        "description",
        "priority",
        "estimated_value",
        "chances_of_success",
        "estimated_closing_date",
    ):
        if name in sent:
            value = getattr(payload, name)
            if value is None and name != "estimated_closing_date":
                raise field_error(name, _("This field cannot be null."), "null")
            changes[name] = value
    if "contact_no" in sent:
        changes["contact"] = contact_by_no(request, "contact_no", payload.contact_no)
    if "salesperson_code" in sent:
        changes["salesperson"] = resolve_code(
            Salesperson, "salesperson_code", payload.salesperson_code
        )
    if "campaign_no" in sent:
        changes["campaign"] = resolve_code(Campaign, "campaign_no", payload.campaign_no, "no")
    cycle = opportunity.sales_cycle
    if "sales_cycle_code" in sent:
        cycle = resolve_code(SalesCycle, "sales_cycle_code", payload.sales_cycle_code)
        changes["sales_cycle"] = cycle
    if "sales_cycle_stage_no" in sent:
        changes["current_stage"] = _stage(
            cycle, "sales_cycle_stage_no", payload.sales_cycle_stage_no
        )
    with _payload_names():
        services.update_opportunity(
            actor=request.user,
            opportunity=opportunity,
            date_of_change=payload.date_of_change,
            **changes,
        )
    return _fresh(opportunity)


@router.post(
    "/opportunities/{opportunity_no}/close",
    response=OpportunityOut,
    tags=[TAG],
    summary="Close opportunity as won or lost",
)
def opportunity_close(
    request: HttpRequest, opportunity_no: str, payload: OpportunityCloseIn
) -> Opportunity:
    """BC's Close Opportunity. 422 when it is already closed, the action is not won or lost,
    the date is before the last change, or a won opportunity has no value."""
    opportunity = _opportunity(request, opportunity_no)
    with _payload_names():
        services.close_opportunity(
            actor=request.user,
            opportunity=opportunity,
            action=payload.action.strip().lower(),
            date_closed=payload.date_closed or timezone.localdate(),
            calcd_current_value=payload.calcd_current_value,
        )
    return _fresh(opportunity)


@router.delete(
    "/opportunities/{opportunity_no}",
    response={204: None},
    tags=[TAG],
    summary="Delete opportunity",
)
def opportunity_delete(request: HttpRequest, opportunity_no: str) -> Any:
    """Administrators; not while it is in progress (422). Its entries keep no link to it."""
    opportunity = _opportunity(request, opportunity_no)
    services.delete_opportunity(actor=request.user, opportunity=opportunity)
    return Status(204, None)


# --- sales cycles and stages -------------------------------------------------------------------

code_table_routes(router, SALES_CYCLES, SalesCycleIn, SalesCycleOut, SalesCyclePatch, TAG)


def _cycle(request: HttpRequest, code: str) -> SalesCycle:
    require_api_perm(request, "interactions.view_salescycle")
    cycle = SalesCycle.objects.filter(code=code.strip().upper()).first()
    if cycle is None:
        raise Http404
    return cycle


def _stage_row(request: HttpRequest, code: str, stage_no: int) -> SalesCycleStage:
    row = _cycle(request, code).stages.filter(stage=stage_no).first()
    if row is None:
        raise Http404
    return row


@router.get(
    "/sales-cycles/{code}/stages",
    response=list[SalesCycleStageOut],
    tags=[TAG],
    summary="List the stages of a sales cycle",
)
def stage_list(request: HttpRequest, code: str) -> Any:
    return list(_cycle(request, code).stages.select_related("sales_cycle"))


@router.post(
    "/sales-cycles/{code}/stages",
    response={201: SalesCycleStageOut},
    tags=[TAG],
    summary="Add a stage to a sales cycle",
)
def stage_create(request: HttpRequest, code: str, payload: SalesCycleStageIn) -> Any:
    cycle = _cycle(request, code)
    with _payload_names():
        row = services.create_sales_cycle_stage(
            actor=request.user,
            sales_cycle=cycle,
            stage=payload.stage_no,
            description=payload.description,
            completed=payload.completed,
            chances_of_success=payload.chances_of_success,
        )
    return Status(201, row)


@router.patch(
    "/sales-cycles/{code}/stages/{stage_no}",
    response=SalesCycleStageOut,
    tags=[TAG],
    summary="Update a sales cycle stage",
)
def stage_update(
    request: HttpRequest, code: str, stage_no: int, payload: SalesCycleStagePatch
) -> Any:
    row = _stage_row(request, code, stage_no)
    with _payload_names():
        return services.update_sales_cycle_stage(
            actor=request.user, stage=row, **payload.dict(exclude_unset=True)
        )


@router.delete(
    "/sales-cycles/{code}/stages/{stage_no}",
    response={204: None},
    tags=[TAG],
    summary="Delete a sales cycle stage",
)
def stage_delete(request: HttpRequest, code: str, stage_no: int) -> Any:
    """Not while an open opportunity is at this stage (422)."""
    row = _stage_row(request, code, stage_no)
    with _payload_names():
        services.delete_sales_cycle_stage(actor=request.user, stage=row)
    return Status(204, None)
