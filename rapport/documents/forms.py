"""Forms of the documents pages: one document event (with an optional PDF) and the import.
They parse input only; `rapport.documents.services` decides and writes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _l

from rapport.core.forms import LocalDateField
from rapport.documents.models import DocumentEventKind
from rapport.documents.queries import document_type_choices


class DocumentEventForm(forms.Form):
    document_type = forms.ChoiceField(label=_l("Document Type"))
    document_no = forms.CharField(label=_l("Document No."), max_length=20)
    event = forms.ChoiceField(label=_l("Event"), choices=DocumentEventKind.choices)
    document_date = LocalDateField(
        label=_l("Document Date"), required=False, help_text=_l("Blank: today.")
    )
    customer_no = forms.CharField(
        label=_l("Customer No."),
        max_length=20,
        required=False,
        help_text=_l("Sales and service documents: the bill-to customer."),
    )
    vendor_no = forms.CharField(
        label=_l("Vendor No."),
        max_length=20,
        required=False,
        help_text=_l("Purchase documents: the vendor."),
    )
    contact_no = forms.CharField(
        label=_l("Contact No."),
        max_length=20,
        required=False,
        help_text=_l("The contact itself (the bill-to contact); it wins over the customer."),
    )
    version_no = forms.IntegerField(
        label=_l("Version No."), min_value=0, max_value=2_147_483_647, required=False
    )
    amount = forms.DecimalField(label=_l("Amount"), max_digits=18, decimal_places=2, required=False)
    campaign_no = forms.CharField(label=_l("Campaign No."), max_length=20, required=False)
    salesperson_code = forms.CharField(label=_l("Salesperson Code"), max_length=20, required=False)
    description = forms.CharField(
        label=_l("Description"),
        max_length=100,
        required=False,
        help_text=_l("Blank: the template's description."),
    )
    order_no = forms.CharField(label=_l("Order No."), max_length=20, required=False)
    pdf = forms.FileField(
        label=_l("PDF"),
        required=False,
        help_text=_l("The document as a PDF file; it becomes the entry's attachment."),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["document_type"].choices = document_type_choices()  # type: ignore[attr-defined]


class DocumentImportForm(forms.Form):
    file = forms.FileField(
        label=_l("File"),
        help_text=_l(
            "A CSV file (UTF-8) or an Excel workbook (.xlsx). The first row names the columns."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )
    dry_run = forms.BooleanField(
        label=_l("Dry run: check the file without recording"), required=False, initial=True
    )
