"""Fixtures for privacy tests: the interactions app's group, templates and contacts (made
through the real services), and a person with every kind of personal data Rapport keeps."""

from __future__ import annotations

from typing import Any

import pytest

from rapport.contacts.services import create_contact, create_contact_alt_address
from rapport.interactions.tests.conftest import (
    _midday_clock,
    call_template,
    company,
    group,
    salesperson,
)

# The imported fixtures are used by name (pytest finds them in this module).
__all__ = ["_midday_clock", "call_template", "company", "group", "salesperson"]
from rapport.interactions.tests.delivery_fixtures import (  # noqa: F401  (fixtures)
    mail_template,
    word_template,
)


@pytest.fixture
def maija(alice: Any, company: Any, salesperson: Any) -> Any:
    """A person whose name, e-mails and address must all be gone after an erasure."""
    contact = create_contact(
        actor=alice,
        name="Maija Mehiläinen",
        type="person",
        company=company,
        salesperson=salesperson,
        email="maija.mehilainen@example.org",
        phone_no="+358 40 123 4567",
        address="Satamakatu 3",
        post_code="00160",
        city="Helsinki",
        home_page="maija-mehilainen.example.org",
    )
    create_contact_alt_address(
        actor=alice,
        contact=contact,
        code="HOME",
        address="Kotipolku 7",
        city="Espoo",
        email="maija.koti@example.net",
    )
    contact.refresh_from_db()
    return contact
