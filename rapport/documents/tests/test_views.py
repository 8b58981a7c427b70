"""Document pages: record one event with a PDF, import a CSV with per-row results (dry run
first), the list with its filters and the skipped events."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from rapport.documents.models import DocumentEvent
from rapport.documents.tests.conftest import PDF
from rapport.interactions import services as interactions
from rapport.interactions.models import InteractionLogEntry

pytestmark = pytest.mark.django_db

CSV = (
    "document_type,document_no,event,document_date,customer_no,vendor_no,amount\n"
    "sales_invoice,PS-1,posted,2026-11-23,10000,,120.50\n"
    "sales_quote,SQ-1,printed,2026-11-20,10000,,\n"
    "purchase_order,PO-1,emailed,2026-11-21,,20000,\n"
    "sales_invoice,PS-1,posted,2026-11-23,10000,,120.50\n"
    "sales_invoice,PS-2,posted,2026-11-23,99999,,\n"
    "sales_invoice,PS-3,posted,23.11.2026,10000,,\n"
)


def test_a_user_records_one_document_event_with_its_pdf(
    client_for, bob, templates, customer
) -> None:
    client = client_for(bob)
    page = client.get(reverse("documents:event_record"))
    assert page.status_code == 200
    data = {
        "document_type": "sales_invoice",
        "document_no": "PS-1001",
        "event": "posted",
        "document_date": "23.11.2026",
        "customer_no": "10000",
        "pdf": SimpleUploadedFile("PS-1001.pdf", PDF, "application/pdf"),
    }
    response = client.post(reverse("documents:event_record"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = InteractionLogEntry.objects.get()
    assert (entry.document_no, entry.attachment.file_name) == ("PS-1001", "PS-1001.pdf")
    data["pdf"] = SimpleUploadedFile("PS-1001.pdf", PDF, "application/pdf")
    again = client.post(reverse("documents:event_record"), data, follow=True)
    assert "was recorded before" in again.content.decode()
    assert InteractionLogEntry.objects.count() == 1


def test_an_unknown_customer_is_shown_on_the_form_and_nothing_is_written(
    client_for, bob, templates, customer
) -> None:
    response = client_for(bob).post(
        reverse("documents:event_record"),
        {
            "document_type": "sales_invoice",
            "document_no": "PS-9",
            "event": "posted",
            "customer_no": "99999",
        },
    )
    assert response.status_code == 422
    assert "Customer 99999 is not linked to a contact" in response.content.decode()
    assert not DocumentEvent.objects.exists()


def test_a_csv_import_dry_runs_then_records_with_a_result_per_row(
    client_for, bob, templates, customer, vendor
) -> None:
    client = client_for(bob)
    url = reverse("documents:event_import")
    dry = client.post(
        url, {"file": SimpleUploadedFile("events.csv", CSV.encode()), "dry_run": "on"}
    )
    assert dry.status_code == 200
    result = dry.context["result"]
    assert (result["recorded"], result["duplicate"], result["error"]) == (3, 1, 2)
    assert not InteractionLogEntry.objects.exists(), "a dry run writes nothing"
    done = client.post(url, {"file": SimpleUploadedFile("events.csv", CSV.encode())})
    result = done.context["result"]
    by_row = {row["row"]: row for row in result["results"]}
    assert [by_row[n]["status"] for n in range(2, 8)] == [
        "recorded", "recorded", "recorded", "duplicate", "error", "error",
    ]  # fmt: skip
    assert by_row[5]["entry_no"] == by_row[2]["entry_no"]
    assert by_row[6]["field"] == "customer_no"
    assert by_row[7]["field"] == "document_date"
    assert InteractionLogEntry.objects.count() == 3
    assert DocumentEvent.objects.get(document_no="PS-1").amount == 120.5
    again = client.post(url, {"file": SimpleUploadedFile("events.csv", CSV.encode())})
    assert again.context["result"]["duplicate"] == 4


def test_a_large_csv_is_imported_by_a_job(
    client_for, bob, templates, customer, settings, django_capture_on_commit_callbacks
) -> None:
    settings.RAPPORT_IMPORT_JOB_THRESHOLD = 2
    lines = ["document_type,document_no,event,customer_no"]
    lines += [f"sales_quote,Q-{i},created,10000" for i in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(bob).post(
            reverse("documents:event_import"),
            {"file": SimpleUploadedFile("events.csv", "\n".join(lines).encode())},
        )
    assert response.status_code == 302
    assert "/jobs/" in response["Location"]
    assert InteractionLogEntry.objects.count() == 5


def test_the_list_shows_recorded_and_skipped_events_with_filters(
    client_for, alice, bob, templates, customer, vendor
) -> None:
    interactions.update_template_setup(actor=alice, skip_unrecorded_documents=True)
    client = client_for(bob)
    url = reverse("documents:event_import")
    client.post(url, {"file": SimpleUploadedFile("events.csv", CSV.encode())})
    page = client.get(reverse("documents:event_list"))
    assert page.status_code == 200
    assert page.context["counts"] == {"recorded": 3, "skipped": 1}
    skipped = client.get(reverse("documents:event_list") + "?status=skipped")
    assert [e.document_no for e in skipped.context["page"].items] == ["PS-2"]
    html = skipped.content.decode()
    assert "Customer 99999 is not linked to a contact" in html
    partial = client.get(
        reverse("documents:event_list") + "?event=printed", headers={"HX-Request": "true"}
    )
    assert [e.document_no for e in partial.context["page"].items] == ["SQ-1"]
    assert "<h1>" not in partial.content.decode()


def test_a_viewer_sees_the_list_but_cannot_record(client_for, carol) -> None:
    client = client_for(carol)
    assert client.get(reverse("documents:event_list")).status_code == 200
    assert client.get(reverse("documents:event_record")).status_code == 403
    assert client.get(reverse("documents:event_import")).status_code == 403


def test_the_setup_page_shows_bc_groups_and_saves_extra_document_types(
    client_for, alice, templates
) -> None:
    client = client_for(alice)
    url = reverse("interactions:template_setup")
    page = client.get(url).content.decode()
    for caption in (
        "Sales Invoices",
        "Purch. Return Shipment",
        "Service Contract Quote",
        "E-Mails",
    ):
        assert caption in page
    response = client.post(
        url,
        {
            "sales_invoices": "SINV",
            "purch_orders": "PORD",
            "skip_unrecorded_documents": "on",
            "extra-TOTAL_FORMS": "1",
            "extra-INITIAL_FORMS": "0",
            "extra-0-code": "webshop",
            "extra-0-description": "Web shop order",
            "extra-0-template": "SQTE",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    body = client.get("/api/v1/interaction-template-setup").json()
    assert body["extra_document_types"][0]["code"] == "WEBSHOP"
    assert body["sales_quotes_code"] == ""
    assert body["skip_unrecorded_documents"] is True
