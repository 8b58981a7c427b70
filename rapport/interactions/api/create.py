"""Creating interactions: defaults, finish, finish later."""

from __future__ import annotations

from typing import Any

import pydantic
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Status
from ninja.errors import ValidationError as SchemaValidationError
from ninja.files import UploadedFile

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.core.api_helpers import (
    require_api_perm,
    resolve_code,
)
from rapport.core.models import Language
from rapport.core.validation import ValidationError as DjangoValidationError
from rapport.core.validation import field_error, first_error
from rapport.interactions import queries, services
from rapport.interactions.api.common import (
    comment_lines,
    contact_by_no,
    decode_file,
    get_entry,
    payload_names,
    read_upload,
    router,
)
from rapport.interactions.attachments import Upload
from rapport.interactions.models import (
    InteractionLogEntry,
    InteractionTemplate,
    Opportunity,
)
from rapport.interactions.schemas import (
    InteractionDefaultsOut,
    InteractionIn,
    InteractionLogEntryDetailOut,
)

# --- creating interactions ---------------------------------------------------------------------


def _interaction_input(
    request: HttpRequest, payload: InteractionIn, resume: InteractionLogEntry | None = None
) -> services.InteractionInput:
    """A payload as the service's input: fields left out are None ("use the default")."""
    sent = payload.model_fields_set
    data = services.InteractionInput()
    if resume is not None:
        new_template = "template_code" in sent and (
            payload.template_code or ""
        ).strip().upper() != (resume.template.code if resume.template else "")
        if new_template:
            # Choosing another template resets the values to its defaults (rules 1).
            data.contact, data.salesperson = resume.contact, resume.salesperson
        else:
            # Resuming reopens the postponed entry with its values, dated today (rules 14).
            data = services.resume_input(resume)
            data.comments = None  # kept on the entry unless the payload sends new ones
    if "contact_no" in sent:
        data.contact = contact_by_no(request, "contact_no", payload.contact_no)
        _explicit(data, "contact", data.contact is None)
    if "template_code" in sent:
        data.template = resolve_code(InteractionTemplate, "template_code", payload.template_code)
    if "salesperson_code" in sent:
        data.salesperson = resolve_code(Salesperson, "salesperson_code", payload.salesperson_code)
        _explicit(data, "salesperson", data.salesperson is None)
    if "description" in sent:
        data.description = payload.description
        _explicit(data, "description", not payload.description)
    if "date" in sent:
        data.date = payload.date
        _explicit(data, "date", payload.date is None)
    for name in (
        "time",
        "correspondence_type",
        "information_flow",
        "initiated_by",
        "cost",
        "duration",
        "campaign_target",
        "campaign_response",
    ):
        if name in sent:
            setattr(data, name, getattr(payload, name))
    if "comments" in sent:
        data.comments = comment_lines(payload.comments)
    if "language_code" in sent:
        data.language = resolve_code(Language, "language_code", payload.language_code)
        _explicit(data, "language", data.language is None)
    if "campaign_no" in sent:
        data.campaign = resolve_code(Campaign, "campaign_no", payload.campaign_no, "no")
        _explicit(data, "campaign", data.campaign is None)
    if "opportunity_no" in sent:
        data.opportunity = resolve_code(Opportunity, "opportunity_no", payload.opportunity_no, "no")
        _explicit(data, "opportunity", data.opportunity is None)
    if "subject" in sent or resume is None:
        data.subject = payload.subject
    elif resume.subject != resume.description:
        data.subject = resume.subject
    data.remarks = payload.remarks
    if "evaluation" in sent or resume is None:
        data.evaluation = payload.evaluation
    # BC resets "successful" when a postponed interaction is resumed.
    data.attempt_failed = payload.attempt_failed
    return data


# The key each kind of starting point is named by, in `source`.
SOURCE_KEYS = {
    "contact": "contact_no",
    "salesperson": "salesperson_code",
    "entry": "entry_no",
    "opportunity": "opportunity_no",
}


def _starting_point(
    request: HttpRequest, payload: InteractionIn, resume: InteractionLogEntry | None
) -> services.StartingPoint | None:
    source = payload.source
    if source is None:
        return None
    if resume is not None:
        raise field_error(
            "source",
            _(
                "A postponed interaction is resumed from its own entry; its contact, "
                "salesperson, campaign and opportunity stay as they are."
            ),
            "source_not_allowed",
        )
    key = SOURCE_KEYS[source.type]
    value = getattr(source, key)
    if value in (None, ""):
        raise field_error(
            f"source.{key}",
            _("You must fill in the %(field)s field.") % {"field": f"source.{key}"},
            "required",
        )
    field_name = f"source.{key}"
    try:
        return _resolve_source(request, source.type, value, field_name)
    except DjangoValidationError as exc:
        # Whatever refuses the starting point (closed opportunity, privacy) names `source`.
        raise field_error(field_name, first_error(exc)[1], first_error(exc)[2]) from None


def _resolve_source(
    request: HttpRequest, kind: str, value: Any, field_name: str
) -> services.StartingPoint:
    if kind == "contact":
        contact = contact_by_no(request, field_name, str(value))
        return services.starting_point(kind="contact", contact=contact)
    if kind == "salesperson":
        salesperson = resolve_code(Salesperson, field_name, str(value))
        return services.starting_point(kind="salesperson", salesperson=salesperson)
    if kind == "opportunity":
        opportunity = resolve_code(Opportunity, field_name, str(value), "no")
        return services.starting_point(kind="opportunity", opportunity=opportunity)
    entry = (
        queries.entries_visible_to(request.user)
        .logged()  # type: ignore[attr-defined]
        .select_related("contact", "salesperson", "campaign", "opportunity")
        .filter(pk=value)
        .first()
    )
    if entry is None:
        raise field_error(
            field_name,
            _("%(field)s: %(value)s does not exist.") % {"field": field_name, "value": value},
            "does_not_exist",
        )
    return services.starting_point(kind="entry", entry=entry)


def _explicit(data: services.InteractionInput, name: str, blank: bool) -> None:
    """A blank value sent on purpose is kept blank; a value replaces an earlier blank."""
    if blank:
        data.explicit.add(name)
    else:
        data.explicit.discard(name)


def parse_interaction(raw: str) -> InteractionIn:
    try:
        return InteractionIn.model_validate_json(raw)
    except pydantic.ValidationError as exc:
        raise SchemaValidationError(
            [dict(e) for e in exc.errors(include_url=False, include_context=False)]
        ) from None


def save_interaction(
    request: HttpRequest,
    payload: InteractionIn,
    *,
    upload: Upload | None = None,
    resume: InteractionLogEntry | None = None,
) -> InteractionLogEntry:
    start = _starting_point(request, payload, resume)
    data = _interaction_input(request, payload, resume)
    if upload is None and payload.attachment is not None:
        upload = decode_file(payload.attachment, "attachment")
    data.upload = upload
    with transaction.atomic(), payload_names():
        entry = services.create_interaction(
            actor=request.user,
            data=data,
            postpone=payload.postpone,
            resume=resume,
            start=start,
            deliver=payload.deliver,
        )
        # Hook (opportunities): BC's "create opportunity?" answered in the payload.
        if payload.create_opportunity:
            services.create_opportunity_for_interaction(actor=request.user, entry=entry)
    return get_entry(request, entry.pk, postponed=entry.postponed)


@router.get("/interactions/defaults", response=InteractionDefaultsOut)
def interaction_defaults(
    request: HttpRequest,
    contact_no: str = "",
    template_code: str = "",
    salesperson_code: str = "",
    campaign_no: str = "",
) -> dict[str, Any]:
    """The values a new interaction starts with for this contact and template, as the page
    fills them in: the user's own salesperson before the contact's, today, now rounded up to
    the next minute, the template's cost, duration, flow, language and attachment."""
    require_api_perm(request, "interactions.view_interactionlogentry")
    values = services.interaction_defaults(
        actor=request.user,
        contact=contact_by_no(request, "contact_no", contact_no),
        template=resolve_code(InteractionTemplate, "template_code", template_code),
        salesperson=resolve_code(Salesperson, "salesperson_code", salesperson_code),
        campaign=resolve_code(Campaign, "campaign_no", campaign_no, "no"),
    )

    def code(name: str, key: str = "code") -> str:
        obj = values.get(name)
        return str(getattr(obj, key)) if obj is not None else ""

    attachment = values.get("attachment")
    return {
        "contact_no": code("contact", "no"),
        "template_code": code("template"),
        "salesperson_code": code("salesperson"),
        "date": values["date"],
        "time": values["time"],
        "description": values.get("description") or "",
        "cost": values.get("cost"),
        "duration": values.get("duration"),
        "information_flow": values.get("information_flow") or "",
        "initiated_by": values.get("initiated_by") or "",
        "correspondence_type": values.get("correspondence_type") or "",
        "language_code": code("language"),
        "campaign_no": code("campaign", "no"),
        "campaign_target": bool(values.get("campaign_target")),
        "campaign_response": bool(values.get("campaign_response")),
        "evaluation": values.get("evaluation") or "",
        "attempt_failed": bool(values.get("attempt_failed")),
        "has_attachment": attachment is not None,
        "attachment_no": attachment.pk if attachment is not None else None,
    }


@router.post("/interactions", response={201: InteractionLogEntryDetailOut})
def interaction_create(request: HttpRequest, payload: InteractionIn) -> Status[InteractionLogEntry]:
    """Create an interaction (`postpone: true`: "finish later", a postponed interaction).

    `source` says where it starts (a contact, salesperson, log entry or opportunity, as BC's
    Create Interaction actions); the fields the starting point determines are fixed, and a
    different or empty value for one of them is a 422 naming that field.

    A field left out takes its default from the template (see `GET /interactions/defaults`).
    Send `null` or `""` for `description`, `salesperson_code` or `date` to leave it empty; the
    checks then run in BC's order and the 422 names the field: contact_no, template_code,
    salesperson_code, date, description, then the template's attachment rules. To attach a
    file of your own, use `POST /interactions/with-attachment`."""
    return Status(201, save_interaction(request, payload))


@router.post("/interactions/with-attachment", response={201: InteractionLogEntryDetailOut})
def interaction_create_with_attachment(
    request: HttpRequest,
    data: str = Form(..., description="The JSON body of POST /interactions, as text."),
    file: UploadedFile = File(...),  # noqa: B008
) -> Status[InteractionLogEntry]:
    """Multipart form: `data` holds the same JSON as `POST /interactions`, `file` the
    attachment (instead of the template's). Files above the upload limit are refused with 422
    on `file`."""
    require_api_perm(request, "interactions.add_interactionlogentry")
    payload = parse_interaction(data)
    return Status(201, save_interaction(request, payload, upload=read_upload(file)))
