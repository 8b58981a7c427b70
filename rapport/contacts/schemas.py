"""API shapes for contacts. Lengths follow BC (Text[100] name, Code[20] no., ...)."""

from __future__ import annotations

import datetime
from typing import Literal

from ninja import Schema
from pydantic import Field

from rapport.core.schemas import PatchSchema, RowSchema

ContactTypeIn = Literal["company", "person"]
CorrespondenceIn = Literal["", "hard_copy", "email"]


class ContactFields(Schema):
    name_2: str = Field("", max_length=50)
    first_name: str = Field("", max_length=30)
    middle_name: str = Field("", max_length=30)
    surname: str = Field("", max_length=30)
    initials: str = Field("", max_length=30)
    job_title: str = Field("", max_length=30)
    search_name: str = Field("", max_length=100)
    address: str = Field("", max_length=100)
    address_2: str = Field("", max_length=50)
    post_code: str = Field("", max_length=20)
    city: str = Field("", max_length=30)
    county: str = Field("", max_length=30)
    country_code: str = Field("", max_length=10)
    phone_no: str = Field("", max_length=30)
    mobile_phone_no: str = Field("", max_length=30)
    email: str = Field("", max_length=80)
    home_page: str = Field("", max_length=80)
    vat_registration_no: str = Field("", max_length=20)
    correspondence_type: CorrespondenceIn = ""
    exclude_from_segment: bool = False
    privacy_blocked: bool = False
    company_no: str = Field("", max_length=20, description="For a person: the company's No.")
    salesperson_code: str = Field("", max_length=20)
    language_code: str = Field("", max_length=10)


class ContactIn(ContactFields):
    no: str = Field("", max_length=20, description="Blank: the next number of Contact Nos.")
    type: ContactTypeIn = "company"
    name: str = Field("", max_length=100)


class ContactPatch(PatchSchema):
    """Only the fields sent are changed."""

    nullable = frozenset({"company_no", "salesperson_code", "language_code"})

    type: ContactTypeIn | None = None
    name: str | None = Field(None, max_length=100)
    name_2: str | None = Field(None, max_length=50)
    first_name: str | None = Field(None, max_length=30)
    middle_name: str | None = Field(None, max_length=30)
    surname: str | None = Field(None, max_length=30)
    initials: str | None = Field(None, max_length=30)
    job_title: str | None = Field(None, max_length=30)
    search_name: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=100)
    address_2: str | None = Field(None, max_length=50)
    post_code: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=30)
    county: str | None = Field(None, max_length=30)
    country_code: str | None = Field(None, max_length=10)
    phone_no: str | None = Field(None, max_length=30)
    mobile_phone_no: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=80)
    home_page: str | None = Field(None, max_length=80)
    vat_registration_no: str | None = Field(None, max_length=20)
    correspondence_type: CorrespondenceIn | None = None
    exclude_from_segment: bool | None = None
    privacy_blocked: bool | None = None
    company_no: str | None = Field(None, max_length=20)
    salesperson_code: str | None = Field(None, max_length=20)
    language_code: str | None = Field(None, max_length=10)


class ContactOut(RowSchema):
    no: str
    type: str
    name: str
    name_2: str
    search_name: str
    first_name: str
    middle_name: str
    surname: str
    initials: str
    job_title: str
    company_no: str
    company_name: str
    address: str
    address_2: str
    post_code: str
    city: str
    county: str
    country_code: str
    phone_no: str
    mobile_phone_no: str
    email: str
    home_page: str
    vat_registration_no: str
    language_code: str
    salesperson_code: str
    correspondence_type: str
    exclude_from_segment: bool
    privacy_blocked: bool
    created_at: datetime.datetime
    modified_at: datetime.datetime

    @staticmethod
    def resolve_language_code(obj: object) -> str:
        language = getattr(obj, "language", None)
        return language.code if language is not None else ""

    @staticmethod
    def resolve_salesperson_code(obj: object) -> str:
        salesperson = getattr(obj, "salesperson", None)
        return salesperson.code if salesperson is not None else ""


class BusinessRelationIn(Schema):
    code: str = Field(max_length=10)
    description: str = Field("", max_length=100)


class BusinessRelationPatch(PatchSchema):
    description: str = Field("", max_length=100)


class BusinessRelationOut(Schema):
    code: str
    description: str


class ContactBusinessRelationIn(Schema):
    business_relation_code: str = Field(max_length=10)
    link_to_table: Literal["", "customer", "vendor", "bank_account", "employee"] = ""
    no: str = Field("", max_length=20)


class ContactBusinessRelationOut(Schema):
    id: int
    contact_no: str
    business_relation_code: str
    link_to_table: str
    no: str

    @staticmethod
    def resolve_contact_no(obj: object) -> str:
        return obj.contact.no  # type: ignore[attr-defined]

    @staticmethod
    def resolve_business_relation_code(obj: object) -> str:
        return obj.business_relation.code  # type: ignore[attr-defined]


class MarketingSetupOut(Schema):
    contact_nos: str
    campaign_nos: str
    segment_nos: str
    opportunity_nos: str
    task_nos: str
    bus_rel_code_for_customers: str
    bus_rel_code_for_vendors: str
    bus_rel_code_for_bank_accounts: str
    bus_rel_code_for_employees: str
    inherit_salesperson: bool
    inherit_country: bool
    inherit_language: bool
    inherit_address: bool
    inherit_communication: bool
    default_salesperson: str
    default_country_code: str
    default_language: str
    default_correspondence_type: str
    currency_code: str
    attachment_storage_type: str
    attachment_storage_location: str


class MarketingSetupPatch(PatchSchema):
    # The code fields: null (like "") means none.
    nullable = frozenset(
        {
            "contact_nos",
            "campaign_nos",
            "segment_nos",
            "opportunity_nos",
            "task_nos",
            "bus_rel_code_for_customers",
            "bus_rel_code_for_vendors",
            "bus_rel_code_for_bank_accounts",
            "bus_rel_code_for_employees",
            "default_salesperson",
            "default_language",
        }
    )

    contact_nos: str | None = Field(None, max_length=20)
    campaign_nos: str | None = Field(None, max_length=20)
    segment_nos: str | None = Field(None, max_length=20)
    opportunity_nos: str | None = Field(None, max_length=20)
    task_nos: str | None = Field(None, max_length=20)
    bus_rel_code_for_customers: str | None = Field(None, max_length=10)
    bus_rel_code_for_vendors: str | None = Field(None, max_length=10)
    bus_rel_code_for_bank_accounts: str | None = Field(None, max_length=10)
    bus_rel_code_for_employees: str | None = Field(None, max_length=10)
    inherit_salesperson: bool | None = None
    inherit_country: bool | None = None
    inherit_language: bool | None = None
    inherit_address: bool | None = None
    inherit_communication: bool | None = None
    default_salesperson: str | None = Field(None, max_length=20)
    default_country_code: str | None = Field(None, max_length=10)
    default_language: str | None = Field(None, max_length=10)
    default_correspondence_type: CorrespondenceIn | None = None
    currency_code: str | None = Field(None, max_length=10)
    attachment_storage_type: Literal["embedded", "disk_file"] | None = None
    attachment_storage_location: str | None = Field(None, max_length=250)


class ContactImportErrorOut(Schema):
    row: int | None
    field: str | None
    message: str


class ContactImportOut(Schema):
    rows: int
    created: int
    errors: list[ContactImportErrorOut]
    dry_run: bool
    job_id: int | None = None


class ContactAltAddressFields(Schema):
    company_name: str = Field("", max_length=100)
    company_name_2: str = Field("", max_length=50)
    address: str = Field("", max_length=100)
    address_2: str = Field("", max_length=50)
    post_code: str = Field("", max_length=20)
    city: str = Field("", max_length=30)
    county: str = Field("", max_length=30)
    country_code: str = Field("", max_length=10)
    phone_no: str = Field("", max_length=30)
    mobile_phone_no: str = Field("", max_length=30)
    fax_no: str = Field("", max_length=30)
    email: str = Field("", max_length=80)
    home_page: str = Field("", max_length=80)


class ContactAltAddressIn(ContactAltAddressFields):
    code: str = Field("", max_length=10, description="Required; unique per contact.")


class ContactAltAddressPatch(PatchSchema):
    """Only the fields sent are changed; `code` renames the alternative address."""

    code: str | None = Field(None, max_length=10)
    company_name: str | None = Field(None, max_length=100)
    company_name_2: str | None = Field(None, max_length=50)
    address: str | None = Field(None, max_length=100)
    address_2: str | None = Field(None, max_length=50)
    post_code: str | None = Field(None, max_length=20)
    city: str | None = Field(None, max_length=30)
    county: str | None = Field(None, max_length=30)
    country_code: str | None = Field(None, max_length=10)
    phone_no: str | None = Field(None, max_length=30)
    mobile_phone_no: str | None = Field(None, max_length=30)
    fax_no: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=80)
    home_page: str | None = Field(None, max_length=80)


class ContactAltAddressOut(ContactAltAddressIn):
    contact_no: str
    modified_at: datetime.datetime

    @staticmethod
    def resolve_contact_no(obj: object) -> str:
        return obj.contact.no  # type: ignore[attr-defined]
