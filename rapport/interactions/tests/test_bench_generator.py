"""bench/generate.py at tiny sizes writes a database the services agree with, so the scale
benchmarks cannot rot: statistics equal a recount, the number series was advanced, every index
is back, and a contact's entries page and a new interaction work on the generated data."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from django.db import connection

from rapport.accounts.services import system_actor
from rapport.contacts.models import Contact, ContactBusinessRelation
from rapport.contacts.services import create_contact
from rapport.interactions import queries, services
from rapport.interactions.models import (
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
)

BENCH = Path(__file__).resolve().parents[3] / "bench"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate"] = module
    spec.loader.exec_module(module)
    return module


def index_names(model: Any) -> set[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {name for name, info in found.items() if info["index"]}


@pytest.fixture
def generated(db: None) -> Any:
    gen = load_generator()
    before = index_names(InteractionLogEntry), index_names(Contact)
    result = gen.generate(contacts=48, entries=3000, batch=700)
    assert (index_names(InteractionLogEntry), index_names(Contact)) == before
    return result


def recount(**where: Any) -> queries.Statistics:
    rows = InteractionLogEntry.objects.filter(**where).values_list(
        "cost", "duration", "canceled", "postponed"
    )
    counted = [
        (cost, duration)
        for cost, duration, canceled, postponed in rows
        if not (canceled or postponed)
    ]
    return queries.Statistics(
        count=len(counted),
        cost=sum((c for c, _d in counted), Decimal(0)),
        duration=sum((d for _c, d in counted), Decimal(0)),
    )


def same(a: queries.Statistics, b: queries.Statistics) -> bool:
    """Equal to the cent: SQLite sums decimal columns as floating point (40.0000000000003)."""
    cent = Decimal("0.01")
    return (a.count, Decimal(a.cost).quantize(cent), Decimal(a.duration).quantize(cent)) == (
        b.count,
        b.cost.quantize(cent),
        b.duration.quantize(cent),
    )


def test_the_generator_writes_the_sizes_asked_for_with_skew(generated: Any) -> None:
    assert Contact.objects.count() == 48
    assert Contact.objects.filter(type="company").count() == 12
    assert InteractionLogEntry.objects.count() == 3000
    per_contact = Counter(InteractionLogEntry.objects.values_list("contact_id", flat=True))
    counts = sorted(per_contact.values())
    assert counts[-1] > 5 * counts[len(counts) // 2]
    per_template = Counter(InteractionLogEntry.objects.values_list("template__code", flat=True))
    assert per_template["EMAIL"] > 10 * per_template["EVENT"] > 0
    canceled = InteractionLogEntry.objects.filter(canceled=True).count()
    assert 200 < canceled < 400


def test_generated_rows_match_what_the_services_write(generated: Any) -> None:
    for entry in InteractionLogEntry.objects.select_related("template", "contact")[:500]:
        template = entry.template
        assert entry.group_id == template.group_id
        assert (entry.cost, entry.duration) == (template.unit_cost, template.unit_duration)
        assert entry.information_flow == template.information_flow
        assert entry.description == entry.subject == template.description
        assert entry.contact_company_id == entry.contact.company_id
        assert entry.salesperson_id == entry.contact.salesperson_id
    for person in Contact.objects.filter(type="person").select_related("company")[:20]:
        company = person.company
        assert (person.salesperson_id, person.city, person.language_id) == (
            company.salesperson_id,
            company.city,
            company.language_id,
        )
        assert person.search_name == person.name.upper()
    for company in Contact.objects.filter(type="company"):
        assert company.company_id == company.pk
    assert ContactBusinessRelation.objects.filter(link_to_table="customer").exists()


def test_statistics_equal_a_recount_after_generating(generated: Any) -> None:
    for template in InteractionTemplate.objects.all():
        assert same(queries.template_statistics(template), recount(template=template))
    for group in InteractionGroup.objects.all():
        assert same(queries.group_statistics(group), recount(group=group))
    for contact in Contact.objects.all():
        where = {"contact_company": contact} if contact.is_company else {"contact": contact}
        assert same(queries.contact_statistics(contact), recount(**where))


def test_services_carry_on_after_the_generated_numbers(generated: Any, alice: Any) -> None:
    last = Contact.objects.order_by("-no").first()
    assert last is not None and last.no == "CT000048"
    contact = create_contact(actor=alice, name="After Bench Oy")
    assert contact.no == "CT000049"
    template = InteractionTemplate.objects.get(code="MEETING")
    entry = services.create_interaction(
        actor=system_actor(),
        data=services.InteractionInput(contact=last, template=template),
    )
    assert entry.pk == 3001
    assert entry.cost == Decimal("50.00")


def test_a_generated_contacts_entries_page_works(
    generated: Any, alice: Any, client_for: Any
) -> None:
    as_alice = client_for(alice)
    heavy_id, _n = Counter(
        InteractionLogEntry.objects.values_list("contact_company_id", flat=True)
    ).most_common(1)[0]
    company = Contact.objects.get(pk=heavy_id)
    response = as_alice.get(f"/api/v1/contacts/{company.no}/interaction-log-entries?page_size=50")
    assert response.status_code == 200
    body = response.json()
    expected = list(
        InteractionLogEntry.objects.filter(contact_company=company, postponed=False)
        .order_by("-id")
        .values_list("id", flat=True)[:50]
    )
    assert [item["entry_no"] for item in body["items"]] == expected
    assert as_alice.get(company.get_absolute_url()).status_code == 200
