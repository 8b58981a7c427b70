"""Every document upload refuses a file over the configured limit with a clear error naming
the field, on the page and in the API, and writes nothing (issue 14.3)."""

from __future__ import annotations

import base64
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rapport.documents.models import DocumentEvent
from rapport.documents.tests.conftest import PDF
from rapport.interactions.models import Attachment, InteractionLogEntry

pytestmark = pytest.mark.django_db

LIMIT = 2000
BIG_PDF = PDF + b"%" + b"x" * (LIMIT + 10)


def _nothing_written() -> None:
    assert not DocumentEvent.objects.exists()
    assert not InteractionLogEntry.objects.exists()
    assert not Attachment.objects.exists()


def test_an_oversize_pdf_on_the_record_page_is_an_error_next_to_the_pdf(
    client_for, bob, templates, customer, settings
) -> None:
    settings.RAPPORT_MAX_UPLOAD_BYTES = LIMIT
    data = {
        "document_type": "sales_invoice",
        "document_no": "PS-1001",
        "event": "posted",
        "document_date": "23.11.2026",
        "customer_no": "10000",
        "pdf": SimpleUploadedFile("PS-1001.pdf", BIG_PDF, "application/pdf"),
    }
    response = client_for(bob).post(reverse("documents:event_record"), data)
    assert response.status_code == 422
    assert "pdf" in response.context["form"].errors
    assert "too large" in " ".join(response.context["form"].errors["pdf"])
    _nothing_written()


def test_an_oversize_pdf_in_the_api_is_a_422_on_pdf(
    client_for, bob, templates, customer, settings
) -> None:
    settings.RAPPORT_MAX_UPLOAD_BYTES = LIMIT
    payload = {
        "document_type": "sales_invoice",
        "document_no": "PS-1001",
        "event": "posted",
        "document_date": "2026-11-23",
        "customer_no": "10000",
        "pdf": {"file_name": "PS-1001.pdf", "content": base64.b64encode(BIG_PDF).decode()},
    }
    response = client_for(bob).post(
        "/api/v1/document-events", json.dumps(payload), "application/json"
    )
    assert response.status_code == 422
    assert response.json()["field"] == "pdf" and "too large" in response.json()["message"]
    _nothing_written()


def test_an_oversize_import_file_is_an_error_next_to_the_file(
    client_for, bob, templates, customer, settings
) -> None:
    settings.RAPPORT_MAX_UPLOAD_BYTES = LIMIT
    content = b"document_type,document_no,event,customer_no\n" + (
        b"sales_invoice,PS-1,posted,10000\n" * 100
    )
    response = client_for(bob).post(
        reverse("documents:event_import"), {"file": SimpleUploadedFile("d.csv", content)}
    )
    assert response.status_code == 422
    assert "too large" in " ".join(response.context["form"].errors["file"])
    _nothing_written()
