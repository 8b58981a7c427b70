"""Interactions API: groups, templates and their languages, attachments, creating interactions,
the log (cancel, restore, evaluate, comments, opportunities, delete canceled), postponed
interactions, statistics, phone calls and the template setup.

Every write goes through `rapport.interactions.services`, exactly like the pages. Related rows
are named by code or number; errors name the payload field (`template_code`, not `template`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pydantic
from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from ninja import File, Form, Router
from ninja.errors import ValidationError as SchemaValidationError
from ninja.files import UploadedFile

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.contacts.models import Contact
from rapport.contacts.queries import contacts_visible_to
from rapport.core.api_helpers import (
    PageOut,
    code_table_routes,
    paginate,
    require_api_perm,
    resolve_code,
)
from rapport.core.models import Language
from rapport.core.validation import ValidationError, field_error
from rapport.interactions import attachments as files
from rapport.interactions import queries, services
from rapport.interactions.attachments import Upload
from rapport.interactions.models import (
    Attachment,
    InteractionGroup,
    InteractionLogEntry,
    InteractionLogEntryComment,
    InteractionTemplate,
    InteractionTemplateLanguage,
    Opportunity,
)
from rapport.interactions.schemas import (
    ChangedOut,
    CommentIn,
    CommentOut,
    DeleteCanceledIn,
    DeletedOut,
    EntryNosIn,
    EvaluateIn,
    InteractionDefaultsOut,
    InteractionGroupIn,
    InteractionGroupOut,
    InteractionGroupPatch,
    InteractionIn,
    InteractionLogEntryDetailOut,
    InteractionLogEntryOut,
    InteractionTemplateIn,
    InteractionTemplateOut,
    InteractionTemplatePatch,
    JobStartedOut,
    OpportunityOut,
    PhoneCallIn,
    StatisticsOut,
    TemplateLanguageOut,
    TemplateSetupOut,
    TemplateSetupPatch,
)
from rapport.interactions.tables import INTERACTION_GROUPS, TEMPLATE_LIST

router = Router(tags=["Interactions"])

# Above this many matching entries "delete canceled" always runs as a background job.
BACKGROUND_THRESHOLD = 200

# Services name model fields; API clients send (and read) codes under these names.
_PAYLOAD_FIELDS = {
    "contact": "contact_no",
    "template": "template_code",
    "salesperson": "salesperson_code",
    "group": "group_code",
    "campaign": "campaign_no",
    "language": "language_code",
    "opportunity": "opportunity_no",
    "attachment": "file",
    "attempt_failed": "interaction_successful",
}


@contextmanager
def _payload_names() -> Iterator[None]:
    """Re-raise a service's ValidationError with the field named as in the payload."""
    try:
        yield
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        raise ValidationError(
            {_PAYLOAD_FIELDS.get(name, name): errors for name, errors in exc.error_dict.items()}
        ) from None


def _contact(request: HttpRequest, no: str) -> Contact:
    contact = contacts_visible_to(request.user).filter(no=no.strip().upper()).first()
    if contact is None:
        raise Http404
    return contact


def _contact_code(request: HttpRequest, field: str, value: str | None) -> Contact | None:
    """The visible contact a payload names, None for a blank number, else a 422 on `field`."""
    value = (value or "").strip().upper()
    if not value:
        return None
    contact = contacts_visible_to(request.user).filter(no=value).first()
    if contact is None:
        raise field_error(
            field,
            _("%(field)s: %(value)s does not exist.") % {"field": field, "value": value},
            "does_not_exist",
        )
    return contact


def _upload(file: UploadedFile, field: str = "file") -> Upload:
    """The uploaded file, refused before it is read when it is over the size limit."""
    limit = settings.RAPPORT_MAX_UPLOAD_BYTES
    size = file.size or 0
    if size > limit:
        raise field_error(
            field,
            _("The file is too large (%(size)s bytes). The limit is %(limit)s bytes.")
            % {"size": size, "limit": limit},
            "file_too_large",
        )
    return Upload(content=file.read(), name=file.name or "", content_type=file.content_type or "")


def _statistics(
    stats: queries.Statistics,
    qs: QuerySet[InteractionLogEntry],
    date_from: datetime.date | None,
    date_to: datetime.date | None,
) -> dict[str, Any]:
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    return {
        "no_of_interactions": stats.count,
        "cost": stats.cost,
        "duration": stats.duration,
        "monthly": queries.monthly(qs, today=date_to),
    }


# --- interaction groups ------------------------------------------------------------------------

code_table_routes(
    router,
    INTERACTION_GROUPS,
    InteractionGroupIn,
    InteractionGroupOut,
    InteractionGroupPatch,
    "Interaction setup",
)


@router.get(
    "/interaction-groups/{code}/statistics", response=StatisticsOut, tags=["Interaction setup"]
)
def group_statistics(
    request: HttpRequest,
    code: str,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict[str, Any]:
    """No. of interactions, cost and duration of the group's counted entries (neither canceled
    nor postponed) in the date range, and the last 12 months (up to `date_to`) month by month."""
    require_api_perm(request, "interactions.view_interactiongroup")
    require_api_perm(request, "interactions.view_interactionlogentry")
    group = InteractionGroup.objects.filter(code=code.upper()).first()
    if group is None:
        raise Http404
    stats = queries.group_statistics(group, date_from=date_from, date_to=date_to)
    return _statistics(stats, InteractionLogEntry.objects.filter(group=group), date_from, date_to)


# --- interaction templates ---------------------------------------------------------------------


def _templates() -> QuerySet[InteractionTemplate]:
    return InteractionTemplate.objects.select_related("group", "campaign", "language")


def _template(request: HttpRequest, code: str) -> InteractionTemplate:
    require_api_perm(request, "interactions.view_interactiontemplate")
    template = _templates().filter(code=code.upper()).first()
    if template is None:
        raise Http404
    return template


def _template_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the codes of a template payload into the objects the services take."""
    if "group_code" in data:
        data["group"] = resolve_code(InteractionGroup, "group_code", data.pop("group_code"))
    if "campaign_no" in data:
        data["campaign"] = resolve_code(Campaign, "campaign_no", data.pop("campaign_no"), "no")
    if "language_code" in data:
        data["language"] = resolve_code(Language, "language_code", data.pop("language_code"))
    return data


@router.get(
    "/interaction-templates",
    response=PageOut[InteractionTemplateOut],
    tags=["Interaction setup"],
    summary="List interaction templates",
)
def template_list(request: HttpRequest) -> dict[str, Any]:
    """Query parameters: `q` (code, description), `group` (interaction group code), `sort`
    (code, description, group; `-` for descending), `page`, `page_size`."""
    require_api_perm(request, "interactions.view_interactiontemplate")
    return paginate(request, TEMPLATE_LIST, _templates())


@router.get(
    "/interaction-templates/{code}", response=InteractionTemplateOut, tags=["Interaction setup"]
)
def template_get(request: HttpRequest, code: str) -> InteractionTemplate:
    return _template(request, code)


@router.post(
    "/interaction-templates", response={201: InteractionTemplateOut}, tags=["Interaction setup"]
)
def template_create(
    request: HttpRequest, payload: InteractionTemplateIn
) -> tuple[int, InteractionTemplate]:
    """Codes (`group_code`, `campaign_no`, `language_code`) must exist. A default language
    gets its template language row."""
    data = _template_fields(payload.dict())
    with _payload_names():
        template = services.create_interaction_template(actor=request.user, **data)
    return 201, _templates().get(pk=template.pk)


@router.patch(
    "/interaction-templates/{code}", response=InteractionTemplateOut, tags=["Interaction setup"]
)
def template_update(
    request: HttpRequest, code: str, payload: InteractionTemplatePatch
) -> InteractionTemplate:
    """Only the fields sent change. The wizard action is checked against the attachment of the
    default language (Merge needs an e-mail-merge HTML attachment)."""
    template = _template(request, code)
    data = _template_fields(payload.dict(exclude_unset=True))
    with _payload_names():
        services.update_interaction_template(actor=request.user, template=template, **data)
    return _templates().get(pk=template.pk)


@router.delete("/interaction-templates/{code}", response={204: None}, tags=["Interaction setup"])
def template_delete(request: HttpRequest, code: str) -> tuple[int, None]:
    """Deletes the template with its languages and their attachments; 422 while in use."""
    template = _template(request, code)
    with _payload_names():
        services.delete_interaction_template(actor=request.user, template=template)
    return 204, None


@router.get(
    "/interaction-templates/{code}/statistics",
    response=StatisticsOut,
    tags=["Interaction setup"],
)
def template_statistics(
    request: HttpRequest,
    code: str,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict[str, Any]:
    """Like the group statistics, for one template."""
    template = _template(request, code)
    require_api_perm(request, "interactions.view_interactionlogentry")
    stats = queries.template_statistics(template, date_from=date_from, date_to=date_to)
    return _statistics(
        stats, InteractionLogEntry.objects.filter(template=template), date_from, date_to
    )


def _languages(template: InteractionTemplate) -> QuerySet[InteractionTemplateLanguage]:
    return (
        InteractionTemplateLanguage.objects.filter(template=template)
        .select_related("template", "language", "attachment")
        .defer("attachment__content")
    )


def _language_row(template: InteractionTemplate, language_code: str) -> InteractionTemplateLanguage:
    """The template's row for `language_code`; `-` names the row without a language."""
    code = language_code.strip().upper()
    qs = _languages(template)
    row = (
        qs.filter(language=None) if code in {"", "-"} else qs.filter(language__code=code)
    ).first()
    if row is None:
        raise Http404
    return row


@router.get(
    "/interaction-templates/{code}/languages",
    response=list[TemplateLanguageOut],
    tags=["Interaction setup"],
)
def template_languages(request: HttpRequest, code: str) -> Any:
    return _languages(_template(request, code))


@router.post(
    "/interaction-templates/{code}/languages",
    response={200: TemplateLanguageOut, 201: TemplateLanguageOut},
    tags=["Interaction setup"],
)
def template_language_save(
    request: HttpRequest,
    code: str,
    language_code: str = Form(""),
    description: str = Form(""),
    replace: bool = Form(False),
    file: UploadedFile | None = File(None),  # noqa: B008
) -> tuple[int, InteractionTemplateLanguage]:
    """Multipart form. Adds or changes the template's row for `language_code` (blank or `-`: the
    row without a language). An uploaded `file` becomes its attachment; replacing an existing
    attachment needs `replace=true`. An HTML file on the default language makes the template's
    wizard action Merge. 201 when the row is new, else 200. Files above the upload limit: 422."""
    template = _template(request, code)
    language_code = "" if language_code.strip() == "-" else language_code
    language = resolve_code(Language, "language_code", language_code)
    created = not InteractionTemplateLanguage.objects.filter(
        template=template, language=language
    ).exists()
    upload = _upload(file) if file is not None else None
    with _payload_names():
        row = services.save_template_language(
            actor=request.user,
            template=template,
            language=language,
            description=description,
            upload=upload,
            replace=replace,
        )
    return (201 if created else 200), _languages(template).get(pk=row.pk)


@router.delete(
    "/interaction-templates/{code}/languages/{language_code}",
    response={204: None},
    tags=["Interaction setup"],
)
def template_language_delete(request: HttpRequest, code: str, language_code: str) -> Any:
    """Deletes the row (`-` for the row without a language) and its unshared attachment."""
    row = _language_row(_template(request, code), language_code)
    services.delete_template_language(actor=request.user, row=row)
    return 204, None


@router.delete(
    "/interaction-templates/{code}/languages/{language_code}/attachment",
    response={204: None},
    tags=["Interaction setup"],
)
def template_attachment_remove(request: HttpRequest, code: str, language_code: str) -> Any:
    """Removes the row's attachment (deleted when nothing else uses it)."""
    row = _language_row(_template(request, code), language_code)
    services.remove_template_attachment(actor=request.user, row=row)
    return 204, None


# --- template setup ----------------------------------------------------------------------------


@router.get("/interaction-template-setup", response=TemplateSetupOut, tags=["Interaction setup"])
def template_setup_get(request: HttpRequest) -> Any:
    require_api_perm(request, "interactions.view_interactiontemplatesetup")
    return queries.template_setup()


@router.patch("/interaction-template-setup", response=TemplateSetupOut, tags=["Interaction setup"])
def template_setup_update(request: HttpRequest, payload: TemplateSetupPatch) -> Any:
    """`outgoing_calls`: the template phone calls are logged with (blank: none)."""
    data = payload.dict(exclude_unset=True)
    if "outgoing_calls" in data:
        data["outgoing_calls"] = resolve_code(
            InteractionTemplate, "outgoing_calls", data["outgoing_calls"]
        )
    services.update_template_setup(actor=request.user, **data)
    return queries.template_setup()


# --- attachments -------------------------------------------------------------------------------

# Content types a browser might render or run; these are always sent as plain bytes.
_ACTIVE_TYPES = ("html", "svg", "xml", "javascript", "ecmascript")
_ACTIVE_EXTENSIONS = {"html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "xsl", "js", "mht"}


@router.get("/attachments/{int:attachment_id}", tags=["Interactions"])
def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponse:
    """The file's content as a download. Visible to those who may see a template using it or
    an interaction log entry it belongs to."""
    require_api_perm(request, "interactions.view_attachment")
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404
    user = request.user
    visible = (
        user.has_perm("interactions.view_interactiontemplate")
        and attachment.template_languages.exists()
    ) or queries.entries_visible_to(user).filter(attachment=attachment).exists()
    if not visible:
        raise Http404
    content_type = (attachment.content_type or "application/octet-stream").lower()
    if attachment.file_extension.lower() in _ACTIVE_EXTENSIONS or any(
        word in content_type for word in _ACTIVE_TYPES
    ):
        content_type = "application/octet-stream"
    response = HttpResponse(files.read_content(attachment), content_type=content_type)
    response["Content-Disposition"] = (
        content_disposition_header(True, files.safe_file_name(attachment.file_name)) or "attachment"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- creating interactions ---------------------------------------------------------------------


def _entries(request: HttpRequest) -> QuerySet[InteractionLogEntry]:
    require_api_perm(request, "interactions.view_interactionlogentry")
    return queries.entries_visible_to(request.user).select_related("language")


def _entry(request: HttpRequest, entry_no: int, *, postponed: bool) -> InteractionLogEntry:
    entry = (
        _entries(request)
        .filter(pk=entry_no, postponed=postponed)
        .prefetch_related(
            Prefetch("comments", queryset=InteractionLogEntryComment.objects.order_by("line_no"))
        )
        .first()
    )
    if entry is None:
        raise Http404
    return entry


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
        data.contact = _contact_code(request, "contact_no", payload.contact_no)
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
        "comments",
    ):
        if name in sent:
            setattr(data, name, getattr(payload, name))
    if "language_code" in sent:
        data.language = resolve_code(Language, "language_code", payload.language_code)
        _explicit(data, "language", data.language is None)
    if "campaign_no" in sent:
        data.campaign = resolve_code(Campaign, "campaign_no", payload.campaign_no, "no")
        _explicit(data, "campaign", data.campaign is None)
    if "opportunity_no" in sent:
        data.opportunity = resolve_code(Opportunity, "opportunity_no", payload.opportunity_no, "no")
    if "evaluation" in sent or resume is None:
        data.evaluation = payload.evaluation
    # BC resets "successful" when a postponed interaction is resumed.
    data.attempt_failed = not payload.interaction_successful
    return data


def _explicit(data: services.InteractionInput, name: str, blank: bool) -> None:
    """A blank value sent on purpose is kept blank; a value replaces an earlier blank."""
    if blank:
        data.explicit.add(name)
    else:
        data.explicit.discard(name)


def _parse_interaction(raw: str) -> InteractionIn:
    try:
        return InteractionIn.model_validate_json(raw)
    except pydantic.ValidationError as exc:
        raise SchemaValidationError(
            [dict(e) for e in exc.errors(include_url=False, include_context=False)]
        ) from None


def _save_interaction(
    request: HttpRequest,
    payload: InteractionIn,
    *,
    upload: Upload | None = None,
    resume: InteractionLogEntry | None = None,
) -> InteractionLogEntry:
    data = _interaction_input(request, payload, resume)
    data.upload = upload
    with _payload_names():
        entry = services.create_interaction(
            actor=request.user, data=data, postpone=payload.postpone, resume=resume
        )
    return _entry(request, entry.pk, postponed=entry.postponed)


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
        contact=_contact_code(request, "contact_no", contact_no),
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
        "interaction_successful": not values.get("attempt_failed"),
        "has_attachment": attachment is not None,
        "attachment_id": attachment.pk if attachment is not None else None,
    }


@router.post("/interactions", response={201: InteractionLogEntryDetailOut})
def interaction_create(
    request: HttpRequest, payload: InteractionIn
) -> tuple[int, InteractionLogEntry]:
    """Create an interaction (`postpone: true`: "finish later", a postponed interaction).

    A field left out takes its default from the template (see `GET /interactions/defaults`).
    Send `null` or `""` for `description`, `salesperson_code` or `date` to leave it empty; the
    checks then run in BC's order and the 422 names the field: contact_no, template_code,
    salesperson_code, date, description, then the template's attachment rules. To attach a
    file of your own, use `POST /interactions/with-attachment`."""
    return 201, _save_interaction(request, payload)


@router.post("/interactions/with-attachment", response={201: InteractionLogEntryDetailOut})
def interaction_create_with_attachment(
    request: HttpRequest,
    data: str = Form(..., description="The JSON body of POST /interactions, as text."),
    file: UploadedFile = File(...),  # noqa: B008
) -> tuple[int, InteractionLogEntry]:
    """Multipart form: `data` holds the same JSON as `POST /interactions`, `file` the
    attachment (instead of the template's). Files above the upload limit are refused with 422
    on `file`."""
    require_api_perm(request, "interactions.add_interactionlogentry")
    payload = _parse_interaction(data)
    return 201, _save_interaction(request, payload, upload=_upload(file))


# --- the log -----------------------------------------------------------------------------------


@router.get(
    "/interaction-log-entries",
    response=PageOut[InteractionLogEntryOut],
    summary="List interaction log entries",
)
def entry_list(request: HttpRequest) -> dict[str, Any]:
    """The log (never postponed interactions). Filters: `q` (description), `contact`,
    `company`, `salesperson`, `template`, `group`, `campaign`, `date_from`, `date_to`,
    `canceled`, `attempt_failed`, `evaluation`, `entry_from`, `entry_to`; `sort` entry_no or
    date (`-` for descending; default `-entry_no`), `page`, `page_size`."""
    return paginate(request, queries.ENTRY_LIST, _entries(request).logged())  # type: ignore[attr-defined]


@router.get("/interaction-log-entries/{int:entry_no}", response=InteractionLogEntryDetailOut)
def entry_get(request: HttpRequest, entry_no: int) -> InteractionLogEntry:
    return _entry(request, entry_no, postponed=False)


def _selected(request: HttpRequest, entry_nos: list[int], *, postponed: bool) -> Any:
    """The visible entries numbered `entry_nos`; a number that is not there is a 422."""
    qs = _entries(request).filter(pk__in=entry_nos, postponed=postponed)
    missing = sorted(set(entry_nos) - set(qs.values_list("pk", flat=True)))
    if missing:
        raise field_error(
            "entry_nos",
            _("%(field)s: %(value)s does not exist.") % {"field": "entry_nos", "value": missing[0]},
            "does_not_exist",
        )
    return qs


@router.post("/interaction-log-entries/cancel", response=ChangedOut)
def entries_cancel(request: HttpRequest, payload: EntryNosIn) -> dict[str, int]:
    """Mark entries canceled: statistics stop counting them. `changed`: how many were not
    canceled before."""
    entries = _selected(request, payload.entry_nos, postponed=False)
    return {"changed": services.cancel_entries(actor=request.user, entries=entries)}


@router.post("/interaction-log-entries/restore", response=ChangedOut)
def entries_restore(request: HttpRequest, payload: EntryNosIn) -> dict[str, int]:
    entries = _selected(request, payload.entry_nos, postponed=False)
    with _payload_names():
        changed = services.restore_entries(actor=request.user, entries=entries)
    return {"changed": changed}


@router.post("/interaction-log-entries/evaluate", response=ChangedOut)
def entries_evaluate(request: HttpRequest, payload: EvaluateIn) -> dict[str, int]:
    """Set the evaluation (very_positive, positive, neutral, negative, very_negative or "")."""
    entries = _selected(request, payload.entry_nos, postponed=False)
    changed = services.evaluate_entries(
        actor=request.user, entries=entries, evaluation=payload.evaluation
    )
    return {"changed": changed}


@router.post("/interaction-log-entries/{int:entry_no}/comments", response={201: CommentOut})
def entry_comment_add(
    request: HttpRequest, entry_no: int, payload: CommentIn
) -> tuple[int, InteractionLogEntryComment]:
    entry = _entry(request, entry_no, postponed=False)
    comment = services.add_entry_comment(
        actor=request.user, entry=entry, comment=payload.comment, code=payload.code
    )
    return 201, comment


@router.delete(
    "/interaction-log-entries/{int:entry_no}/comments/{int:line_no}", response={204: None}
)
def entry_comment_delete(request: HttpRequest, entry_no: int, line_no: int) -> Any:
    entry = _entry(request, entry_no, postponed=False)
    comment = entry.comments.filter(line_no=line_no).first()
    if comment is None:
        raise Http404
    services.delete_entry_comment(actor=request.user, comment=comment)
    return 204, None


def _opportunities() -> QuerySet[Opportunity]:
    return Opportunity.objects.select_related(
        "contact", "contact_company", "salesperson", "campaign"
    ).prefetch_related("comments")


@router.post("/interaction-log-entries/{int:entry_no}/opportunity", response={201: OpportunityOut})
def entry_create_opportunity(request: HttpRequest, entry_no: int) -> tuple[int, Opportunity]:
    """Create an opportunity from the entry (its description, contact, salesperson, campaign,
    segment and comments). Only once per entry, never from a canceled entry or for a
    privacy-blocked contact (422)."""
    entry = _entry(request, entry_no, postponed=False)
    with _payload_names():
        opportunity = services.create_opportunity_from_entry(actor=request.user, entry=entry)
    return 201, _opportunities().get(pk=opportunity.pk)


@router.post(
    "/interaction-log-entries/delete-canceled",
    response={200: DeletedOut, 202: JobStartedOut},
)
def entries_delete_canceled(request: HttpRequest, payload: DeleteCanceledIn) -> Any:
    """Delete the canceled entries matching the filters, with their comments and the
    attachments no remaining entry uses; all or nothing. With `background: true`, or when more
    than 200 entries match, it runs as a background job: 202 with `job_id` (follow it at
    `GET /jobs/{job_id}`); else 200 with `deleted`. Administrators only."""
    filters = services.PurgeFilter(
        date_from=payload.date_from,
        date_to=payload.date_to,
        entry_from=payload.entry_from,
        entry_to=payload.entry_to,
        contact=resolve_code(Contact, "contact_no", payload.contact_no, "no"),
        template=resolve_code(InteractionTemplate, "template_code", payload.template_code),
        group=resolve_code(InteractionGroup, "group_code", payload.group_code),
        salesperson=resolve_code(Salesperson, "salesperson_code", payload.salesperson_code),
        campaign=resolve_code(Campaign, "campaign_no", payload.campaign_no, "no"),
    )
    if payload.background or filters.queryset().count() > BACKGROUND_THRESHOLD:
        job = services.start_delete_canceled_entries(actor=request.user, filters=filters)
        return 202, {"job_id": job.pk}
    return 200, {"deleted": services.delete_canceled_entries(actor=request.user, filters=filters)}


# --- postponed interactions --------------------------------------------------------------------


@router.get(
    "/postponed-interactions",
    response=PageOut[InteractionLogEntryOut],
    summary="List postponed interactions",
)
def postponed_list(request: HttpRequest) -> dict[str, Any]:
    """Interactions saved with "finish later". Same filters and sorts as the log (`contact`,
    `salesperson`, `template`, `date_from`, ...)."""
    return paginate(request, queries.ENTRY_LIST, _entries(request).postponed())  # type: ignore[attr-defined]


@router.get("/postponed-interactions/{int:entry_no}", response=InteractionLogEntryDetailOut)
def postponed_get(request: HttpRequest, entry_no: int) -> InteractionLogEntry:
    return _entry(request, entry_no, postponed=True)


@router.post("/postponed-interactions/{int:entry_no}/resume", response=InteractionLogEntryDetailOut)
def postponed_resume(
    request: HttpRequest, entry_no: int, payload: InteractionIn
) -> InteractionLogEntry:
    """Finish a postponed interaction: the same entry (same Entry No.) becomes a logged one.
    Body as `POST /interactions`; fields left out keep the postponed values (BC resets date
    and time to now and `interaction_successful` to true),
    unless another `template_code` is sent, which brings that template's defaults. Its
    attachment is kept; sent `comments` replace the old ones. `postpone: true` saves it again
    as postponed."""
    entry = _entry(request, entry_no, postponed=True)
    return _save_interaction(request, payload, resume=entry)


@router.post(
    "/postponed-interactions/{int:entry_no}/resume/with-attachment",
    response=InteractionLogEntryDetailOut,
)
def postponed_resume_with_attachment(
    request: HttpRequest,
    entry_no: int,
    data: str = Form(..., description="The JSON body of the resume endpoint, as text."),
    file: UploadedFile = File(...),  # noqa: B008
) -> InteractionLogEntry:
    """Multipart form like `POST /interactions/with-attachment`; the file replaces the
    postponed interaction's attachment."""
    require_api_perm(request, "interactions.add_interactionlogentry")
    entry = _entry(request, entry_no, postponed=True)
    payload = _parse_interaction(data)
    return _save_interaction(request, payload, upload=_upload(file), resume=entry)


@router.delete("/postponed-interactions/{int:entry_no}", response={204: None})
def postponed_delete(request: HttpRequest, entry_no: int) -> Any:
    """Delete a postponed interaction with its comments and its unshared attachment."""
    entry = _entry(request, entry_no, postponed=True)
    services.delete_postponed_interactions(
        actor=request.user, entries=InteractionLogEntry.objects.filter(pk=entry.pk)
    )
    return 204, None


@router.post("/postponed-interactions/delete", response=DeletedOut)
def postponed_delete_many(request: HttpRequest, payload: EntryNosIn) -> dict[str, int]:
    entries = _selected(request, payload.entry_nos, postponed=True)
    return {"deleted": services.delete_postponed_interactions(actor=request.user, entries=entries)}


# --- contacts and salespeople ------------------------------------------------------------------


@router.get("/contacts/{no}/statistics", response=StatisticsOut, tags=["Contacts"])
def contact_statistics(
    request: HttpRequest,
    no: str,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict[str, Any]:
    """The contact's interaction statistics; a company's include its persons' entries."""
    require_api_perm(request, "interactions.view_interactionlogentry")
    contact = _contact(request, no)
    stats = queries.contact_statistics(contact, date_from=date_from, date_to=date_to)
    return _statistics(stats, queries.contact_entries(contact), date_from, date_to)


@router.get(
    "/contacts/{no}/interaction-log-entries",
    response=PageOut[InteractionLogEntryOut],
    tags=["Contacts"],
)
def contact_entry_list(request: HttpRequest, no: str) -> dict[str, Any]:
    """The contact's log (a company's includes its persons'); filters as the log."""
    require_api_perm(request, "interactions.view_interactionlogentry")
    contact = _contact(request, no)
    qs = (
        queries.contact_entries(contact)
        .logged()  # type: ignore[attr-defined]
        .select_related(*queries.ENTRY_RELATED)
    )
    return paginate(request, queries.ENTRY_LIST, qs)


@router.post(
    "/contacts/{no}/phone-calls", response={201: InteractionLogEntryDetailOut}, tags=["Contacts"]
)
def contact_phone_call(
    request: HttpRequest, no: str, payload: PhoneCallIn
) -> tuple[int, InteractionLogEntry]:
    """Log a phone call with the Outg. Calls template of the Interaction Template Setup
    (422 on `outgoing_calls` when none is set up). `phone_no` blank: the contact's number."""
    require_api_perm(request, "interactions.view_interactionlogentry")
    # make_phone_call checks the setup before create_interaction checks the permission.
    require_api_perm(request, "interactions.add_interactionlogentry")
    contact = _contact(request, no)
    salesperson = resolve_code(Salesperson, "salesperson_code", payload.salesperson_code)
    with _payload_names():
        entry = services.make_phone_call(
            actor=request.user,
            contact=contact,
            phone_no=payload.phone_no,
            duration=payload.duration,
            attempt_failed=not payload.interaction_successful,
            description=payload.description or None,
            comments=payload.comments,
            salesperson=salesperson,
        )
    return 201, _entry(request, entry.pk, postponed=False)


@router.get("/salespeople/{code}/statistics", response=StatisticsOut, tags=["Salespeople"])
def salesperson_statistics(
    request: HttpRequest,
    code: str,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict[str, Any]:
    require_api_perm(request, "accounts.view_salesperson")
    require_api_perm(request, "interactions.view_interactionlogentry")
    salesperson = Salesperson.objects.filter(code=code.upper()).first()
    if salesperson is None:
        raise Http404
    stats = queries.salesperson_statistics(salesperson, date_from=date_from, date_to=date_to)
    return _statistics(
        stats,
        InteractionLogEntry.objects.filter(salesperson=salesperson),
        date_from,
        date_to,
    )


# --- opportunities -----------------------------------------------------------------------------


@router.get("/opportunities/{no}", response=OpportunityOut, tags=["Opportunities"])
def opportunity_get(request: HttpRequest, no: str) -> Opportunity:
    require_api_perm(request, "interactions.view_opportunity")
    opportunity = _opportunities().filter(no=no.upper()).first()
    if opportunity is None:
        raise Http404
    return opportunity
