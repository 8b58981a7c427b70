"""Contacts API: contacts, business relations, marketing setup."""

from __future__ import annotations

from typing import Any, Literal

from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from rapport.accounts.models import Salesperson
from rapport.contacts import exporting, importing, queries, services, tasks
from rapport.contacts.models import (
    BusinessRelation,
    Contact,
    ContactAltAddress,
    ContactBusinessRelation,
    MarketingSetup,
)
from rapport.contacts.schemas import (
    BusinessRelationIn,
    BusinessRelationOut,
    BusinessRelationPatch,
    ContactAltAddressIn,
    ContactAltAddressOut,
    ContactAltAddressPatch,
    ContactBusinessRelationIn,
    ContactBusinessRelationOut,
    ContactImportOut,
    ContactIn,
    ContactOut,
    ContactPatch,
    MarketingSetupOut,
    MarketingSetupPatch,
)
from rapport.contacts.tables import BUSINESS_RELATIONS
from rapport.core.api_errors import RecordNotFound
from rapport.core.api_helpers import (
    PageOut,
    check_query_params,
    code_table_routes,
    no_such_record,
    paginate,
    require_api_perm,
    resolve_code,
)
from rapport.core.models import Language, NumberSeries
from rapport.core.validation import field_error

router = Router(tags=["Contacts"])


def _relations(data: dict[str, Any]) -> dict[str, Any]:
    """Turn the codes of a payload into the objects the services take."""
    if "company_no" in data:
        data["company"] = resolve_code(Contact, "company_no", data.pop("company_no"), "no")
    if "salesperson_code" in data:
        data["salesperson"] = resolve_code(
            Salesperson, "salesperson_code", data.pop("salesperson_code")
        )
    if "language_code" in data:
        data["language"] = resolve_code(Language, "language_code", data.pop("language_code"))
    return data


def _contact(request: HttpRequest, no: str) -> Contact:
    # No. is unique: no ORDER BY (ordering a query this wide costs more to build than to run).
    contact = next(iter(queries.contacts_visible_to(request.user).filter(no=no.upper())[:1]), None)
    if contact is None:
        raise RecordNotFound(no_such_record(Contact, no.upper(), "no"))
    return contact


@router.get("/contacts", response=PageOut[ContactOut], summary="List contacts")
def contact_list(request: HttpRequest) -> dict[str, Any]:
    """Query parameters: `q` (search), `type`, `company`, `salesperson`, `city`, `post_code`,
    `country`, `language`, `correspondence_type`, `exclude_from_segment`, `privacy_blocked`,
    `sort` (company, no, name, city, post_code, salesperson, modified; `-` for descending),
    `page`, `page_size` (max 200)."""
    require_api_perm(request, "contacts.view_contact")
    return paginate(request, queries.CONTACT_LIST, queries.contact_list_rows(request.user))


# --- import and export (before /contacts/{contact_no}, which would otherwise take these paths) -------
@router.post(
    "/contacts/import",
    response={200: ContactImportOut, 202: ContactImportOut},
    summary="Import contacts from a CSV or XLSX file",
)
def contact_import(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008
    dry_run: bool = Form(True),
) -> Status[dict[str, Any]]:
    """Multipart upload. `dry_run` (default true) only checks the file. A file with any error
    imports nothing; `errors` lists them by spreadsheet row (the header is row 1). A large file
    (not a dry run) is imported by a background job: 202 with `job_id`."""
    require_api_perm(request, "contacts.import_contacts")
    importing.check_size(file.size or 0)
    content = file.read()
    if importing.file_kind(content) == importing.XLSX:
        # A workbook is parsed by the task worker, never in the web process (dry run too).
        job = tasks.start_contact_import_job(
            actor=request.user, content=content, filename=file.name or "", dry_run=dry_run
        )
        return Status(
            202, {"rows": 0, "created": 0, "errors": [], "dry_run": dry_run, "job_id": job.pk}
        )
    result = services.submit_contact_import(
        actor=request.user, content=content, filename=file.name or "", dry_run=dry_run
    )
    return Status((202 if result["job_id"] else 200), result)


@router.get("/contacts/export", summary="Export contacts as CSV or XLSX")
def contact_export(request: HttpRequest, format: Literal["csv", "xlsx"] = "csv") -> HttpResponse:
    """The contacts the list's query parameters select (`q`, filters and `sort` as in
    `GET /contacts`), with the columns an import accepts."""
    require_api_perm(request, "contacts.view_contact")
    check_query_params(request, queries.CONTACT_LIST)
    qs = exporting.contacts_to_export(request.user, request.GET)
    return exporting.export_response(qs, format)  # type: ignore[return-value]


@router.get("/contacts/{contact_no}", response=ContactOut)
def contact_get(request: HttpRequest, contact_no: str) -> Contact:
    require_api_perm(request, "contacts.view_contact")
    return _contact(request, contact_no)


@router.post("/contacts", response={201: ContactOut})
def contact_create(request: HttpRequest, payload: ContactIn) -> Status[Contact]:
    """A field left out takes the Marketing Setup default; `salesperson_code` or
    `correspondence_type` sent as `""` stays blank."""
    blank = [
        name
        for name, field in (
            ("salesperson", "salesperson_code"),
            ("correspondence_type", "correspondence_type"),
        )
        if field in payload.model_fields_set and not getattr(payload, field)
    ]
    data = _relations(payload.dict())
    contact = services.create_contact(actor=request.user, blank=blank, **data)
    return Status(201, queries.contacts_visible_to(request.user).get(pk=contact.pk))


@router.patch("/contacts/{contact_no}", response=ContactOut)
def contact_update(request: HttpRequest, contact_no: str, payload: ContactPatch) -> Contact:
    require_api_perm(request, "contacts.view_contact")
    contact = _contact(request, contact_no)
    data = _relations(payload.dict(exclude_unset=True))
    services.update_contact(actor=request.user, contact=contact, **data)
    return queries.contacts_visible_to(request.user).get(pk=contact.pk)


@router.delete("/contacts/{contact_no}", response={204: None})
def contact_delete(request: HttpRequest, contact_no: str) -> Status[None]:
    require_api_perm(request, "contacts.view_contact")
    services.delete_contact(actor=request.user, contact=_contact(request, contact_no))
    return Status(204, None)


@router.get("/contacts/{contact_no}/business-relations", response=list[ContactBusinessRelationOut])
def contact_relations(request: HttpRequest, contact_no: str) -> Any:
    require_api_perm(request, "contacts.view_contactbusinessrelation")
    contact = _contact(request, contact_no)
    return ContactBusinessRelation.objects.filter(
        contact_id=contact.company_id or contact.pk
    ).select_related("contact", "business_relation")


@router.post(
    "/contacts/{contact_no}/business-relations", response={201: ContactBusinessRelationOut}
)
def contact_relation_add(
    request: HttpRequest, contact_no: str, payload: ContactBusinessRelationIn
) -> Status[ContactBusinessRelation]:
    require_api_perm(request, "contacts.view_contact")
    contact = _contact(request, contact_no)
    relation = resolve_code(
        BusinessRelation, "business_relation_code", payload.business_relation_code
    )
    if relation is None:
        raise field_error(
            "business_relation_code",
            _("You must fill in the %(field)s field.") % {"field": _("Business Relation Code")},
            "required",
        )
    link = services.add_contact_business_relation(
        actor=request.user,
        contact=contact,
        business_relation=relation,
        link_to_table=payload.link_to_table,
        no=payload.no,
    )
    return Status(201, link)


@router.delete("/contacts/{contact_no}/business-relations/{link_id}", response={204: None})
def contact_relation_delete(request: HttpRequest, contact_no: str, link_id: int) -> Status[None]:
    require_api_perm(request, "contacts.view_contact")
    contact = _contact(request, contact_no)
    link = ContactBusinessRelation.objects.filter(
        pk=link_id, contact_id=contact.company_id or contact.pk
    ).first()
    if link is None:
        raise Http404
    services.remove_contact_business_relation(actor=request.user, link=link)
    return Status(204, None)


# --- alternative addresses ----------------------------------------------------------------------


def _alt_address(request: HttpRequest, contact_no: str, code: str) -> ContactAltAddress:
    contact = _contact(request, contact_no)
    alt = (
        ContactAltAddress.objects.select_related("contact")
        .filter(contact=contact, code=code.upper())
        .first()
    )
    if alt is None:
        raise RecordNotFound(no_such_record(ContactAltAddress, code.upper()))
    return alt


@router.get(
    "/contacts/{contact_no}/alt-addresses",
    response=list[ContactAltAddressOut],
    summary="List a contact's alternative addresses",
)
def alt_address_list(request: HttpRequest, contact_no: str) -> Any:
    require_api_perm(request, "contacts.view_contact")
    contact = _contact(request, contact_no)
    return contact.alt_addresses.select_related("contact")


@router.post(
    "/contacts/{contact_no}/alt-addresses",
    response={201: ContactAltAddressOut},
    summary="Create an alternative address for a contact",
)
def alt_address_create(
    request: HttpRequest, contact_no: str, payload: ContactAltAddressIn
) -> Status[ContactAltAddress]:
    require_api_perm(request, "contacts.view_contact")
    contact = _contact(request, contact_no)
    alt = services.create_contact_alt_address(actor=request.user, contact=contact, **payload.dict())
    return Status(201, alt)


@router.get(
    "/contacts/{contact_no}/alt-addresses/{alt_address_code}",
    response=ContactAltAddressOut,
    summary="Get an alternative address of a contact",
)
def alt_address_get(request: HttpRequest, contact_no: str, alt_address_code: str) -> Any:
    require_api_perm(request, "contacts.view_contact")
    return _alt_address(request, contact_no, alt_address_code)


@router.patch(
    "/contacts/{contact_no}/alt-addresses/{alt_address_code}",
    response=ContactAltAddressOut,
    summary="Update an alternative address of a contact",
)
def alt_address_update(
    request: HttpRequest, contact_no: str, alt_address_code: str, payload: ContactAltAddressPatch
) -> Any:
    require_api_perm(request, "contacts.view_contact")
    alt = _alt_address(request, contact_no, alt_address_code)
    try:
        return services.update_contact_alt_address(
            actor=request.user, alt_address=alt, **payload.dict(exclude_unset=True)
        )
    except ContactAltAddress.DoesNotExist:  # deleted meanwhile
        raise RecordNotFound(no_such_record(ContactAltAddress, alt.code)) from None


@router.delete(
    "/contacts/{contact_no}/alt-addresses/{alt_address_code}",
    response={204: None},
    summary="Delete an alternative address of a contact",
)
def alt_address_delete(
    request: HttpRequest, contact_no: str, alt_address_code: str
) -> Status[None]:
    require_api_perm(request, "contacts.view_contact")
    alt = _alt_address(request, contact_no, alt_address_code)
    services.delete_contact_alt_address(actor=request.user, alt_address=alt)
    return Status(204, None)


code_table_routes(
    router,
    BUSINESS_RELATIONS,
    BusinessRelationIn,
    BusinessRelationOut,
    BusinessRelationPatch,
    "Setup",
)

# --- marketing setup ---------------------------------------------------------------------------

_SETUP_LOOKUPS: dict[str, type[models.Model]] = {
    "contact_nos": NumberSeries,
    "campaign_nos": NumberSeries,
    "segment_nos": NumberSeries,
    "opportunity_nos": NumberSeries,
    "task_nos": NumberSeries,
    "bus_rel_code_for_customers": BusinessRelation,
    "bus_rel_code_for_vendors": BusinessRelation,
    "bus_rel_code_for_bank_accounts": BusinessRelation,
    "bus_rel_code_for_employees": BusinessRelation,
    "default_salesperson": Salesperson,
    "default_language": Language,
}


def _setup_out(setup: MarketingSetup) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in MarketingSetupOut.model_fields:
        if name in _SETUP_LOOKUPS:
            related = getattr(setup, name)
            out[name] = related.code if related is not None else ""
        else:
            out[name] = getattr(setup, name)
    return out


@router.get("/setup", response=MarketingSetupOut, tags=["Setup"])
def setup_get(request: HttpRequest) -> dict[str, Any]:
    require_api_perm(request, "contacts.view_marketingsetup")
    return _setup_out(queries.marketing_setup())


@router.patch("/setup", response=MarketingSetupOut, tags=["Setup"])
def setup_update(request: HttpRequest, payload: MarketingSetupPatch) -> dict[str, Any]:
    data = payload.dict(exclude_unset=True)
    for name, model in _SETUP_LOOKUPS.items():
        if name in data:
            data[name] = resolve_code(model, name, data[name] or "")
    return _setup_out(services.update_marketing_setup(actor=request.user, **data))
