"""Contact and salesperson statistics, contact entries, phone calls."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Status

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.core.api_helpers import (
    PageOut,
    paginate,
    require_api_perm,
    resolve_code,
)
from rapport.interactions import queries, services
from rapport.interactions.api.common import (
    comment_lines,
    get_contact,
    get_entry,
    payload_names,
    router,
    statistics_out,
)
from rapport.interactions.models import (
    InteractionLogEntry,
    Opportunity,
)
from rapport.interactions.schemas import (
    InteractionLogEntryDetailOut,
    InteractionLogEntryOut,
    PhoneCallIn,
    StatisticsOut,
)

# --- contacts and salespeople ------------------------------------------------------------------


@router.get("/contacts/{contact_no}/statistics", response=StatisticsOut, tags=["Contacts"])
def contact_statistics(
    request: HttpRequest,
    contact_no: str,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict[str, Any]:
    """The contact's interaction statistics; a company's include its persons' entries."""
    require_api_perm(request, "interactions.view_interactionlogentry")
    contact = get_contact(request, contact_no)
    return statistics_out(queries.contact_scope(contact), date_from, date_to)


@router.get(
    "/contacts/{contact_no}/interaction-log-entries",
    response=PageOut[InteractionLogEntryOut],
    tags=["Contacts"],
)
def contact_entry_list(request: HttpRequest, contact_no: str) -> dict[str, Any]:
    """The contact's log (a company's includes its persons'); filters as the log."""
    require_api_perm(request, "interactions.view_interactionlogentry")
    contact = get_contact(request, contact_no)
    qs = queries.with_related(queries.contact_entries(contact).logged())  # type: ignore[attr-defined]
    return paginate(request, queries.ENTRY_LIST, qs)


# Payload fields a caller may clear on purpose, and the service's name for each.
CALL_BLANKABLE = {
    "phone_no": "phone_no",
    "description": "description",
    "salesperson_code": "salesperson",
    "campaign_no": "campaign",
}


@router.post(
    "/contacts/{contact_no}/phone-calls",
    response={201: InteractionLogEntryDetailOut},
    tags=["Contacts"],
)
def contact_phone_call(
    request: HttpRequest, contact_no: str, payload: PhoneCallIn
) -> Status[InteractionLogEntry]:
    """Log a phone call with the Outg. Calls template of the Interaction Template Setup
    (422 on `outgoing_calls` when none is set up), with what BC's call records: number,
    description, duration, evaluation, success, campaign, opportunity and dated comments.
    Left out: the default (the contact's number, the template's description and duration);
    sent empty: a blank that the checks report ("You must fill in the phone number.")."""
    require_api_perm(request, "interactions.view_interactionlogentry")
    # make_phone_call checks the setup before create_interaction checks the permission.
    require_api_perm(request, "interactions.add_interactionlogentry")
    contact = get_contact(request, contact_no)
    sent = payload.model_fields_set
    blank = {
        service_name
        for name, service_name in CALL_BLANKABLE.items()
        if name in sent and not (getattr(payload, name) or "").strip()
    }
    with payload_names():
        entry = services.make_phone_call(
            actor=request.user,
            contact=contact,
            phone_no=payload.phone_no,
            duration=payload.duration,
            attempt_failed=payload.attempt_failed,
            description=payload.description,
            evaluation=payload.evaluation,
            campaign=resolve_code(Campaign, "campaign_no", payload.campaign_no, "no"),
            opportunity=resolve_code(Opportunity, "opportunity_no", payload.opportunity_no, "no"),
            comments=comment_lines(payload.comments),
            salesperson=resolve_code(Salesperson, "salesperson_code", payload.salesperson_code),
            blank=blank,
        )
    return Status(201, get_entry(request, entry.pk, postponed=False))


@router.get(
    "/salespeople/{salesperson_code}/statistics", response=StatisticsOut, tags=["Salespeople"]
)
def salesperson_statistics(
    request: HttpRequest,
    salesperson_code: str,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict[str, Any]:
    require_api_perm(request, "accounts.view_salesperson")
    require_api_perm(request, "interactions.view_interactionlogentry")
    salesperson = Salesperson.objects.filter(code=salesperson_code.upper()).first()
    if salesperson is None:
        raise Http404
    return statistics_out(queries.salesperson_scope(salesperson), date_from, date_to)
