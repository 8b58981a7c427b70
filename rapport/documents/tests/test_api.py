"""The documents API: one event (with a PDF), a batch with per-row results, the list."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from rapport.documents.tests.conftest import PDF
from rapport.interactions.models import InteractionLogEntry

pytestmark = pytest.mark.django_db

URL = "/api/v1/document-events"


def post(client: Any, url: str, payload: Any) -> Any:
    return client.post(url, json.dumps(payload), "application/json")


def invoice(**values: Any) -> dict[str, Any]:
    return {
        "document_type": "sales_invoice",
        "document_no": "PS-1001",
        "event": "posted",
        "document_date": "2026-11-23",
        "customer_no": "10000",
        **values,
    }


def test_one_event_is_logged_once_with_its_pdf(client_for, bob, templates, customer) -> None:
    api = client_for(bob)
    pdf = {"file_name": "PS-1001.pdf", "content": base64.b64encode(PDF).decode()}
    first = post(api, URL, invoice(pdf=pdf))
    assert first.status_code == 201, first.json()
    body = first.json()
    assert body["status"] == "recorded"
    entry = InteractionLogEntry.objects.get(pk=body["entry_no"])
    assert (entry.document_no, entry.attachment.file_name) == ("PS-1001", "PS-1001.pdf")
    again = post(api, URL, invoice())
    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert again.json()["entry_no"] == body["entry_no"]


def test_a_missing_customer_or_a_non_pdf_is_a_422_naming_the_field(
    client_for, bob, templates, customer
) -> None:
    api = client_for(bob)
    missing = post(api, URL, invoice(customer_no="99999"))
    assert missing.status_code == 422
    assert missing.json()["field"] == "customer_no"
    assert missing.json()["code"] == "no_contact"
    fake = {"file_name": "x.pdf", "content": base64.b64encode(b"GIF89a").decode()}
    not_pdf = post(api, URL, invoice(pdf=fake))
    assert (not_pdf.status_code, not_pdf.json()["field"]) == (422, "pdf")
    bad_event = post(api, URL, invoice(event="shredded"))
    assert (bad_event.status_code, bad_event.json()["field"]) == (422, "event")
    assert not InteractionLogEntry.objects.exists()


def test_a_batch_gives_a_result_per_event(client_for, bob, templates, customer, vendor) -> None:
    events = [invoice(document_no=f"PS-{i}") for i in range(50)]
    events += [
        invoice(document_no="PS-0"),  # the same event again in the batch
        invoice(document_no="X", customer_no="99999"),
        invoice(
            document_type="purchase_order", document_no="PO-1", customer_no="", vendor_no="20000"
        ),
    ]
    response = post(client_for(bob), f"{URL}/batch", {"events": events})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["recorded"], body["duplicate"], body["skipped"], body["error"]) == (51, 1, 0, 1)
    results = body["results"]
    assert results[50]["status"] == "duplicate"
    assert results[50]["entry_no"] == results[0]["entry_no"]
    assert (results[51]["status"], results[51]["field"]) == ("error", "customer_no")
    assert InteractionLogEntry.objects.count() == 51
    again = post(client_for(bob), f"{URL}/batch", {"events": events[:3]})
    assert again.json()["duplicate"] == 3


def test_the_list_filters_recorded_and_skipped_events(
    client_for, alice, bob, templates, customer
) -> None:
    from rapport.interactions import services as interactions

    interactions.update_template_setup(actor=alice, skip_unrecorded_documents=True)
    api = client_for(bob)
    post(api, URL, invoice())
    skipped = post(api, URL, invoice(document_no="PS-2", customer_no="99999"))
    assert skipped.json()["status"] == "skipped"
    listed = client_for(alice).get(f"{URL}?status=skipped").json()
    assert [row["document_no"] for row in listed["items"]] == ["PS-2"]
    assert "99999" in listed["items"][0]["reason"]
    assert client_for(alice).get(f"{URL}?document_no=ps-1001").json()["count"] == 1
    unknown = client_for(alice).get(f"{URL}?colour=red")
    assert (unknown.status_code, unknown.json()["field"]) == (422, "colour")


def test_a_viewer_may_list_but_not_log(client_for, carol, templates, customer) -> None:
    api = client_for(carol)
    assert api.get(URL).status_code == 200
    assert post(api, URL, invoice()).status_code == 403


def test_the_setup_api_reads_and_changes_every_document_template(
    client_for, alice, templates
) -> None:
    api = client_for(alice)
    url = "/api/v1/interaction-template-setup"
    body = api.get(url).json()
    assert body["sales_invoices_code"] == "SINV"
    assert body["purch_return_shipment_code"] == ""
    changed = api.patch(
        url,
        json.dumps(
            {
                "purch_return_shipment_code": "pord",
                "sales_invoices_code": None,
                "skip_unrecorded_documents": True,
                "extra_document_types": [
                    {"code": "webshop", "description": "Web shop", "template_code": "SQTE"}
                ],
            }
        ),
        "application/json",
    )
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert (body["purch_return_shipment_code"], body["sales_invoices_code"]) == ("PORD", "")
    assert body["skip_unrecorded_documents"] is True
    assert body["extra_document_types"] == [
        {"code": "WEBSHOP", "description": "Web shop", "template_code": "SQTE"}
    ]
    bad = api.patch(url, json.dumps({"sales_quotes_code": "NOPE"}), "application/json")
    assert (bad.status_code, bad.json()["field"]) == (422, "sales_quotes_code")
