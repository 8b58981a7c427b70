"""Every change to contacts, business relations and the marketing setup goes through here."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Salesperson
from rapport.contacts.models import (
    BusinessRelation,
    Contact,
    ContactAltAddress,
    ContactBusinessRelation,
    ContactType,
    LinkToTable,
    MarketingSetup,
)
from rapport.contacts.queries import marketing_setup
from rapport.core import services as core_services
from rapport.core.audit import audited, record_audit, snapshot
from rapport.core.validation import (
    ValidationError,
    caption,
    field_error,
    require_perm,
    validate_instance,
)

# Plain fields a caller may set on a contact (foreign keys are passed as objects).
CONTACT_FIELDS = (
    "name",
    "search_name",
    "name_2",
    "first_name",
    "middle_name",
    "surname",
    "initials",
    "job_title",
    "address",
    "address_2",
    "post_code",
    "city",
    "county",
    "country_code",
    "phone_no",
    "mobile_phone_no",
    "email",
    "home_page",
    "vat_registration_no",
    "correspondence_type",
    "exclude_from_segment",
    "privacy_blocked",
)
CONTACT_RELATIONS = ("company", "salesperson", "language")
NAME_PARTS = ("first_name", "middle_name", "surname")
ADDRESS_FIELDS = ("address", "address_2", "post_code", "city", "county")
ADDRESS_IDENTITY = ("address", "address_2", "post_code", "city")
COMMUNICATION_FIELDS = ("phone_no", "mobile_phone_no", "email", "home_page", "correspondence_type")
COMPANY_ONLY_FIELDS = ("vat_registration_no",)
CONTACT_TYPES = frozenset(ContactType.values)
PERSON_ONLY_FIELDS = ("first_name", "middle_name", "surname", "job_title")

_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


def _caption(field: str) -> str:
    return caption(Contact, field)


def _must_fill(field: str, caption: str | None = None) -> ValidationError:
    return field_error(
        field,
        _("You must fill in the %(field)s field.") % {"field": caption or _caption(field)},
        "required",
    )


# --- pure helpers (used by create, update and import alike) ---------------------------------


def break_down_name(name: str) -> tuple[str, str, str]:
    """BC's name breakdown for persons: (first name, middle name, surname), each cut to 30."""
    parts = name.split()
    if not parts:
        return "", "", ""
    if len(parts) == 1:
        return parts[0][:30], "", ""
    if len(parts) == 2:
        return parts[0][:30], "", parts[1][:30]
    return " ".join(parts[:-2])[:30], parts[-2][:30], parts[-1][:30]


def join_name(first: str, middle: str, surname: str) -> str:
    return " ".join(p for p in (first, middle, surname) if p)[:100]


def email_addresses(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def check_email(value: str, field: str = "email") -> None:
    """Every address of a ";"-separated e-mail field must be valid (BC's Mail Management)."""
    for address in email_addresses(value):
        try:
            validate_email(address)
        except ValidationError:
            raise field_error(
                field,
                _('The email address "%(address)s" is invalid.') % {"address": address},
                "invalid_email",
            ) from None


def apply_new_contact_defaults(
    contact: Contact, setup: MarketingSetup, actor: Any, blank: Iterable[str] = ()
) -> None:
    """Defaults for a new contact, each only where the caller did not give the field (BC
    1.2.3). Fields named in `blank` were left empty on purpose and stay empty."""
    if contact.salesperson_id is None and "salesperson" not in blank:
        own = getattr(actor, "salesperson", None) if actor is not None else None
        if own is not None and not own.privacy_blocked and not own.blocked:
            contact.salesperson = own
        elif setup.default_salesperson_id:
            contact.salesperson_id = setup.default_salesperson_id
    if not contact.country_code and setup.default_country_code:
        contact.country_code = setup.default_country_code
    if contact.language_id is None and setup.default_language_id:
        contact.language_id = setup.default_language_id
    if (
        not contact.correspondence_type
        and setup.default_correspondence_type
        and "correspondence_type" not in blank
    ):
        contact.correspondence_type = setup.default_correspondence_type


def new_contact_defaults(*, actor: Any) -> dict[str, Any]:
    """The salesperson and correspondence type a new contact gets when they are not given
    (BC 1.2.3), for a form to show: a field the user then clears stays blank."""
    contact = Contact()
    apply_new_contact_defaults(contact, marketing_setup(), actor)
    return {
        "salesperson": contact.salesperson_id,
        "correspondence_type": contact.correspondence_type,
    }


def inherit_from_company(
    person: Contact, company: Contact, setup: MarketingSetup, old_company: Contact | None = None
) -> None:
    """A person linked to `company` takes over the fields chosen in setup (BC 1.2.5)."""
    if setup.inherit_salesperson:
        person.salesperson_id = company.salesperson_id
    if setup.inherit_country:
        person.country_code = company.country_code
    if setup.inherit_language:
        person.language_id = company.language_id
    if setup.inherit_address:
        empty = not any(getattr(person, f) for f in ADDRESS_FIELDS)
        same_as_old = old_company is not None and all(
            getattr(person, f) == getattr(old_company, f) for f in ADDRESS_IDENTITY
        )
        if empty or same_as_old:
            for f in ADDRESS_FIELDS:
                setattr(person, f, getattr(company, f))
    if setup.inherit_communication:
        for f in COMMUNICATION_FIELDS:
            value = getattr(person, f)
            if not value or (old_company is not None and value == getattr(old_company, f)):
                setattr(person, f, getattr(company, f))


def clean_contact(contact: Contact, *, check_unique: bool = True) -> None:
    """Normalize and validate one contact. Raises ValidationError naming the field."""
    for f in CONTACT_FIELDS:
        value = getattr(contact, f)
        if isinstance(value, str):
            setattr(contact, f, value.strip())
    if contact.type not in CONTACT_TYPES:
        raise field_error(
            "type",
            _("%(value)s is not a valid contact type.") % {"value": contact.type},
            "invalid_choice",
        )
    if contact.is_person and not contact.name and any(getattr(contact, f) for f in NAME_PARTS):
        contact.name = join_name(contact.first_name, contact.middle_name, contact.surname)
    if not contact.name:
        raise _must_fill("name")
    if contact.is_company:
        for f in PERSON_ONLY_FIELDS:
            setattr(contact, f, "")
    else:
        for f in COMPANY_ONLY_FIELDS:
            setattr(contact, f, "")
    if not contact.search_name:
        contact.search_name = contact.name[:100]
    for f in ("phone_no", "mobile_phone_no"):
        if _LETTER.search(getattr(contact, f)):
            raise field_error(
                f, _("%(field)s must not contain letters") % {"field": _caption(f)}, "letters"
            )
    check_email(contact.email)
    contact.search_email = contact.email.upper()[:80]
    salesperson = contact.salesperson if contact.salesperson_id else None
    if salesperson is not None and salesperson.privacy_blocked:
        raise field_error(
            "salesperson",
            _("Privacy Blocked must not be true for Salesperson %(code)s.")
            % {"code": salesperson.code},
            "salesperson_privacy_blocked",
        )
    exclude = ["company", "no_series"]
    if check_unique:
        validate_instance(contact, exclude=exclude)
    else:
        validate_instance(contact, exclude=[*exclude, "no"], unique=False)


def _check_company_link(person: Contact, company: Contact | None) -> None:
    if company is None:
        return
    if not person.is_person:
        raise field_error(
            "type",
            _(
                "Type must be equal to '%(expected)s' in Contact: No.=%(no)s. Current value is "
                "'%(actual)s'."
            )
            % {"expected": _("Person"), "no": person.no, "actual": _("Company")},
            "type_not_person",
        )
    if not company.is_company:
        raise field_error(
            "company",
            _(
                "Type must be equal to '%(expected)s' in Contact: No.=%(no)s. Current value is "
                "'%(actual)s'."
            )
            % {"expected": _("Company"), "no": company.no, "actual": _("Person")},
            "company_not_company",
        )


def _assign_number(contact: Contact, setup: MarketingSetup) -> None:
    """Draw the next free No. from Contact Nos., or accept a typed one if the series allows."""
    contact.no, contact.no_series = core_services.assign_no(
        model=Contact,
        typed_no=contact.no,
        series=setup.contact_nos,
        setup_field=_("Contact Nos."),
    )


# --- contacts ------------------------------------------------------------------------------


def _fill_company_columns(contact: Contact, *, lock: bool = True) -> None:
    """Set the stored Company No. and Company Name (BC keeps both on the contact): a company's
    own, a person's company's, blank for a person without a company. In memory only: the
    caller saves (a renamed company's persons follow with `_rename_company_persons`).

    A person's company row is read locked (`lock`), so a rename running at the same time
    either finishes first (and its name is read) or waits for this transaction (and its
    UPDATE of the persons then includes this one). Call it only for a new contact or a
    changed company or type: a person that stays with its company keeps the values its locked
    row holds (a rename that ran meanwhile updated that row; reading the company again while
    holding the person could deadlock with the rename's UPDATE)."""
    if contact.is_company:
        contact.company_no, contact.company_name = contact.no, contact.name
        return
    company = contact.company  # no query without a company
    if company is None:
        contact.company_no, contact.company_name = "", ""
    elif lock and company.pk is not None:
        current = (
            Contact.objects.select_for_update()
            .filter(pk=company.pk)
            .values_list("no", "name")
            .first()
        )
        contact.company_no, contact.company_name = current or (company.no, company.name)
    else:
        contact.company_no, contact.company_name = company.no, company.name


def _rename_company_persons(company: Contact) -> None:
    """A company's No. and Name on every contact of the company, in one UPDATE."""
    Contact.objects.filter(company_id=company.pk).exclude(
        company_no=company.no, company_name=company.name
    ).update(company_no=company.no, company_name=company.name)


@transaction.atomic
def create_contact(
    *,
    actor: Any,
    name: str = "",
    type: str = ContactType.COMPANY,
    no: str = "",
    company: Contact | None = None,
    salesperson: Salesperson | None = None,
    language: Any = None,
    blank: Iterable[str] = (),
    **fields: Any,
) -> Contact:
    """Create a company or person; a person linked to a company inherits the setup's fields.

    Setup defaults fill the fields not given; `blank` names fields the user cleared on
    purpose (`salesperson`, `correspondence_type`), which stay blank."""
    require_perm(actor, "contacts.add_contact")
    unknown = set(fields) - set(CONTACT_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    setup = marketing_setup()
    contact = Contact(
        no=(no or "").strip().upper(),
        name=name,
        type=type,
        salesperson=salesperson,
        language=language,
        **fields,
    )
    if contact.is_person and contact.name and not any(fields.get(f) for f in NAME_PARTS):
        contact.first_name, contact.middle_name, contact.surname = break_down_name(contact.name)
    apply_new_contact_defaults(contact, setup, actor, blank)
    if company is not None:
        _check_company_link(contact, company)
        contact.company = company
        inherit_from_company(contact, company, setup)
    clean_contact(contact, check_unique=False)
    _assign_number(contact, setup)
    validate_instance(contact, exclude=["company", "no_series"])
    _fill_company_columns(contact)
    contact.save()
    if contact.is_company:
        Contact.objects.filter(pk=contact.pk).update(company_id=F("pk"))
        contact.company = contact
    record_audit(actor=actor, action="create", obj=contact, after=snapshot(contact))
    return contact


@transaction.atomic
def update_contact(*, actor: Any, contact: Contact, **changes: Any) -> Contact:
    """Change a contact. Company changes flow on to its persons (BC 1.2.5)."""
    require_perm(actor, "contacts.change_contact")
    unknown = set(changes) - set(CONTACT_FIELDS) - set(CONTACT_RELATIONS) - {"type"}
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    setup = marketing_setup()
    contact = (
        Contact.objects.select_for_update(of=("self",)).select_related("company").get(pk=contact.pk)
    )
    _check_not_erased(contact)
    before = Contact.objects.get(pk=contact.pk)

    new_type = changes.pop("type", contact.type)
    if new_type != contact.type:
        _change_type(contact, new_type)

    new_company = changes.pop("company", contact.company if contact.is_person else None)
    for key, value in changes.items():
        setattr(contact, key, value)

    if contact.is_person:
        if "name" in changes and changes["name"] != before.name:
            contact.first_name, contact.middle_name, contact.surname = break_down_name(contact.name)
        elif any(f in changes and changes[f] != getattr(before, f) for f in NAME_PARTS):
            contact.name = join_name(contact.first_name, contact.middle_name, contact.surname)
        if "name" in changes and contact.search_name == before.name.upper()[:100]:
            contact.search_name = ""
        old_company = before.company if before.is_person else None
        if (new_company.pk if new_company else None) != (old_company.pk if old_company else None):
            _check_company_link(contact, new_company)
            contact.company = new_company
            if new_company is not None:
                inherit_from_company(contact, new_company, setup, old_company=old_company)
    elif "name" in changes and contact.search_name == before.name.upper()[:100]:
        contact.search_name = ""

    clean_contact(contact)
    if contact.is_company or contact.company_id != before.company_id:
        _fill_company_columns(contact)
    contact.save()
    if contact.is_company:
        if contact.company_id != contact.pk:
            Contact.objects.filter(pk=contact.pk).update(company_id=F("pk"))
            contact.company = contact
        if before.is_company:
            _propagate_to_persons(before, contact, setup)
            if contact.name != before.name:
                _rename_company_persons(contact)
    record_audit(
        actor=actor, action="change", obj=contact, before=snapshot(before), after=snapshot(contact)
    )
    return contact


def _change_type(contact: Contact, new_type: str) -> None:
    if new_type == ContactType.PERSON:
        if Contact.objects.filter(company=contact, type=ContactType.PERSON).exists():
            raise field_error(
                "type",
                _(
                    "Type cannot be changed because there are one or more related people linked "
                    "to the contact."
                ),
                "has_persons",
            )
        if ContactBusinessRelation.objects.filter(contact=contact).exists():
            raise field_error(
                "type",
                _(
                    "Type cannot be changed because one or more business relations are linked "
                    "to the contact."
                ),
                "has_business_relations",
            )
        Contact.objects.filter(pk=contact.pk).update(company=None)
        contact.company = None
        contact.type = ContactType.PERSON
        contact.first_name, contact.middle_name, contact.surname = break_down_name(contact.name)
    else:
        contact.type = ContactType.COMPANY
        contact.company = None  # set to itself after save
    for check in _type_change_checks:
        check(contact)


# Later apps (interactions, opportunities) register checks that block a type change.
_type_change_checks: list[Any] = []


def register_contact_rules(
    *, type_change_check: Any = None, delete_check: Any = None, before_delete: Any = None
) -> None:
    """Let a later app add its rules to contact type changes and deletion (called in ready())."""
    for hooks, hook in (
        (_type_change_checks, type_change_check),
        (_delete_checks, delete_check),
        (_before_delete, before_delete),
    ):
        if hook is not None and hook not in hooks:
            hooks.append(hook)


def _propagate_to_persons(before: Contact, after: Contact, setup: MarketingSetup) -> None:
    """Push a company's changed fields to its persons that still had the old value (set-based)."""
    persons = Contact.objects.filter(company=after, type=ContactType.PERSON)
    single: list[str] = []
    if setup.inherit_salesperson:
        single.append("salesperson_id")
    if setup.inherit_country:
        single.append("country_code")
    if setup.inherit_language:
        single.append("language_id")
    if setup.inherit_communication:
        single.extend(f for f in COMMUNICATION_FIELDS if f != "correspondence_type")
    for f in single:
        old, new = getattr(before, f), getattr(after, f)
        if old != new:
            persons.filter(**{f: old}).update(**{f: new})
            if f == "email":
                persons.filter(email=new).update(search_email=after.search_email)
    if setup.inherit_address and any(
        getattr(before, f) != getattr(after, f) for f in ADDRESS_FIELDS
    ):
        same = {f: getattr(before, f) for f in ADDRESS_IDENTITY}
        persons.filter(**same).update(**{f: getattr(after, f) for f in ADDRESS_FIELDS})


# Later apps register checks that block deleting a contact (segment lines, opportunities), and
# hooks that re-home their rows before the contacts go (interaction log entries).
_delete_checks: list[Any] = []
_before_delete: list[Any] = []


@transaction.atomic
def delete_contact(*, actor: Any, contact: Contact) -> int:
    """Delete a contact; a company takes its persons with it. Returns how many were deleted."""
    require_perm(actor, "contacts.delete_contact")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    doomed = [contact]
    if contact.is_company:
        doomed += list(Contact.objects.filter(company=contact).exclude(pk=contact.pk))
    for target in doomed:
        for check in _delete_checks:
            check(target)
    for hook in _before_delete:
        hook(doomed)
    ids = [c.pk for c in doomed]
    before = snapshot(contact)
    ContactBusinessRelation.objects.filter(contact_id__in=ids).delete()
    Contact.objects.filter(pk__in=ids).exclude(pk=contact.pk).delete()
    Contact.objects.filter(pk=contact.pk).update(company=None)
    Contact.objects.filter(pk=contact.pk).delete()
    record_audit(
        actor=actor,
        action="delete",
        obj=contact,
        before=before,
        details={"persons": [c.no for c in doomed[1:]]} if len(doomed) > 1 else None,
    )
    return len(ids)


# --- business relations ----------------------------------------------------------------------


@transaction.atomic
@audited("create")
def create_business_relation(*, actor: Any, code: str, description: str = "") -> BusinessRelation:
    require_perm(actor, "contacts.add_businessrelation")
    relation = BusinessRelation(code=(code or "").strip().upper(), description=description)
    if not relation.code:
        raise field_error(
            "code", _("You must fill in the %(field)s field.") % {"field": _("Code")}, "required"
        )
    validate_instance(relation)
    relation.save()
    return relation


@transaction.atomic
@audited("change", "relation")
def update_business_relation(
    *, actor: Any, relation: BusinessRelation, description: str = ""
) -> BusinessRelation:
    require_perm(actor, "contacts.change_businessrelation")
    relation.description = description
    validate_instance(relation)
    relation.save()
    return relation


@transaction.atomic
@audited("delete", "relation")
def delete_business_relation(*, actor: Any, relation: BusinessRelation) -> None:
    require_perm(actor, "contacts.delete_businessrelation")
    if ContactBusinessRelation.objects.filter(business_relation=relation).exists():
        raise field_error(
            "code",
            _("You cannot delete business relation %(code)s because contacts use it.")
            % {"code": relation.code},
            "in_use",
        )
    relation.delete()


def _link_label(table: str) -> str:
    return str(LinkToTable(table).label)


@transaction.atomic
def add_contact_business_relation(
    *,
    actor: Any,
    contact: Contact,
    business_relation: BusinessRelation,
    link_to_table: str = "",
    no: str = "",
) -> ContactBusinessRelation:
    """Link a contact's company to an external customer / vendor / bank account / employee no."""
    require_perm(actor, "contacts.add_contactbusinessrelation")
    company = contact.company if contact.company_id else None
    if company is None:
        raise field_error(
            "contact",
            _("Contact %(no)s must belong to a company to have business relations.")
            % {"no": contact.no},
            "no_company",
        )
    no = (no or "").strip().upper()
    if link_to_table not in LinkToTable.values:
        raise field_error("link_to_table", _("Choose a valid table."), "invalid_choice")
    if no and not link_to_table:
        raise field_error(
            "link_to_table",
            _("You must fill in the %(field)s field.") % {"field": _("Link to Table")},
            "required",
        )
    setup = marketing_setup()
    setup_codes = {
        LinkToTable.CUSTOMER: setup.bus_rel_code_for_customers_id,
        LinkToTable.VENDOR: setup.bus_rel_code_for_vendors_id,
        LinkToTable.BANK_ACCOUNT: setup.bus_rel_code_for_bank_accounts_id,
        LinkToTable.EMPLOYEE: setup.bus_rel_code_for_employees_id,
    }
    for table, relation_id in setup_codes.items():
        if relation_id == business_relation.pk and not no:
            raise field_error(
                "business_relation",
                _(
                    "Business Relation Code %(code)s is used when a Contact is linked with a "
                    "%(table)s."
                )
                % {"code": business_relation.code, "table": _link_label(table)},
                "reserved_code",
            )
    if no:
        existing = (
            ContactBusinessRelation.objects.filter(contact=company, link_to_table=link_to_table)
            .exclude(no="")
            .first()
        )
        if existing is not None:
            raise field_error(
                "no",
                _(
                    "Contact %(contact)s already has a Contact Business Relation with %(table)s "
                    "%(no)s."
                )
                % {"contact": company.no, "table": _link_label(link_to_table), "no": existing.no},
                "already_linked",
            )
        taken = ContactBusinessRelation.objects.filter(link_to_table=link_to_table, no=no).first()
        if taken is not None:
            raise field_error(
                "no",
                _(
                    "%(table)s %(no)s already has a Contact Business Relation with Contact "
                    "%(contact)s."
                )
                % {"table": _link_label(link_to_table), "no": no, "contact": taken.contact.no},
                "target_taken",
            )
        ContactBusinessRelation.objects.filter(
            contact=company, business_relation=business_relation, no=""
        ).delete()
    if ContactBusinessRelation.objects.filter(
        contact=company, business_relation=business_relation
    ).exists():
        raise field_error(
            "business_relation",
            _("Contact %(contact)s already has business relation %(code)s.")
            % {"contact": company.no, "code": business_relation.code},
            "duplicate",
        )
    link = ContactBusinessRelation.objects.create(
        contact=company, business_relation=business_relation, link_to_table=link_to_table, no=no
    )
    return link


@transaction.atomic
def remove_contact_business_relation(*, actor: Any, link: ContactBusinessRelation) -> None:
    require_perm(actor, "contacts.delete_contactbusinessrelation")
    link.delete()


# --- alternative addresses (BC's Contact Alt. Address) ----------------------------------------

ALT_ADDRESS_FIELDS = (
    "company_name",
    "company_name_2",
    "address",
    "address_2",
    "post_code",
    "city",
    "county",
    "country_code",
    "phone_no",
    "mobile_phone_no",
    "fax_no",
    "email",
    "home_page",
)


def _check_not_erased(contact: Contact) -> None:
    if Contact.objects.filter(pk=contact.pk, erased_at__isnull=False).exists():
        raise field_error(
            "no",
            _("Contact %(no)s was erased. It cannot be changed.") % {"no": contact.no},
            "erased",
        )


def _clean_alt_address(alt: ContactAltAddress) -> None:
    _check_not_erased(alt.contact)
    alt.code = (alt.code or "").strip().upper()
    for f in ALT_ADDRESS_FIELDS:
        value = getattr(alt, f)
        if isinstance(value, str):
            setattr(alt, f, value.strip())
    if not alt.code:
        raise _must_fill("code", caption(ContactAltAddress, "code"))
    check_email(alt.email)
    alt.search_email = alt.email.upper()[:80]
    duplicate = ContactAltAddress.objects.filter(contact_id=alt.contact_id, code=alt.code)
    if alt.pk is not None:
        duplicate = duplicate.exclude(pk=alt.pk)
    if duplicate.exists():
        raise field_error(
            "code",
            _(
                "The record in table Contact Alt. Address already exists. Identification fields "
                "and values: Contact No.='%(no)s',Code='%(code)s'"
            )
            % {"no": alt.contact.no, "code": alt.code},
            "duplicate",
        )
    validate_instance(alt, exclude=["contact"], unique=False)


def _touch_contact(contact_id: int) -> None:
    """BC's TouchContact: an alternative address change is a change of the contact."""
    Contact.objects.filter(pk=contact_id).update(modified_at=timezone.now())


@transaction.atomic
def create_contact_alt_address(
    *, actor: Any, contact: Contact, code: str, **fields: Any
) -> ContactAltAddress:
    """Add an alternative address to a contact; Code is required and unique per contact."""
    require_perm(actor, "contacts.change_contact")
    unknown = set(fields) - set(ALT_ADDRESS_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    alt = ContactAltAddress(contact=contact, code=code, **fields)
    _clean_alt_address(alt)
    alt.save()
    _touch_contact(contact.pk)
    return alt


@transaction.atomic
def update_contact_alt_address(
    *, actor: Any, alt_address: ContactAltAddress, **changes: Any
) -> ContactAltAddress:
    """Change an alternative address; `code` renames it (still unique per contact)."""
    require_perm(actor, "contacts.change_contact")
    unknown = set(changes) - set(ALT_ADDRESS_FIELDS) - {"code"}
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    Contact.objects.select_for_update().filter(pk=alt_address.contact_id).first()
    alt = (
        ContactAltAddress.objects.select_for_update(of=("self",))
        .select_related("contact")
        .get(pk=alt_address.pk)
    )
    for key, value in changes.items():
        setattr(alt, key, value)
    _clean_alt_address(alt)
    alt.save()
    _touch_contact(alt.contact_id)
    return alt


@transaction.atomic
def delete_contact_alt_address(*, actor: Any, alt_address: ContactAltAddress) -> None:
    require_perm(actor, "contacts.change_contact")
    ContactAltAddress.objects.filter(pk=alt_address.pk).delete()
    _touch_contact(alt_address.contact_id)


# --- marketing setup -------------------------------------------------------------------------

SETUP_FIELDS = tuple(f.name for f in MarketingSetup._meta.concrete_fields if f.name != "id")


@transaction.atomic
def update_marketing_setup(*, actor: Any, **changes: Any) -> MarketingSetup:
    require_perm(actor, "contacts.change_marketingsetup")
    setup = MarketingSetup.objects.select_for_update().filter(pk=1).first() or MarketingSetup(pk=1)
    before = snapshot(setup)
    unknown = set(changes) - set(SETUP_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    for key, value in changes.items():
        setattr(setup, key, value)
    if setup.default_salesperson is not None and setup.default_salesperson.blocked:
        raise field_error(
            "default_salesperson",
            _("Blocked salespeople cannot be the default salesperson."),
            "salesperson_blocked",
        )
    location = (setup.attachment_storage_location or "").strip().replace("\\", "/")
    if location and (location.startswith("/") or ".." in location.split("/") or ":" in location):
        raise field_error(
            "attachment_storage_location",
            _("Enter a folder name under the attachment root, without '..' or a drive."),
            "unsafe_path",
        )
    setup.attachment_storage_location = location
    if setup.attachment_storage_type == "disk_file" and not location:
        raise field_error(
            "attachment_storage_location",
            _("%(field)s must have a value in Marketing Setup. It cannot be zero or empty.")
            % {"field": _("Attachment Storage Location")},
            "required",
        )
    validate_instance(setup)
    setup.save()
    record_audit(actor=actor, action="change", obj=setup, before=before, after=snapshot(setup))
    return setup


# --- import ---------------------------------------------------------------------------------


def import_contacts(
    *,
    actor: Any,
    content: bytes,
    filename: str,
    dry_run: bool,
    progress: Any = None,
) -> dict[str, Any]:
    """Create the contacts of a CSV or XLSX file, all or nothing.

    Every row is prepared and checked first (rapport.contacts.importing); a dry run, or a file
    with any error, writes nothing and returns the errors by spreadsheet row. Otherwise the
    contacts are written set-based in one transaction: numbers drawn from Contact Nos. in one
    go, companies and then persons with bulk_create in batches. `progress(done, total)` is
    called between batches.
    """
    from rapport.contacts import importing

    require_perm(actor, "contacts.import_contacts")
    setup = marketing_setup()
    plan = importing.plan_import(content=content, filename=filename, actor=actor, setup=setup)
    result: dict[str, Any] = {
        "rows": plan.rows,
        "created": 0,
        "errors": plan.errors,
        "dry_run": dry_run,
    }
    if dry_run or plan.errors:
        return result
    result["created"] = _write_import(plan, setup, progress, actor=actor, filename=filename)
    return result


def _write_import(
    plan: Any, setup: MarketingSetup, progress: Any, *, actor: Any = None, filename: str = ""
) -> int:
    from django.conf import settings
    from django.db import IntegrityError

    contacts = plan.contacts
    total = len(contacts)
    size = max(1, settings.RAPPORT_BATCH_SIZE)
    done = 0
    try:
        with transaction.atomic():
            unnumbered = [c for c in contacts if not c.no]
            if unnumbered:
                typed = {c.no for c in contacts if c.no}
                numbers = _draw_free_contact_numbers(setup, len(unnumbered), typed)
                for contact, no in zip(unnumbered, numbers, strict=True):
                    contact.no = no
                    contact.no_series = setup.contact_nos
            for start in range(0, len(plan.companies), size):
                batch = plan.companies[start : start + size]
                _insert_contacts(batch)
                done += len(batch)
                if progress is not None:
                    progress(done, total)
            if plan.companies:
                first_pk = min(c.pk for c in plan.companies)
                Contact.objects.filter(
                    pk__gte=first_pk, type=ContactType.COMPANY, company__isnull=True
                ).update(company_id=F("pk"))
                for company in plan.companies:
                    company.company_id = company.pk
            for start in range(0, len(plan.persons), size):
                batch = plan.persons[start : start + size]
                _insert_contacts(batch)
                done += len(batch)
                if progress is not None:
                    progress(done, total)
            numbers = sorted(c.no for c in contacts)
            record_audit(  # one event for the whole file
                actor=actor,
                action="import",
                object_type="contacts.contact",
                object_key=f"{numbers[0]}..{numbers[-1]}" if numbers else "",
                object_repr=filename,
                details={
                    "count": total,
                    "companies": len(plan.companies),
                    "persons": len(plan.persons),
                    "first": numbers[0] if numbers else None,
                    "last": numbers[-1] if numbers else None,
                    "filename": filename,
                },
            )
    except IntegrityError:
        raise ValidationError(
            _(
                "Contacts changed while the file was imported, so nothing was imported. "
                "Import the file again."
            ),
            code="import_conflict",
        ) from None
    return total


def _insert_contacts(contacts: list[Contact]) -> None:
    """bulk_create for validated import rows, without the ORM's work per value.

    The rows were cleaned field by field already (`clean_contact`), so text goes to the
    database as it is; only Code fields (upper case), keys, booleans and the two timestamps
    are converted. One multi-row INSERT ... RETURNING id per batch sets each contact's pk (the
    order of the returned ids is the order of the rows, as bulk_create relies on too).
    """
    from django.db import connection
    from django.db.models import CharField, ForeignKey

    from rapport.core.fields import CodeField

    if not contacts:
        return
    now = timezone.now()
    stamp = connection.ops.adapt_datetimefield_value(now)
    fields = [f for f in Contact._meta.concrete_fields if not f.primary_key]
    plan: list[tuple[str, Any]] = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            plan.append(("stamp", f))
        elif isinstance(f, ForeignKey):
            plan.append(("key", f))
        elif isinstance(f, CodeField):
            plan.append(("code", f))
        elif isinstance(f, CharField):
            plan.append(("text", f))
        else:
            plan.append(("other", f))
    rows: list[Any] = []
    for contact in contacts:
        _fill_company_columns(contact, lock=False)  # the import locks nothing row by row
        for kind, f in plan:
            value = getattr(contact, f.attname)
            if kind == "stamp":
                setattr(contact, f.attname, now)
                rows.append(stamp)
            elif kind == "key":
                if value is None and f.is_cached(contact):
                    related = f.get_cached_value(contact)
                    value = related.pk if related is not None else None
                    setattr(contact, f.attname, value)
                rows.append(value)
            elif kind == "code":
                rows.append(value.strip().upper() if isinstance(value, str) else value)
            elif kind == "text" and isinstance(value, str):
                rows.append(value)
            else:
                rows.append(f.get_db_prep_save(value, connection))
    q = connection.ops.quote_name
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    size = max(1, min(len(contacts), connection.ops.bulk_batch_size(fields, contacts)))
    width = len(fields)
    head = f"INSERT INTO {q(Contact._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
    # PostgreSQL: one array per column (UNNEST), so the statement has a few dozen parameters
    # whatever the batch size (the driver parses a query with 30k placeholders slowly). The
    # arrays go as binary parameters of a server-side-binding cursor: Django's cursor quotes
    # every element into the SQL text in Python, about five times slower.
    unnest = connection.vendor == "postgresql"
    if unnest:
        arrays = ", ".join(f"%b::{f.db_type(connection)}[]" for f in fields)
    with _insert_cursor(connection, binary=unnest) as cursor:
        for start in range(0, len(contacts), size):
            batch = contacts[start : start + size]
            values = rows[start * width : (start + len(batch)) * width]
            if unnest:
                columns = [values[i::width] for i in range(width)]
                sql = f"{head}SELECT * FROM UNNEST({arrays}) RETURNING {q('id')}"  # noqa: S608
                cursor.execute(sql, columns)
            else:
                sql = f"{head}VALUES {', '.join([one] * len(batch))} RETURNING {q('id')}"
                cursor.execute(sql, values)
            for contact, (pk,) in zip(batch, cursor.fetchall(), strict=True):
                contact.pk = pk
                contact._state.adding = False
                contact._state.db = connection.alias


def _insert_cursor(connection: Any, *, binary: bool) -> Any:
    """Django's cursor, or (`binary`, PostgreSQL) Django's wrapper around a psycopg cursor
    that binds parameters on the server, so `%b` sends them in binary."""
    if not binary:
        return connection.cursor()
    import psycopg

    connection.ensure_connection()
    return connection._prepare_cursor(psycopg.Cursor(connection.connection))


def _draw_free_contact_numbers(setup: MarketingSetup, count: int, typed: set[str]) -> list[str]:
    """`count` numbers from Contact Nos., skipping numbers already taken (set-based).

    One allocation normally; only when taken numbers sit in the series' path is the shortfall
    drawn again, so the series stays gapless as with the single-contact service.
    """
    from rapport.contacts.importing import existing_numbers

    series = setup.contact_nos
    if series is None:
        raise field_error(
            "no",
            _("%(field)s must have a value in Marketing Setup. It cannot be zero or empty.")
            % {"field": _("Contact Nos.")},
            "no_series_missing",
        )
    free: list[str] = []
    while len(free) < count:
        drawn = core_services.allocate_numbers(series=series, count=count - len(free))
        taken = typed | existing_numbers(drawn)
        free.extend(no for no in drawn if no not in taken)
    return free


def submit_contact_import(
    *, actor: Any, content: bytes, filename: str, dry_run: bool
) -> dict[str, Any]:
    """Import a file now, or hand it to a background job when it is large and not a dry run.

    A job's file is stored under MEDIA_ROOT/imports/ with a generated name (the client's file
    name is only shown); the job deletes it when done. Returns the import's result with
    `job_id` (None when the import ran now).
    """
    import uuid

    from django.conf import settings
    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.utils.translation import get_language

    from rapport.contacts import importing

    require_perm(actor, "contacts.import_contacts")
    rows = importing.count_rows(content, filename)
    if dry_run or rows <= settings.RAPPORT_IMPORT_JOB_THRESHOLD:
        result = import_contacts(actor=actor, content=content, filename=filename, dry_run=dry_run)
        return {**result, "job_id": None}
    extension = importing.file_kind(content)
    stored = default_storage.save(f"imports/{uuid.uuid4().hex}.{extension}", ContentFile(content))
    display_name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:100]
    try:
        job = core_services.start_job(
            actor=actor,
            kind="contacts.import",
            description=_("Import contacts from %(file)s") % {"file": display_name},
            params={
                "file": stored,
                "filename": display_name,
                "dry_run": False,
                "language": get_language() or settings.LANGUAGE_CODE,
            },
            total=rows,
        )
    except Exception:
        default_storage.delete(stored)
        raise
    return {"rows": rows, "created": 0, "errors": [], "dry_run": False, "job_id": job.pk}
