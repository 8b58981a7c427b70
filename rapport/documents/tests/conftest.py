"""Fixtures for document tests: templates, a setup, a customer and a vendor linked to companies
through business relations, all made through the real services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from rapport.accounts.services import create_salesperson
from rapport.contacts.services import (
    add_contact_business_relation,
    create_business_relation,
    create_contact,
)
from rapport.documents import services
from rapport.interactions import services as interactions

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
DAY = datetime.date(2026, 11, 23)


@pytest.fixture
def group(alice):
    return interactions.create_interaction_group(actor=alice, code="DOCS", description="Documents")


def make_template(actor: Any, group: Any, code: str, **values: Any) -> Any:
    values.setdefault("description", f"{code.title()} document")
    values.setdefault("correspondence_type", "")
    values.setdefault("information_flow", "outbound")
    return interactions.create_interaction_template(
        actor=actor, code=code, group=group, unit_cost=Decimal("1.50"), **values
    )


@pytest.fixture
def templates(alice, group) -> dict[str, Any]:
    """SINV for sales invoices, SQTE for sales quotes, PORD for purchase orders, SCON for
    service contracts, set up in the Interaction Template Setup."""
    made = {
        "SINV": make_template(
            alice, group, "SINV", correspondence_type="email", ignore_contact_corres_type=True
        ),
        "SQTE": make_template(alice, group, "SQTE"),
        "PORD": make_template(alice, group, "PORD"),
        "SCON": make_template(alice, group, "SCON"),
    }
    interactions.update_template_setup(
        actor=alice,
        sales_invoices=made["SINV"],
        sales_quotes=made["SQTE"],
        purch_orders=made["PORD"],
        service_contract=made["SCON"],
    )
    return made


@pytest.fixture
def salesperson(alice):
    return create_salesperson(actor=alice, code="AH", name="Aino Heikkinen")


@pytest.fixture
def customer(alice, salesperson):
    """Company contact Kesko, linked to customer 10000 (no e-mail address)."""
    company = create_contact(actor=alice, name="Kesko Oyj", salesperson=salesperson)
    relation = create_business_relation(actor=alice, code="CUST", description="Customer")
    add_contact_business_relation(
        actor=alice,
        contact=company,
        business_relation=relation,
        link_to_table="customer",
        no="10000",
    )
    return company


@pytest.fixture
def vendor(alice):
    """Company contact Fiskars, linked to vendor 20000."""
    company = create_contact(actor=alice, name="Fiskars Oyj", email="orders@fiskars.example")
    relation = create_business_relation(actor=alice, code="VEND", description="Vendor")
    add_contact_business_relation(
        actor=alice, contact=company, business_relation=relation, link_to_table="vendor", no="20000"
    )
    return company


def event(**values: Any) -> services.DocumentEventInput:
    values.setdefault("document_type", "sales_invoice")
    values.setdefault("document_no", "PS-1001")
    values.setdefault("event", "posted")
    values.setdefault("document_date", DAY)
    if "vendor_no" not in values and "contact_no" not in values:
        values.setdefault("customer_no", "10000")
    return services.DocumentEventInput(**values)
