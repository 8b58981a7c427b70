"""Opportunity pages: the list, the card (edit, close as won or lost, delete), and the stages
of a sales cycle (the sales cycles themselves are a code table, tables_opportunities.py).

Views parse input with a form, check permissions, call rapport.interactions.services, flash and
redirect (PRG). Nothing here writes a model.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts.models import Salesperson
from rapport.contacts import views as contact_views
from rapport.core.htmx import add_service_error, flash_error, render_page
from rapport.core.validation import caption
from rapport.interactions import queries, services
from rapport.interactions.forms_log import find_contact
from rapport.interactions.forms_opportunities import (
    CloseOpportunityForm,
    OpportunityForm,
    SalesCycleStageForm,
)
from rapport.interactions.models import (
    Opportunity,
    OpportunityStatus,
    SalesCycle,
    SalesCycleStage,
)
from rapport.interactions.tables_opportunities import (
    OPPORTUNITY_LIST,
    OPPORTUNITY_RELATED,
    SALES_CYCLES,
)
from rapport.interactions.views.common import (
    require,
)

VIEW = "interactions.view_opportunity"
ADD = "interactions.add_opportunity"
CHANGE = "interactions.change_opportunity"
DELETE = "interactions.delete_opportunity"
VIEW_CYCLE = "interactions.view_salescycle"
CHANGE_CYCLE = "interactions.change_salescycle"


def _labels(model: Any, *names: str) -> dict[str, str]:
    return {name: caption(model, name) for name in names}


def _opportunities() -> QuerySet[Opportunity]:
    return Opportunity.objects.select_related(*OPPORTUNITY_RELATED)


def _opportunity(no: str) -> Opportunity:
    return get_object_or_404(_opportunities(), no=no.strip().upper())


def opportunity_list(request: HttpRequest) -> HttpResponse:
    require(request, VIEW)
    try:
        page = OPPORTUNITY_LIST.page(_opportunities(), request.GET.dict())
    except ValidationError as exc:
        flash_error(request, exc)
        page = OPPORTUNITY_LIST.page(_opportunities(), {})
    context = {
        "page": page,
        "columns": [
            ("no", _("No.")),
            ("description", _("Description")),
            ("contact", _("Contact Name")),
            ("creation_date", _("Creation Date")),
            ("status", _("Status")),
            ("estimated_value", _("Estimated Value (LCY)")),
            ("calcd_current_value", _("Calcd. Current Value (LCY)")),
            ("estimated_closing_date", _("Estimated Closing Date")),
        ],
        "numeric": ("estimated_value", "calcd_current_value"),
        # Filters the form does not show (a contact's or campaign's opportunities) are kept.
        "hidden_filters": [
            (name, request.GET[name])
            for name in ("contact", "company", "campaign", "sales_cycle", "priority")
            if request.GET.get(name)
        ],
        "statuses": OpportunityStatus.choices,
        "salespeople": Salesperson.objects.order_by("code"),
        "can_add": request.user.has_perm(ADD),
    }
    return render_page(
        request, "interactions/opportunities/opportunity_list.html", context, partial="results"
    )


def opportunity_detail(request: HttpRequest, no: str) -> HttpResponse:
    require(request, VIEW)
    opportunity = _opportunity(no)
    context = {
        "opportunity": opportunity,
        "comments": list(opportunity.comments.all()),
        "entries": list(
            queries.entries_visible_to(request.user)
            .filter(opportunity=opportunity)
            .select_related("contact", "template", "salesperson", "user")[:100]
        ),
        "can_change": request.user.has_perm(CHANGE) and not opportunity.closed,
        "can_delete": request.user.has_perm(DELETE),
        "close_form": CloseOpportunityForm(),
        # Captions with "%" come from the model (a "%" in a template's translate tag is not
        # the same msgid as in Python).
        "labels": _labels(Opportunity, "chances_of_success", "completed", "probability"),
    }
    return render_page(
        request, "interactions/opportunities/opportunity_card.html", context, partial="card"
    )


def opportunity_edit(request: HttpRequest, no: str | None = None) -> HttpResponse:
    opportunity = None
    if no is None:
        require(request, ADD)
    else:
        require(request, CHANGE)
        opportunity = _opportunity(no)
        if opportunity.closed:
            messages.error(
                request,
                _(
                    "Closed must be equal to 'No' in Opportunity: No.=%(no)s. Current value is 'Yes'."
                )
                % {"no": opportunity.no},
            )
            return redirect(opportunity)
    initial = None
    if opportunity is None and request.method == "GET":
        contact = find_contact(request.user, request.GET.get("contact", ""))
        initial = {"contact": contact.no if contact else "", "priority": "normal"}
        cycle = services.default_sales_cycle()
        if cycle is not None:
            initial["sales_cycle"] = cycle.code
        salesperson = services.default_salesperson(request.user, contact)
        if salesperson is not None:
            initial["salesperson"] = salesperson.code
    form = OpportunityForm(
        request.POST or None, user=request.user, instance=opportunity, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        data = form.changes()
        try:
            if opportunity is None:
                saved = services.create_opportunity(actor=request.user, **data)
                messages.success(request, _("Opportunity %(no)s was created.") % {"no": saved.no})
            else:
                saved = services.update_opportunity(
                    actor=request.user, opportunity=opportunity, **data
                )
                messages.success(request, _("Opportunity %(no)s was saved.") % {"no": saved.no})
            return redirect(saved)
        except ValidationError as exc:
            add_service_error(form, exc)
    return render_page(
        request,
        "interactions/opportunities/opportunity_form.html",
        {"form": form, "opportunity": opportunity},
        partial="form",
        status=422 if form.errors else 200,
    )


def opportunity_close(request: HttpRequest, no: str) -> HttpResponse:
    require(request, CHANGE)
    opportunity = _opportunity(no)
    form = CloseOpportunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.close_opportunity(
                actor=request.user,
                opportunity=opportunity,
                action=data["action"],
                date_closed=data["date_closed"],
                calcd_current_value=data["calcd_current_value"],
            )
            messages.success(
                request,
                _("Opportunity %(no)s was closed: %(status)s.")
                % {"no": saved.no, "status": saved.get_status_display()},
            )
            return redirect(saved)
        except ValidationError as exc:
            add_service_error(form, exc)
    return render_page(
        request,
        "interactions/opportunities/opportunity_close.html",
        {"form": form, "opportunity": opportunity},
        partial="form",
        status=422 if form.errors else 200,
    )


@require_POST
def opportunity_delete(request: HttpRequest, no: str) -> HttpResponse:
    require(request, DELETE)
    opportunity = _opportunity(no)
    try:
        services.delete_opportunity(actor=request.user, opportunity=opportunity)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect(opportunity)
    messages.success(request, _("Opportunity %(no)s was deleted.") % {"no": opportunity.no})
    return redirect("interactions:opportunity_list")


# --- sales cycle stages ------------------------------------------------------------------------


def stage_list(request: HttpRequest, code: str) -> HttpResponse:
    """The stages of a sales cycle; a form adds one, or changes the one picked (?stage=N)."""
    require(request, VIEW_CYCLE)
    cycle = get_object_or_404(SalesCycle, code=code.strip().upper())
    picked = None
    wanted = request.GET.get("stage") or request.POST.get("original_stage")
    if wanted and wanted.isdigit():
        picked = cycle.stages.filter(stage=int(wanted)).first()
    initial = (
        {
            "stage": picked.stage,
            "description": picked.description,
            "completed": picked.completed,
            "chances_of_success": picked.chances_of_success,
        }
        if picked
        else None
    )
    form = SalesCycleStageForm(request.POST or None, initial=initial)
    if picked is not None:
        form.fields["stage"].disabled = True
    if request.method == "POST":
        require(request, CHANGE_CYCLE)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if picked is None:
                    row = services.create_sales_cycle_stage(
                        actor=request.user, sales_cycle=cycle, **data
                    )
                else:
                    data.pop("stage")
                    row = services.update_sales_cycle_stage(
                        actor=request.user, stage=picked, **data
                    )
                messages.success(request, _("Stage %(stage)s was saved.") % {"stage": row.stage})
                return redirect("interactions:sales_cycle_stages", code=cycle.code)
            except ValidationError as exc:
                add_service_error(form, exc)
    return render_page(
        request,
        "interactions/opportunities/stage_list.html",
        {
            "cycle": cycle,
            "stages": list(cycle.stages.all()),
            "form": form,
            "picked": picked,
            "can_change": request.user.has_perm(CHANGE_CYCLE),
            "labels": _labels(SalesCycleStage, "chances_of_success", "completed"),
        },
        status=422 if form.errors else 200,
    )


@require_POST
def stage_delete(request: HttpRequest, code: str, stage: int) -> HttpResponse:
    require(request, CHANGE_CYCLE)
    row = get_object_or_404(SalesCycleStage, sales_cycle__code=code.strip().upper(), stage=stage)
    try:
        services.delete_sales_cycle_stage(actor=request.user, stage=row)
        messages.success(request, _("Stage %(stage)s was deleted.") % {"stage": stage})
    except ValidationError as exc:
        flash_error(request, exc)
    return redirect("interactions:sales_cycle_stages", code=row.sales_cycle.code)


def _stages_action(request: HttpRequest, cycle: Any) -> list[tuple[str, Any]]:
    return [(reverse("interactions:sales_cycle_stages", args=[cycle.code]), _("Stages"))]


SALES_CYCLES.card_actions.append(_stages_action)


# --- Marketing Setup: Default Sales Cycle Code -------------------------------------------------


def _setup_section(request: HttpRequest) -> dict[str, Any]:
    """Marketing Setup's Default Sales Cycle Code, shown on the Marketing Setup page (the
    value lives with the sales cycles: contacts may not depend on interactions)."""
    default = SalesCycle.objects.filter(is_default=True).first()
    return {
        "template": "interactions/opportunities/setup_section.html",
        "default_sales_cycle": default,
        "sales_cycles": SalesCycle.objects.filter(blocked=False).order_by("code"),
        "can_change": request.user.has_perm("contacts.change_marketingsetup"),
    }


contact_views.SETUP_SECTIONS.append(_setup_section)


@require_POST
def default_sales_cycle_save(request: HttpRequest) -> HttpResponse:
    require(request, "contacts.change_marketingsetup")
    code = (request.POST.get("default_sales_cycle") or "").strip().upper()
    cycle = get_object_or_404(SalesCycle, code=code) if code else None
    services.set_default_sales_cycle(actor=request.user, sales_cycle=cycle)
    messages.success(request, _("Marketing Setup was saved."))
    return redirect("contacts:setup")


# --- the contact card: the contact's open opportunities ----------------------------------------

_interactions_tab = contact_views.TAB_PROVIDERS.get("interactions")


def _interactions_tab_with_opportunities(request: HttpRequest, contact: Any) -> dict[str, Any]:
    """BC's contact card lists the contact's opportunities: the open ones (a company's include
    its persons'), below the interactions."""
    context = _interactions_tab(request, contact) if _interactions_tab else {}
    if request.user.has_perm(VIEW):
        key = "company" if contact.is_company else "contact"
        qs = _opportunities().filter(closed=False)
        qs = (
            qs.filter(contact_company=contact) if contact.is_company else qs.filter(contact=contact)
        )
        context["opportunities"] = list(qs.order_by("-no")[:20])
        context["opportunities_url"] = (
            f"{reverse('interactions:opportunity_list')}?{key}={contact.no}"
        )
    return context


contact_views.TAB_PROVIDERS["interactions"] = _interactions_tab_with_opportunities
