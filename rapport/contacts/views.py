"""Contact pages: list, card with tabs, create/edit/delete, business relations, setup."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rapport.accounts.models import Salesperson
from rapport.contacts import queries, services
from rapport.contacts.forms import (
    ContactAltAddressForm,
    ContactBusinessRelationForm,
    ContactForm,
    MarketingSetupForm,
)
from rapport.contacts.models import Contact, ContactAltAddress, ContactBusinessRelation, ContactType
from rapport.core.htmx import add_service_error, confirm_first, flash_error, render_page
from rapport.core.listing import Page
from rapport.core.validation import first_error

TABS = ("general", "persons", "relations", "alt_addresses", "interactions", "segments")

# Later apps fill tabs of the contact card: tab -> provider(request, contact) -> context with
# "tab_template" (the interactions app registers "interactions").
TAB_PROVIDERS: dict[str, Callable[[HttpRequest, Contact], dict[str, Any]]] = {}

# Later apps add buttons to the contact card's action bar: provider(request, contact) ->
# [(url, label, method)], method "get" (a link) or "post" (a button that asks first). The
# privacy app adds "Export personal data" and "Erase personal data".
CARD_ACTIONS: list[Callable[[HttpRequest, Contact], list[tuple[str, Any, str]]]] = []

# Later apps add sections to the Marketing Setup page for setup fields they own (the
# interactions app: Default Sales Cycle Code): provider(request) -> {"template": ..., ...}.
SETUP_SECTIONS: list[Callable[[HttpRequest], dict[str, Any]]] = []


def _require(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _contact(request: HttpRequest, no: str) -> Contact:
    return get_object_or_404(queries.contacts_visible_to(request.user), no=no.upper())


def contact_list(request: HttpRequest) -> HttpResponse:
    _require(request, "contacts.view_contact")
    qs = queries.contact_list_rows(request.user)
    try:
        page = queries.CONTACT_LIST.page(qs, request.GET)
    except ValidationError as exc:
        page = Page.invalid(queries.CONTACT_LIST, request.GET, first_error(exc)[1])
    context = {
        "page": page,
        "types": ContactType.choices,
        # Translated once per page, not once per row (get_type_display costs a gettext each).
        "person_label": str(ContactType.PERSON.label),
        "company_label": str(ContactType.COMPANY.label),
        "salespeople": Salesperson.objects.all(),
        "can_add": request.user.has_perm("contacts.add_contact"),
        "can_import": request.user.has_perm("contacts.import_contacts"),
        "query_string": request.GET.urlencode(),
    }
    return render_page(request, "contacts/contact_list.html", context, partial="results")


def contact_detail(request: HttpRequest, no: str) -> HttpResponse:
    contact = _contact(request, no)
    tab = request.GET.get("tab", "general")
    if tab not in TABS:
        tab = "general"
    context: dict[str, Any] = {
        "contact": contact,
        "tab": tab,
        "relation_summary": queries.relation_summary(contact),
        "can_change": request.user.has_perm("contacts.change_contact"),
        "can_delete": request.user.has_perm("contacts.delete_contact"),
        "card_actions": [
            action for provider in CARD_ACTIONS for action in provider(request, contact)
        ],
    }
    if tab in TAB_PROVIDERS:
        context.update(TAB_PROVIDERS[tab](request, contact))
    if tab == "persons" and contact.is_company:
        context["persons"] = (
            Contact.objects.filter(company=contact, type=ContactType.PERSON)
            .select_related("salesperson")
            .order_by("name")
        )
    if tab == "relations" and contact.company_id:
        context["relations"] = ContactBusinessRelation.objects.filter(
            contact_id=contact.company_id
        ).select_related("business_relation")
        context["relation_form"] = ContactBusinessRelationForm()
        context["can_add_relation"] = request.user.has_perm("contacts.add_contactbusinessrelation")
    if tab == "alt_addresses":
        context["alt_addresses"] = contact.alt_addresses.all()
    return render_page(request, "contacts/contact_detail.html", context, partial="tab")


def _save_contact(request: HttpRequest, contact: Contact | None) -> HttpResponse:
    form = ContactForm(request.POST or None, instance=contact)
    if contact is None and request.method == "GET":
        # Show the defaults a new contact gets, so that clearing one keeps it blank.
        form.initial.update(services.new_contact_defaults(actor=request.user))
        kind = request.GET.get("type")
        if kind in ContactType.values:
            form.initial["type"] = kind
        if request.GET.get("company"):
            form.initial["company_no"] = request.GET["company"]
            form.initial["type"] = ContactType.PERSON
    if request.method == "POST" and form.is_valid():
        try:
            if contact is None:
                blank = [
                    name
                    for name in ("salesperson", "correspondence_type")
                    if name in request.POST and not form.cleaned_data.get(name)
                ]
                saved = services.create_contact(
                    actor=request.user, blank=blank, **form.service_kwargs()
                )
                messages.success(request, _("Contact %(no)s was created.") % {"no": saved.no})
            else:
                saved = services.update_contact(
                    actor=request.user, contact=contact, **form.service_kwargs()
                )
                messages.success(request, _("Contact %(no)s was saved.") % {"no": saved.no})
            return redirect("contacts:contact_detail", no=saved.no)
        except ValidationError as exc:
            add_service_error(form, exc)
    return render_page(
        request,
        "contacts/contact_form.html",
        {"form": form, "contact": contact},
        status=422 if form.errors else 200,
    )


def contact_new(request: HttpRequest) -> HttpResponse:
    _require(request, "contacts.add_contact")
    return _save_contact(request, None)


def contact_edit(request: HttpRequest, no: str) -> HttpResponse:
    _require(request, "contacts.change_contact")
    return _save_contact(request, _contact(request, no))


@require_POST
def contact_delete(request: HttpRequest, no: str) -> HttpResponse:
    _require(request, "contacts.delete_contact")
    contact = _contact(request, no)
    if contact.is_company:
        question = _("Delete contact %(no)s and all its persons?") % {"no": contact.no}
    else:
        question = _("Delete contact %(no)s?") % {"no": contact.no}
    asked = confirm_first(request, question, back=contact.get_absolute_url(), items=[str(contact)])
    if asked is not None:
        return asked
    try:
        count = services.delete_contact(actor=request.user, contact=contact)
    except ValidationError as exc:
        flash_error(request, exc)
        return redirect("contacts:contact_detail", no=contact.no)
    except ProtectedError:
        messages.error(
            request, _("Contact %(no)s is in use and cannot be deleted.") % {"no": contact.no}
        )
        return redirect("contacts:contact_detail", no=contact.no)
    messages.success(
        request,
        _("Contact %(no)s was deleted (%(count)s contacts in all).")
        % {"no": contact.no, "count": count},
    )
    return redirect("contacts:contact_list")


@require_POST
def contact_relation_add(request: HttpRequest, no: str) -> HttpResponse:
    _require(request, "contacts.add_contactbusinessrelation")
    contact = _contact(request, no)
    form = ContactBusinessRelationForm(request.POST)
    if form.is_valid():
        try:
            services.add_contact_business_relation(
                actor=request.user, contact=contact, **form.cleaned_data
            )
            messages.success(request, _("The business relation was added."))
        except ValidationError as exc:
            flash_error(request, exc)
    else:
        messages.error(request, _("Choose a business relation."))
    return redirect(f"{contact.get_absolute_url()}?tab=relations")


@require_POST
def contact_relation_delete(request: HttpRequest, no: str, pk: int) -> HttpResponse:
    _require(request, "contacts.delete_contactbusinessrelation")
    contact = _contact(request, no)
    link = get_object_or_404(ContactBusinessRelation, pk=pk, contact_id=contact.company_id)
    back = f"{contact.get_absolute_url()}?tab=relations"
    asked = confirm_first(request, _("Remove this business relation?"), back=back)
    if asked is not None:
        return asked
    services.remove_contact_business_relation(actor=request.user, link=link)
    messages.success(request, _("The business relation was removed."))
    return redirect(f"{contact.get_absolute_url()}?tab=relations")


def _alt_addresses_url(contact: Contact) -> str:
    return f"{contact.get_absolute_url()}?tab=alt_addresses"


def _save_alt_address(
    request: HttpRequest, contact: Contact, alt: ContactAltAddress | None
) -> HttpResponse:
    form = ContactAltAddressForm(request.POST if request.method == "POST" else None, instance=alt)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            if alt is None:
                saved = services.create_contact_alt_address(
                    actor=request.user, contact=contact, **data
                )
            else:
                saved = services.update_contact_alt_address(
                    actor=request.user, alt_address=alt, **data
                )
            messages.success(
                request, _("Alternative address %(code)s was saved.") % {"code": saved.code}
            )
            return redirect(_alt_addresses_url(contact))
        except ValidationError as exc:
            add_service_error(form, exc)
    return render_page(
        request,
        "contacts/alt_address_form.html",
        {"form": form, "contact": contact, "alt_address": alt, "back": _alt_addresses_url(contact)},
        status=422 if form.errors else 200,
    )


def _alt_address(contact: Contact, code: str) -> ContactAltAddress:
    return get_object_or_404(ContactAltAddress, contact=contact, code=code.upper())


def contact_alt_address_new(request: HttpRequest, no: str) -> HttpResponse:
    _require(request, "contacts.change_contact")
    return _save_alt_address(request, _contact(request, no), None)


def contact_alt_address_edit(request: HttpRequest, no: str, code: str) -> HttpResponse:
    _require(request, "contacts.change_contact")
    contact = _contact(request, no)
    return _save_alt_address(request, contact, _alt_address(contact, code))


@require_POST
def contact_alt_address_delete(request: HttpRequest, no: str, code: str) -> HttpResponse:
    _require(request, "contacts.change_contact")
    contact = _contact(request, no)
    alt = _alt_address(contact, code)
    back = _alt_addresses_url(contact)
    asked = confirm_first(
        request,
        _("Delete alternative address %(code)s?") % {"code": alt.code},
        back=back,
        items=[f"{alt.code} {alt.company_name}".strip()],
    )
    if asked is not None:
        return asked
    services.delete_contact_alt_address(actor=request.user, alt_address=alt)
    messages.success(request, _("Alternative address %(code)s was deleted.") % {"code": alt.code})
    return redirect(back)


def setup(request: HttpRequest) -> HttpResponse:
    _require(request, "contacts.view_marketingsetup")
    current = queries.marketing_setup()
    can_change = request.user.has_perm("contacts.change_marketingsetup")
    form = MarketingSetupForm(request.POST or None, instance=current)
    if request.method == "POST":
        if not can_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.update_marketing_setup(actor=request.user, **form.cleaned_data)
                messages.success(request, _("Marketing Setup was saved."))
                return redirect("contacts:setup")
            except ValidationError as exc:
                add_service_error(form, exc)
    if not can_change:
        for field in form.fields.values():
            field.disabled = True
    return render_page(
        request,
        "contacts/setup.html",
        {
            "form": form,
            "can_change": can_change,
            "sections": [section(request) for section in SETUP_SECTIONS],
        },
        status=422 if form.errors else 200,
    )
