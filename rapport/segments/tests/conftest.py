"""Fixtures for segment tests: a template, salespeople, companies and persons, all made through
the real services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from rapport.accounts.services import create_salesperson
from rapport.campaigns.services import create_campaign
from rapport.contacts.services import create_contact
from rapport.core.models import Language
from rapport.interactions import services as interactions
from rapport.segments import services


@pytest.fixture(autouse=True)
def _midday_clock(monkeypatch):
    from django.utils import timezone

    real_now = timezone.now
    start = real_now()
    fixed = datetime.datetime(2026, 11, 23, 10, 30, 15, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: fixed + (real_now() - start))


@pytest.fixture
def anna(alice):
    return create_salesperson(actor=alice, code="ANNA", name="Anna Ahonen")


@pytest.fixture
def ola(alice):
    return create_salesperson(actor=alice, code="OLA", name="Ola Nordmann")


@pytest.fixture
def letter(alice):
    group = interactions.create_interaction_group(actor=alice, code="LETTER", description="Letters")
    return interactions.create_interaction_template(
        actor=alice,
        code="NEWSL",
        group=group,
        description="Newsletter",
        unit_cost=Decimal("1.20"),
        unit_duration=Decimal(5),
        information_flow="outbound",
        initiated_by="us",
        correspondence_type="",
    )


@pytest.fixture
def meeting(alice, letter):
    return interactions.create_interaction_template(
        actor=alice,
        code="MEET",
        group=letter.group,
        description="Meeting",
        unit_cost=Decimal(50),
        unit_duration=Decimal(60),
        information_flow="outbound",
        initiated_by="us",
        correspondence_type="",
    )


@pytest.fixture
def campaign(alice):
    return create_campaign(actor=alice, description="Autumn fair")


@pytest.fixture
def world(alice, anna, ola):
    """Two companies with persons, one loose person, an excluded and a privacy-blocked one."""
    fi = Language.objects.get(code="FI")
    kesko = create_contact(
        actor=alice,
        name="Kesko Oyj",
        salesperson=anna,
        city="Helsinki",
        email="info@kesko.fi",
        language=fi,
    )
    equinor = create_contact(
        actor=alice, name="Equinor ASA", salesperson=ola, city="Stavanger", email="post@eq.no"
    )
    people = {
        "matti": create_contact(
            actor=alice, name="Matti Virtanen", type="person", company=kesko, email="m@kesko.fi"
        ),
        "liisa": create_contact(actor=alice, name="Liisa Laine", type="person", company=kesko),
        "kari": create_contact(
            actor=alice, name="Kari Nilsen", type="person", company=equinor, email="k@eq.no"
        ),
        "solo": create_contact(actor=alice, name="Sami Solo", type="person", city="Helsinki"),
        "hidden": create_contact(
            actor=alice,
            name="Hilda Hidden",
            type="person",
            city="Helsinki",
            exclude_from_segment=True,
        ),
        "private": create_contact(
            actor=alice, name="Pia Private", type="person", city="Helsinki", privacy_blocked=True
        ),
    }
    return {"kesko": kesko, "equinor": equinor, **people}


@pytest.fixture
def segment(alice, letter, anna):
    return services.create_segment(
        actor=alice, description="Autumn newsletter", template=letter, salesperson=anna
    )


def contacts_of(segment: Any) -> list[str]:
    return [
        line.contact.name for line in segment.lines.select_related("contact").order_by("line_no")
    ]
