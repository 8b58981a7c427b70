"""Journey (issue 13 points 1-3): an admin sets up the Sales Invoices template, records a posted
invoice with its PDF through the form, sees it in Document Events, opens its entry, and
imports a CSV whose rows come back as recorded, duplicate and error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from tests.browser.test_interaction_journey import PASSWORD, USERNAME, log_in

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def admin(transactional_db: None) -> Any:
    from rapport.accounts.services import create_user

    return create_user(actor=None, username=USERNAME, password=PASSWORD, roles=["admin"])


def a_customer(admin: Any) -> None:
    from rapport.contacts.services import (
        add_contact_business_relation,
        create_business_relation,
        create_contact,
    )
    from rapport.interactions import services as interactions

    group = interactions.create_interaction_group(actor=admin, code="DOCS")
    interactions.create_interaction_template(
        actor=admin, code="SINV", group=group, description="Sales invoice", correspondence_type=""
    )
    company = create_contact(actor=admin, name="Aurora Borealis Oy")
    relation = create_business_relation(actor=admin, code="CUST")
    add_contact_business_relation(
        actor=admin,
        contact=company,
        business_relation=relation,
        link_to_table="customer",
        no="10000",
    )


def test_set_up_record_a_pdf_invoice_and_import_a_csv(
    live_server: LiveServer,
    admin: Any,
    page: Page,
    screenshot: Callable[[str], Path],
    tmp_path: Path,
) -> None:
    a_customer(admin)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/interactions/setup/")
    page.get_by_label("Sales Invoices").select_option("SINV")
    screenshot("setup")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages, [role=status]").first).to_contain_text("saved")

    page.get_by_role("link", name="Document Events").first.click()
    page.get_by_role("link", name="Record Document Event").click()
    page.get_by_label("Document Type").select_option("sales_invoice")
    page.get_by_label("Document No.").fill("PS-1001")
    page.get_by_label("Event").select_option("posted")
    page.get_by_label("Customer No.").fill("10000")
    pdf = tmp_path / "PS-1001.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("PDF").set_input_files(str(pdf))
    page.get_by_role("button", name="Record").click()
    expect(page.locator("body")).to_contain_text("was recorded as interaction log entry")
    row = page.locator("tr[data-status='recorded']").first
    expect(row).to_contain_text("PS-1001")
    screenshot("list")
    row.get_by_role("link").last.click()
    expect(page.locator("body")).to_contain_text("PS-1001.pdf")

    page.goto(f"{live_server.url}/documents/import/")
    csv = tmp_path / "events.csv"
    csv.write_text(
        "document_type,document_no,event,customer_no\n"
        "sales_invoice,PS-1001,posted,10000\n"
        "sales_invoice,PS-1002,posted,10000\n"
        "sales_invoice,PS-1003,posted,99999\n"
    )
    page.get_by_label("File", exact=True).set_input_files(str(csv))
    page.get_by_label("Dry run: check the file without recording").uncheck()
    page.get_by_role("button", name="Check or import").click()
    result = page.locator("#import-result")
    expect(result.locator("[data-recorded]")).to_have_text("1")
    expect(result.locator("[data-duplicate]")).to_have_text("1")
    expect(result.locator("[data-errors]")).to_have_text("1")
    expect(result).to_contain_text("Customer 99999 is not linked to a contact")
    screenshot("import")
