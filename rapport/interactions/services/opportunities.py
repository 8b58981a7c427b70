"""Opportunities made from log entries."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.contacts.queries import marketing_setup
from rapport.core import services as core_services
from rapport.core.validation import (
    ValidationError,
    field_error,
    require_perm,
)
from rapport.interactions.models import (
    InteractionLogEntry,
    Opportunity,
    OpportunityComment,
)
from rapport.interactions.services.create import privacy_check

# --- opportunities -----------------------------------------------------------------------------


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
    opportunity = Opportunity.objects.create(
        no=no,
        no_series=series,
        description=entry.description,
        contact=entry.contact,
        contact_company=entry.contact_company,
        salesperson=entry.salesperson,
        campaign=entry.campaign,
        segment_no=entry.segment_no,
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
