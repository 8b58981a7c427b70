"""Fixtures for interaction tests: a group, templates and contacts made through the services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from rapport.accounts.services import create_salesperson, update_user
from rapport.contacts.services import create_contact
from rapport.interactions import services
from rapport.interactions.attachments import Upload
from rapport.interactions.tests.delivery_fixtures import (  # noqa: F401  (fixtures)
    maija,
    mail_template,
    word_template,
)


@pytest.fixture(autouse=True)
def _midday_clock(monkeypatch):
    """Interactions default to "now rounded up to the next minute", which a minute before
    midnight is tomorrow; pin the clock to midday so date assertions never race midnight."""
    import datetime

    from django.utils import timezone

    real_now = timezone.now
    start = real_now()
    fixed = datetime.datetime(2026, 11, 23, 10, 30, 15, tzinfo=datetime.UTC)

    def now() -> datetime.datetime:
        return fixed + (real_now() - start)  # time still moves, from a safe starting point

    monkeypatch.setattr(timezone, "now", now)


@pytest.fixture
def group(alice):
    return services.create_interaction_group(actor=alice, code="LETTER", description="Letters")


@pytest.fixture
def salesperson(alice):
    return create_salesperson(actor=alice, code="AH", name="Aino Heikkinen")


@pytest.fixture
def call_template(alice, group):
    """A plain template with no attachment and a blank correspondence type (BC's default is
    Email, which would need an attachment)."""
    return services.create_interaction_template(
        actor=alice,
        code="CALL",
        group=group,
        description="Phone call",
        unit_cost=Decimal("2.50"),
        unit_duration=Decimal(10),
        information_flow="outbound",
        initiated_by="us",
        correspondence_type="",
    )


@pytest.fixture
def company(alice, salesperson):
    return create_contact(
        actor=alice, name="Kesko Oyj", salesperson=salesperson, email="info@kesko.example"
    )


@pytest.fixture
def person(alice, company):
    return create_contact(actor=alice, name="Matti Virtanen", type="person", company=company)


@pytest.fixture
def interact(bob):
    """interact(contact, template, **values) -> a logged entry, created by bob."""

    def make(
        contact: Any, template: Any, *, actor: Any = None, postpone: bool = False, **values: Any
    ):
        return services.create_interaction(
            actor=actor or bob,
            data=services.InteractionInput(contact=contact, template=template, **values),
            postpone=postpone,
        )

    return make


def upload(name: str = "letter.txt", content: bytes = b"Dear customer") -> Upload:
    return Upload(content=content, name=name, content_type="text/plain")


@pytest.fixture
def bob_with_salesperson(alice, bob):
    sp = create_salesperson(actor=alice, code="BOB", name="Bob Sales")
    return update_user(actor=alice, user=bob, salesperson=sp)
