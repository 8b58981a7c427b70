"""Privacy API: a contact's personal data as a zip, and erasing it."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponseBase
from ninja import Router

from rapport.contacts.api import _contact
from rapport.core.api_helpers import require_api_perm
from rapport.privacy import services
from rapport.privacy.schemas import ErasureOut
from rapport.privacy.views import export_file_name, zip_response

router = Router(tags=["Privacy"])


@router.get(
    "/contacts/{contact_no}/personal-data",
    summary="Export a contact's personal data as a zip",
)
def personal_data_export(request: HttpRequest, contact_no: str) -> HttpResponseBase:
    """Everything Rapport holds about the contact (see README.txt in the zip): contact.json,
    entries.json and entries.csv, attachments/, segments.json, campaigns.json,
    documents.json, mailbox.json, deliveries.json. Admins only."""
    require_api_perm(request, services.EXPORT_PERM)
    contact = _contact(request, contact_no)
    path = services.export_contact_data(actor=request.user, contact=contact)
    return zip_response(path, export_file_name(contact))


@router.post(
    "/contacts/{contact_no}/erase", response=ErasureOut, summary="Erase a contact's personal data"
)
def personal_data_erase(request: HttpRequest, contact_no: str) -> dict[str, Any]:
    """Anonymise the contact and every copy of its personal data; its entries keep their
    template, date, cost and duration (statistics are unchanged). The contact is marked erased
    and privacy blocked. Refused (422) when erased already, while it stands on an unlogged
    segment, has open opportunities, is a company with persons not erased, or documents to it
    are being sent. Admins only; cannot be undone."""
    require_api_perm(request, services.ERASE_PERM)
    contact = _contact(request, contact_no)
    erasure = services.erase_contact(actor=request.user, contact=contact)
    return {
        "contact_no": erasure.contact_no,
        "erased_at": erasure.erased_at,
        "erased_by": request.user.get_username(),
        "counts": erasure.counts,
    }
