"""Opportunities (BC's Opportunity card, Close Opportunity and Create Opportunity from an entry)
and the sales cycles with their stages they run through."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Salesperson
from rapport.contacts.models import Contact
from rapport.contacts.queries import marketing_setup
from rapport.core import services as core_services
from rapport.core.audit import audited
from rapport.core.validation import (
    ValidationError,
    field_error,
    require_perm,
    validate_instance,
)
from rapport.interactions.models import (
    InteractionLogEntry,
    Opportunity,
    OpportunityComment,
    OpportunityPriority,
    OpportunityStatus,
    ProbabilityCalculation,
    SalesCycle,
    SalesCycleStage,
)
from rapport.interactions.services.common import fill_in
from rapport.interactions.services.create import default_salesperson, privacy_check

ZERO = Decimal(0)
DEFAULT = "default"  # an argument left to its default value (None means "none")
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

# --- sales cycles and stages -------------------------------------------------------------------

SALES_CYCLE_FIELDS = ("description", "probability_calculation", "blocked", "is_default")


def default_sales_cycle() -> SalesCycle | None:
    """Marketing Setup's Default Sales Cycle Code (a blocked one is not used)."""
    return SalesCycle.objects.filter(is_default=True, blocked=False).first()


def _save_sales_cycle(cycle: SalesCycle) -> SalesCycle:
    if cycle.is_default:
        # One default: choosing another one replaces the old (set-based, under a lock).
        SalesCycle.objects.select_for_update().filter(is_default=True).exclude(pk=cycle.pk).update(
            is_default=False
        )
    validate_instance(cycle)
    cycle.save()
    return cycle


@transaction.atomic
@audited("create")
def create_sales_cycle(*, actor: Any, code: str, **fields: Any) -> SalesCycle:
    require_perm(actor, "interactions.add_salescycle")
    cycle = SalesCycle(
        code=(code or "").strip().upper(),
        **{k: v for k, v in fields.items() if k in SALES_CYCLE_FIELDS},
    )
    if not cycle.code:
        raise fill_in("code", _("Code"))
    return _save_sales_cycle(cycle)


@transaction.atomic
@audited("change", "sales_cycle")
def update_sales_cycle(*, actor: Any, sales_cycle: SalesCycle, **fields: Any) -> SalesCycle:
    require_perm(actor, "interactions.change_salescycle")
    cycle = SalesCycle.objects.select_for_update().get(pk=sales_cycle.pk)
    for key, value in fields.items():
        if key in SALES_CYCLE_FIELDS:
            setattr(cycle, key, value)
    return _save_sales_cycle(cycle)


@transaction.atomic
def set_default_sales_cycle(*, actor: Any, sales_cycle: SalesCycle | None) -> None:
    """Marketing Setup's Default Sales Cycle Code (None: no default)."""
    require_perm(actor, "contacts.change_marketingsetup")
    SalesCycle.objects.select_for_update().filter(is_default=True).update(is_default=False)
    if sales_cycle is not None:
        SalesCycle.objects.filter(pk=sales_cycle.pk).update(is_default=True)


def _open_opportunities_at(**lookup: Any) -> int:
    return Opportunity.objects.filter(closed=False, **lookup).count()


@transaction.atomic
@audited("delete", "sales_cycle")
def delete_sales_cycle(*, actor: Any, sales_cycle: SalesCycle) -> None:
    """BC: only a cycle no open opportunity runs through; its stages go with it."""
    require_perm(actor, "interactions.delete_salescycle")
    cycle = SalesCycle.objects.select_for_update().get(pk=sales_cycle.pk)
    count = _open_opportunities_at(sales_cycle=cycle)
    if count:
        raise field_error(
            "code",
            _(
                "No. of Opportunities must be equal to '0' in Sales Cycle: Code=%(code)s. "
                "Current value is '%(count)s'."
            )
            % {"code": cycle.code, "count": count},
            "in_use",
        )
    cycle.delete()


STAGE_FIELDS = ("description", "completed", "chances_of_success")


@transaction.atomic
def create_sales_cycle_stage(
    *, actor: Any, sales_cycle: SalesCycle, stage: int | None, **fields: Any
) -> SalesCycleStage:
    require_perm(actor, "interactions.change_salescycle")
    if not stage:
        raise fill_in("stage", _("Stage"))
    row = SalesCycleStage(
        sales_cycle=sales_cycle,
        stage=stage,
        **{k: v for k, v in fields.items() if k in STAGE_FIELDS and v is not None},
    )
    validate_instance(row)
    row.save()
    return row


@transaction.atomic
def update_sales_cycle_stage(
    *, actor: Any, stage: SalesCycleStage, **fields: Any
) -> SalesCycleStage:
    require_perm(actor, "interactions.change_salescycle")
    row = SalesCycleStage.objects.select_for_update().get(pk=stage.pk)
    for key, value in fields.items():
        if key in STAGE_FIELDS and value is not None:
            setattr(row, key, value)
    validate_instance(row)
    row.save()
    return row


@transaction.atomic
def delete_sales_cycle_stage(*, actor: Any, stage: SalesCycleStage) -> None:
    require_perm(actor, "interactions.change_salescycle")
    row = SalesCycleStage.objects.select_for_update().get(pk=stage.pk)
    if _open_opportunities_at(current_stage=row):
        raise field_error(
            "stage", _("You cannot delete a stage which has active entries."), "in_use"
        )
    row.delete()


# --- opportunities -----------------------------------------------------------------------------


def block_delete_with_open_opportunities(contact: Contact) -> None:
    """BC: a contact with opportunities not started or in progress cannot be deleted."""
    if Opportunity.objects.filter(contact=contact, closed=False).exists():
        raise field_error(
            "no",
            _(
                "You cannot delete the %(no)s record of the Contact because one or more "
                "opportunities are in not started or progress."
            )
            % {"no": contact.no},
            "open_opportunities",
        )


OPPORTUNITY_FIELDS = (
    "description",
    "contact",
    "salesperson",
    "campaign",
    "sales_cycle",
    "current_stage",
    "priority",
    "estimated_value",
    "chances_of_success",
    "estimated_closing_date",
)


def _testfield_closed(opportunity: Opportunity) -> None:
    if opportunity.closed:
        raise field_error(
            "closed",
            _("Closed must be equal to 'No' in Opportunity: No.=%(no)s. Current value is 'Yes'.")
            % {"no": opportunity.no},
            "closed",
        )


def _check_sales_cycle(cycle: SalesCycle | None) -> None:
    if cycle is not None and SalesCycle.objects.filter(pk=cycle.pk, blocked=True).exists():
        raise field_error(
            "sales_cycle",
            _(
                "Blocked must be equal to 'No' in Sales Cycle: Code=%(code)s. "
                "Current value is 'Yes'."
            )
            % {"code": cycle.code},
            "blocked",
        )


def _check_salesperson(opportunity: Opportunity, changed: bool) -> None:
    sp = opportunity.salesperson
    if changed and sp is not None and Salesperson.objects.filter(pk=sp.pk, blocked=True).exists():
        raise field_error(
            "salesperson", _("Blocked salespeople cannot be chosen."), "salesperson_blocked"
        )


def _company_of(contact: Contact) -> Contact | None:
    return contact if contact.is_company else contact.company


def calculate_values(opportunity: Opportunity) -> None:
    """BC's UpdateEstimates: the probability from the cycle's Probability Calculation, and
    Calcd. Current Value = Estimated Value x Probability % / 100. Closed ones keep theirs."""
    if opportunity.closed:
        return
    chances = Decimal(opportunity.chances_of_success or 0)
    completed = Decimal(opportunity.completed or 0)
    cycle = opportunity.sales_cycle
    if opportunity.current_stage_id is None or cycle is None:
        probability = ZERO
    elif cycle.probability_calculation == ProbabilityCalculation.ADD:
        probability = (chances + completed) / 2
    elif cycle.probability_calculation == ProbabilityCalculation.CHANCES_OF_SUCCESS:
        probability = chances
    elif cycle.probability_calculation == ProbabilityCalculation.COMPLETED:
        probability = completed
    else:
        probability = chances * completed / HUNDRED
    opportunity.probability = probability.quantize(CENT)
    opportunity.calcd_current_value = (
        Decimal(opportunity.estimated_value or 0) * probability / HUNDRED
    ).quantize(CENT)


def _apply(
    opportunity: Opportunity,
    changes: dict[str, Any],
    *,
    old: Opportunity | None,
    date_of_change: datetime.date,
) -> None:
    for key, value in changes.items():
        if key in OPPORTUNITY_FIELDS:
            setattr(opportunity, key, value)
    if opportunity.contact is None:
        raise field_error(
            "contact",
            _("You must fill in the contact that is involved in the opportunity."),
            "required",
        )
    contact_changed = old is None or old.contact_id != opportunity.contact_id
    if contact_changed:
        opportunity.contact = Contact.objects.select_related("company").get(
            pk=opportunity.contact.pk
        )
        privacy_check(opportunity.contact)
        company = _company_of(opportunity.contact)
        if (
            old is not None
            and old.status != OpportunityStatus.NOT_STARTED
            and (company.pk if company else None) != old.contact_company_id
        ):
            raise field_error(
                "contact",
                _("Contact %(no)s %(name)s is related to another company.")
                % {"no": opportunity.contact.no, "name": opportunity.contact.name},
                "other_company",
            )
        opportunity.contact_company = company
    _check_salesperson(opportunity, old is None or old.salesperson_id != opportunity.salesperson_id)
    cycle_changed = old is None or old.sales_cycle_id != opportunity.sales_cycle_id
    if cycle_changed:
        if old is not None and old.status != OpportunityStatus.NOT_STARTED:
            raise field_error(
                "sales_cycle",
                _(
                    "Status must be equal to 'Not Started' in Opportunity: No.=%(no)s. "
                    "Current value is '%(status)s'."
                )
                % {"no": opportunity.no, "status": old.get_status_display()},
                "in_progress",
            )
        _check_sales_cycle(opportunity.sales_cycle)
        if "current_stage" not in changes:
            opportunity.current_stage = None
    stage = opportunity.current_stage
    stage_changed = (old is None and stage is not None) or (
        old is not None and old.current_stage_id != opportunity.current_stage_id
    )
    if stage is not None:
        if opportunity.sales_cycle is None:
            raise fill_in("sales_cycle", _("Sales Cycle Code"))
        if stage.sales_cycle_id != opportunity.sales_cycle_id:
            raise field_error(
                "current_stage",
                _("Sales Cycle Stage not found."),
                "does_not_exist",
            )
    elif old is not None and old.current_stage_id is not None:
        raise fill_in("current_stage", _("Current Sales Cycle Stage"))
    if stage_changed and stage is not None:
        _check_sales_cycle(opportunity.sales_cycle)
        last = opportunity.date_of_change or opportunity.creation_date
        if last and date_of_change < last:
            raise field_error(
                "date_of_change",
                _("The Date of Change has to be after last Date of change."),
                "date_before_last",
            )
        opportunity.date_of_change = date_of_change
        opportunity.completed = stage.completed
        # BC takes the stage's chances unless the user gives their own.
        if stage.chances_of_success and not changes.get("chances_of_success"):
            opportunity.chances_of_success = stage.chances_of_success
        # Not Started -> In Progress once the opportunity has a stage (BC: its first entry).
        opportunity.status = OpportunityStatus.IN_PROGRESS
    if (
        opportunity.estimated_closing_date
        and opportunity.date_of_change
        and opportunity.estimated_closing_date < opportunity.date_of_change
    ):
        raise field_error(
            "estimated_closing_date",
            _("The Estimated closing date has to be later than this change."),
            "closing_date_before_change",
        )
    calculate_values(opportunity)


@transaction.atomic
def create_opportunity(
    *,
    actor: Any,
    contact: Contact | None,
    no: str = "",
    description: str = "",
    sales_cycle: SalesCycle | str | None = DEFAULT,
    **fields: Any,
) -> Opportunity:
    """A new opportunity (BC's card): the next No. of Marketing Setup's Opportunity Nos., the
    default sales cycle unless another (or None: none) is given, the user's own salesperson
    unless `salesperson` is given (None: none); a stage given at once starts it (In Progress)."""
    require_perm(actor, "interactions.add_opportunity")
    today = timezone.localdate()
    opportunity = Opportunity(creation_date=today, description=description or "")
    changes: dict[str, Any] = {"contact": contact, **fields}
    changes["sales_cycle"] = default_sales_cycle() if isinstance(sales_cycle, str) else sales_cycle
    if changes.get("salesperson") is None and "salesperson" not in fields:
        changes["salesperson"] = default_salesperson(actor, contact)
    changes.setdefault("priority", OpportunityPriority.NORMAL)
    _apply(opportunity, changes, old=None, date_of_change=today)
    validate_instance(opportunity, exclude=["no", "no_series"])
    opportunity.no, opportunity.no_series = core_services.assign_no(
        model=Opportunity,
        typed_no=no,
        series=marketing_setup().opportunity_nos,
        setup_field=_("Opportunity Nos."),
    )
    validate_instance(opportunity)
    opportunity.save()
    return opportunity


@transaction.atomic
def update_opportunity(
    *,
    actor: Any,
    opportunity: Opportunity,
    date_of_change: datetime.date | None = None,
    **changes: Any,
) -> Opportunity:
    """Change an open opportunity. A closed one cannot change; the sales cycle only before
    the opportunity has started; a new stage is dated `date_of_change` (today)."""
    require_perm(actor, "interactions.change_opportunity")
    unknown = set(changes) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    locked = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("sales_cycle", "current_stage", "contact")
        .get(pk=opportunity.pk)
    )
    _testfield_closed(locked)
    old = Opportunity.objects.select_related("sales_cycle").get(pk=locked.pk)
    _apply(locked, changes, old=old, date_of_change=date_of_change or timezone.localdate())
    validate_instance(locked)
    locked.save()
    return locked


@transaction.atomic
def close_opportunity(
    *,
    actor: Any,
    opportunity: Opportunity,
    action: str,
    date_closed: datetime.date | None,
    calcd_current_value: Decimal | None = None,
) -> Opportunity:
    """BC's Close Opportunity: Won or Lost on a date not before the last change; a won one
    needs a value (the estimated value unless another is given), a lost one is worth 0."""
    require_perm(actor, "interactions.change_opportunity")
    locked = (
        Opportunity.objects.select_for_update(of=("self",))
        .select_related("sales_cycle")
        .get(pk=opportunity.pk)
    )
    _testfield_closed(locked)
    if action not in (OpportunityStatus.WON, OpportunityStatus.LOST):
        raise field_error("action", _("You must select either Won or Lost."), "invalid_action")
    if date_closed is None:
        raise fill_in("date_closed", _("Date of Change"))
    last = locked.date_of_change or locked.creation_date
    if date_closed < last:
        raise field_error(
            "date_closed",
            _("The Date of Change has to be after last Date of change."),
            "date_before_last",
        )
    if action == OpportunityStatus.WON:
        value = locked.estimated_value if calcd_current_value is None else calcd_current_value
        if value is None or value <= 0:
            raise field_error(
                "calcd_current_value", _("Sales (LCY) must be greater than 0."), "not_positive"
            )
        locked.calcd_current_value = Decimal(value).quantize(CENT)
        locked.chances_of_success = locked.probability = HUNDRED
    else:
        locked.calcd_current_value = ZERO
        locked.chances_of_success = locked.probability = ZERO
    locked.completed = HUNDRED
    locked.status = action
    locked.closed = True
    locked.date_closed = locked.estimated_closing_date = locked.date_of_change = date_closed
    validate_instance(locked)
    locked.save()
    return locked


@transaction.atomic
def delete_opportunity(*, actor: Any, opportunity: Opportunity) -> None:
    """BC: not while it is in progress; its comments go with it, entries lose the link."""
    require_perm(actor, "interactions.delete_opportunity")
    locked = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if locked.status == OpportunityStatus.IN_PROGRESS:
        raise field_error(
            "status", _("You cannot delete this opportunity while it is active."), "active"
        )
    locked.delete()


@transaction.atomic
def create_opportunity_from_entry(*, actor: Any, entry: InteractionLogEntry) -> Opportunity:
    """Rules 12: only from a non-canceled entry without one, never for a privacy-blocked contact."""
    require_perm(actor, "interactions.add_opportunity")
    entry = (
        InteractionLogEntry.objects.select_for_update(of=("self",))
        .select_related("contact", "contact_company")
        .get(pk=entry.pk)
    )
    if entry.canceled:
        raise field_error(
            "canceled",
            _(
                "Canceled must be equal to 'No' in Interaction Log Entry: Entry No.=%(no)s. "
                "Current value is 'Yes'."
            )
            % {"no": entry.pk},
            "canceled",
        )
    if entry.opportunity_id:
        raise field_error(
            "opportunity",
            _(
                "Opportunity No. must be equal to '' in Interaction Log Entry: Entry No.=%(no)s. "
                "Current value is '%(value)s'."
            )
            % {"no": entry.pk, "value": entry.opportunity.no},  # type: ignore[union-attr]
            "has_opportunity",
        )
    if entry.postponed:
        raise ValidationError(_("Finish the postponed interaction first."), code="postponed")
    for contact in (entry.contact, entry.contact_company):
        if contact is not None:
            privacy_check(contact)
    no, series = core_services.assign_no(
        model=Opportunity,
        typed_no="",
        series=marketing_setup().opportunity_nos,
        setup_field=_("Opportunity Nos."),
    )
    cycle = default_sales_cycle()
    opportunity = Opportunity.objects.create(
        no=no,
        no_series=series,
        description=entry.description,
        contact=entry.contact,
        contact_company=entry.contact_company,
        salesperson=entry.salesperson,
        campaign=entry.campaign,
        segment_no=entry.segment_no,
        sales_cycle=cycle,
        creation_date=timezone.localdate(),
    )
    OpportunityComment.objects.bulk_create(
        OpportunityComment(
            opportunity=opportunity, line_no=c.line_no, date=c.date, comment=c.comment
        )
        for c in entry.comments.all()
    )
    InteractionLogEntry.objects.filter(pk=entry.pk).update(opportunity=opportunity)
    return opportunity


@transaction.atomic
def create_opportunity_for_interaction(*, actor: Any, entry: InteractionLogEntry) -> Opportunity:
    """BC's "create opportunity?" question after Create Interaction, answered yes: an
    opportunity from the entry just created (rules 12), in the caller's transaction."""
    if entry.postponed:
        raise field_error(
            "create_opportunity", _("Finish the postponed interaction first."), "postponed"
        )
    return create_opportunity_from_entry(actor=actor, entry=entry)
