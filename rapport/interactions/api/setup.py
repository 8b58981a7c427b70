"""Interaction groups, templates, template languages and the template setup."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import File, Form, Status
from ninja.files import UploadedFile

from rapport.campaigns.models import Campaign
from rapport.core.api_helpers import (
    PageOut,
    code_table_routes,
    paginate,
    require_api_perm,
    resolve_code,
)
from rapport.core.models import Language
from rapport.interactions import queries, services
from rapport.interactions.api.common import (
    decode_file,
    payload_names,
    read_upload,
    router,
    statistics_out,
)
from rapport.interactions.models import (
    SETUP_TEMPLATE_FIELDS,
    InteractionGroup,
    InteractionTemplate,
    InteractionTemplateLanguage,
)
from rapport.interactions.schemas import (
    InteractionGroupIn,
    InteractionGroupOut,
    InteractionGroupPatch,
    InteractionTemplateIn,
    InteractionTemplateOut,
    InteractionTemplatePatch,
    StatisticsOut,
    TemplateLanguageIn,
    TemplateLanguageOut,
    TemplateSetupOut,
    TemplateSetupPatch,
    template_setup_out,
)
from rapport.interactions.tables import INTERACTION_GROUPS, TEMPLATE_LIST

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
    "/interaction-groups/{interaction_group_code}/statistics",
    response=StatisticsOut,
    tags=["Interaction setup"],
)
def group_statistics(
    request: HttpRequest,
    interaction_group_code: str,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict[str, Any]:
    """No. of interactions, cost and duration of the group's counted entries (neither canceled
    nor postponed) in the date range, and the last 12 months (up to `date_to`) month by month."""
    require_api_perm(request, "interactions.view_interactiongroup")
    require_api_perm(request, "interactions.view_interactionlogentry")
    group = InteractionGroup.objects.filter(code=interaction_group_code.upper()).first()
    if group is None:
        raise Http404
    return statistics_out(queries.group_scope(group), date_from, date_to)


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
    "/interaction-templates/{template_code}",
    response=InteractionTemplateOut,
    tags=["Interaction setup"],
)
def template_get(request: HttpRequest, template_code: str) -> InteractionTemplate:
    return _template(request, template_code)


@router.post(
    "/interaction-templates", response={201: InteractionTemplateOut}, tags=["Interaction setup"]
)
def template_create(
    request: HttpRequest, payload: InteractionTemplateIn
) -> Status[InteractionTemplate]:
    """Codes (`group_code`, `campaign_no`, `language_code`) must exist. A default language
    gets its template language row."""
    data = _template_fields(payload.dict())
    with payload_names():
        template = services.create_interaction_template(actor=request.user, **data)
    return Status(201, _templates().get(pk=template.pk))


@router.patch(
    "/interaction-templates/{template_code}",
    response=InteractionTemplateOut,
    tags=["Interaction setup"],
)
def template_update(
    request: HttpRequest, template_code: str, payload: InteractionTemplatePatch
) -> InteractionTemplate:
    """Only the fields sent change. The wizard action is checked against the attachment of the
    default language (Merge needs an e-mail-merge HTML attachment)."""
    template = _template(request, template_code)
    data = _template_fields(payload.dict(exclude_unset=True))
    with payload_names():
        services.update_interaction_template(actor=request.user, template=template, **data)
    return _templates().get(pk=template.pk)


@router.delete(
    "/interaction-templates/{template_code}", response={204: None}, tags=["Interaction setup"]
)
def template_delete(request: HttpRequest, template_code: str) -> Status[None]:
    """Deletes the template with its languages and their attachments; 422 while in use."""
    template = _template(request, template_code)
    with payload_names():
        services.delete_interaction_template(actor=request.user, template=template)
    return Status(204, None)


@router.get(
    "/interaction-templates/{template_code}/statistics",
    response=StatisticsOut,
    tags=["Interaction setup"],
)
def template_statistics(
    request: HttpRequest,
    template_code: str,
    date_from: datetime.date | None = None,
    date_to: datetime.date | None = None,
) -> dict[str, Any]:
    """Like the group statistics, for one template."""
    template = _template(request, template_code)
    require_api_perm(request, "interactions.view_interactionlogentry")
    return statistics_out(queries.template_scope(template), date_from, date_to)


def _languages(template: InteractionTemplate) -> QuerySet[InteractionTemplateLanguage]:
    return (
        InteractionTemplateLanguage.objects.filter(template=template)
        .select_related("template", "language", "attachment__file")
        .defer("attachment__file__content")
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
    "/interaction-templates/{template_code}/languages",
    response=list[TemplateLanguageOut],
    tags=["Interaction setup"],
)
def template_languages(request: HttpRequest, template_code: str) -> Any:
    return _languages(_template(request, template_code))


@router.post(
    "/interaction-templates/{template_code}/languages",
    response={200: TemplateLanguageOut, 201: TemplateLanguageOut},
    tags=["Interaction setup"],
)
def template_language_save(
    request: HttpRequest,
    template_code: str,
    language_code: str = Form(""),
    description: str = Form(""),
    replace: bool = Form(False),
    file: UploadedFile | None = File(None),  # noqa: B008
) -> Status[InteractionTemplateLanguage]:
    """Multipart form. Adds or changes the template's row for `language_code` (blank or `-`: the
    row without a language). An uploaded `file` becomes its attachment; replacing an existing
    attachment needs `replace=true`. An HTML file on the default language makes the template's
    wizard action Merge. 201 when the row is new, else 200. Files above the upload limit: 422."""
    template = _template(request, template_code)
    language_code = "" if language_code.strip() == "-" else language_code
    language = resolve_code(Language, "language_code", language_code)
    created = not InteractionTemplateLanguage.objects.filter(
        template=template, language=language
    ).exists()
    upload = read_upload(file) if file is not None else None
    with payload_names():
        row = services.save_template_language(
            actor=request.user,
            template=template,
            language=language,
            description=description,
            upload=upload,
            replace=replace,
        )
    return Status((201 if created else 200), _languages(template).get(pk=row.pk))


@router.put(
    "/interaction-templates/{template_code}/languages/{language_code}",
    response={200: TemplateLanguageOut, 201: TemplateLanguageOut},
    tags=["Interaction setup"],
    summary="Save interaction template language (JSON, file as base64)",
)
def template_language_put(
    request: HttpRequest, template_code: str, language_code: str, payload: TemplateLanguageIn
) -> Status[InteractionTemplateLanguage]:
    """The JSON form of `POST .../languages`: `file` holds the attachment as base64
    (`{file_name, content_type, content}`); `-` as `language_code` names the row without a
    language. 201 when the row is new, else 200."""
    template = _template(request, template_code)
    code = "" if language_code.strip() == "-" else language_code
    language = resolve_code(Language, "language_code", code)
    created = not InteractionTemplateLanguage.objects.filter(
        template=template, language=language
    ).exists()
    upload = decode_file(payload.file) if payload.file is not None else None
    with payload_names():
        row = services.save_template_language(
            actor=request.user,
            template=template,
            language=language,
            description=payload.description,
            upload=upload,
            replace=payload.replace,
        )
    return Status(201 if created else 200, _languages(template).get(pk=row.pk))


@router.delete(
    "/interaction-templates/{template_code}/languages/{language_code}",
    response={204: None},
    tags=["Interaction setup"],
)
def template_language_delete(request: HttpRequest, template_code: str, language_code: str) -> Any:
    """Deletes the row (`-` for the row without a language) and its unshared attachment."""
    row = _language_row(_template(request, template_code), language_code)
    services.delete_template_language(actor=request.user, row=row)
    return Status(204, None)


@router.delete(
    "/interaction-templates/{template_code}/languages/{language_code}/attachment",
    response={204: None},
    tags=["Interaction setup"],
)
def template_attachment_remove(request: HttpRequest, template_code: str, language_code: str) -> Any:
    """Removes the row's attachment (deleted when nothing else uses it)."""
    row = _language_row(_template(request, template_code), language_code)
    services.remove_template_attachment(actor=request.user, row=row)
    return Status(204, None)


# --- template setup ----------------------------------------------------------------------------


@router.get("/interaction-template-setup", response=TemplateSetupOut, tags=["Interaction setup"])
def template_setup_get(request: HttpRequest) -> Any:
    """Reads the Interaction Template Setup: a template per system event and document type."""
    require_api_perm(request, "interactions.view_interactiontemplatesetup")
    return template_setup_out(queries.template_setup(), queries.extra_document_types())


@router.patch("/interaction-template-setup", response=TemplateSetupOut, tags=["Interaction setup"])
def template_setup_update(request: HttpRequest, payload: TemplateSetupPatch) -> Any:
    """Changes the fields sent: `<field>_code` is a template code (blank or null: none);
    `extra_document_types` replaces the list of extra document types."""
    data = payload.dict(exclude_unset=True)
    fields: dict[str, Any] = {}
    for name in SETUP_TEMPLATE_FIELDS:
        key = f"{name}_code"
        if key in data:
            fields[name] = resolve_code(InteractionTemplate, key, data.pop(key))
    if "skip_unrecorded_documents" in data:
        fields["skip_unrecorded_documents"] = bool(data.pop("skip_unrecorded_documents"))
    extra = data.pop("extra_document_types", None)
    if extra is not None:
        fields["extra_document_types"] = [
            services.ExtraDocumentTypeInput(
                code=row["code"],
                description=row["description"],
                template=resolve_code(
                    InteractionTemplate, "extra_document_types", row["template_code"]
                ),
            )
            for row in extra
        ]
    with payload_names():
        services.update_template_setup(actor=request.user, **fields)
    return template_setup_out(queries.template_setup(), queries.extra_document_types())
