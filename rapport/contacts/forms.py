"""Forms for the contact pages. They parse input; the services decide and write."""

from __future__ import annotations

import copy
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from rapport.contacts.models import (
    BusinessRelation,
    Contact,
    ContactAltAddress,
    LinkToTable,
    MarketingSetup,
)
from rapport.contacts.services import ALT_ADDRESS_FIELDS, CONTACT_FIELDS, clean_contact
from rapport.core.validation import first_error

CONTACT_FORM_FIELDS = [
    "type",
    "no",
    "name",
    "name_2",
    "first_name",
    "middle_name",
    "surname",
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
    "language",
    "salesperson",
    "correspondence_type",
    "exclude_from_segment",
    "privacy_blocked",
]

SECTIONS = [
    (
        _l("General"),
        [
            "type",
            "no",
            "name",
            "name_2",
            "company_no",
            "first_name",
            "middle_name",
            "surname",
            "job_title",
            "salesperson",
            "exclude_from_segment",
            "privacy_blocked",
        ],
    ),
    (
        _l("Communication"),
        [
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
            "correspondence_type",
            "language",
            "vat_registration_no",
        ],
    ),
]


class ContactForm(forms.ModelForm):  # type: ignore[type-arg]
    company_no = forms.CharField(
        label=_l("Company No."),
        max_length=20,
        required=False,
        help_text=_l("For a person: the No. of the company the person works for."),
    )

    class Meta:
        model = Contact
        fields = CONTACT_FORM_FIELDS
        widgets = {"email": forms.TextInput(attrs={"autocomplete": "email"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["no"].required = False
        self.fields["no"].help_text = _l("Leave blank to take the next number from the series.")
        self.fields["name"].required = False  # the service names the missing field in BC's words
        if self.instance.pk:
            self.fields["no"].disabled = True
            if self.instance.is_person and self.instance.company_id:
                self.initial["company_no"] = self.instance.company.no  # type: ignore[union-attr]
        self.fields["salesperson"].queryset = self.fields["salesperson"].queryset.filter(  # type: ignore[attr-defined]
            blocked=False
        )

    def sections(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [
            (title, [self[name] for name in names if name in self.fields])
            for title, names in SECTIONS
        ]

    def clean_company_no(self) -> Contact | None:
        value = (self.cleaned_data.get("company_no") or "").strip().upper()
        if not value:
            return None
        company = Contact.objects.filter(no=value).first()
        if company is None:
            raise forms.ValidationError(_("You must select an existing contact."), code="not_found")
        return company

    # A value that passes the service's check of a field, so the check goes on to the next one.
    PASSING = {"name": "-", "type": "company"}

    def _post_clean(self) -> None:
        """Model validation happens in the service (with BC's rules and messages); here the
        service's checks run on a throwaway copy so every field error shows at once, not one
        per submit. The service checks again when it saves."""
        named = {f for f in self.errors if f != "__all__"}
        trial = copy.copy(self.instance)
        try:
            construct_instance(
                self, trial, fields=[f for f in CONTACT_FORM_FIELDS if f not in named]
            )
        except (ValueError, TypeError):  # pragma: no cover - a value the model refuses
            return
        for _attempt in range(len(CONTACT_FORM_FIELDS)):
            try:
                clean_contact(trial, check_unique=False)
            except ValidationError as exc:
                field, message, _code = first_error(exc)
                if field is None or field in named or field not in self.fields:
                    return
                named.add(field)
                self.add_error(field, message)
                if field == "salesperson":
                    trial.salesperson = None
                else:
                    setattr(trial, field, self.PASSING.get(field, ""))
            else:
                return

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        kwargs = {k: data[k] for k in CONTACT_FIELDS if k in data}
        kwargs["type"] = data.get("type") or "company"
        kwargs["company"] = data.get("company_no")
        kwargs["salesperson"] = data.get("salesperson")
        kwargs["language"] = data.get("language")
        if not self.instance.pk:
            kwargs["no"] = data.get("no") or ""
        return kwargs


class ContactBusinessRelationForm(forms.Form):
    business_relation = forms.ModelChoiceField(
        BusinessRelation.objects.all(), label=_l("Business Relation Code")
    )
    link_to_table = forms.ChoiceField(
        choices=LinkToTable.choices, required=False, label=_l("Link to Table")
    )
    no = forms.CharField(max_length=20, required=False, label=_l("No."))


class BusinessRelationForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = BusinessRelation
        fields = ["code", "description"]


class MarketingSetupForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = MarketingSetup
        fields = [f.name for f in MarketingSetup._meta.concrete_fields if f.name != "id"]

    def _post_clean(self) -> None:
        pass


class ContactAltAddressForm(forms.ModelForm):
    """Parses an alternative address; the services validate (code, e-mail) and write."""

    class Meta:
        model = ContactAltAddress
        fields = ["code", *ALT_ADDRESS_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["code"].required = False  # the service says "You must fill in ..."

    def validate_unique(self) -> None:
        """Uniqueness per contact is the service's check (the form has no contact)."""
