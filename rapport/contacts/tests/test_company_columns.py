"""Company No. and Company Name are stored on every contact, as BC stores them, and stay right
when a company is renamed, a person moves, a contact changes type, a file is imported or a
company is erased. The contact list's default order reads them from the contact's own row."""

from __future__ import annotations

import csv
import importlib
import io
import re
from typing import Any

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rapport.accounts.models import User
from rapport.accounts.services import create_api_token
from rapport.contacts import queries
from rapport.contacts.models import Contact
from rapport.contacts.services import create_contact, import_contacts, update_contact


def stored(contact: Contact) -> tuple[str, str]:
    row = Contact.objects.values_list("company_no", "company_name").get(pk=contact.pk)
    return (row[0], row[1])


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def test_a_company_stores_its_own_no_and_name_and_its_persons_store_the_companys(
    alice: User,
) -> None:
    acme = create_contact(actor=alice, no="ACME", name="Acme Oy")
    anna = create_contact(actor=alice, name="Anna Virtanen", type="person", company=acme)
    loner = create_contact(actor=alice, name="Pekka Loner", type="person")
    assert stored(acme) == ("ACME", "Acme Oy")
    assert stored(anna) == ("ACME", "Acme Oy")
    assert stored(loner) == ("", "")
    assert anna.company_name == "Acme Oy"  # callers of the old property keep working


def test_renaming_a_company_renames_it_on_its_persons_only(alice: User) -> None:
    acme = create_contact(actor=alice, no="ACME", name="Acme Oy")
    beta = create_contact(actor=alice, no="BETA", name="Beta Ab")
    anna = create_contact(actor=alice, name="Anna Virtanen", type="person", company=acme)
    olli = create_contact(actor=alice, name="Olli Nieminen", type="person", company=acme)
    bert = create_contact(actor=alice, name="Bert Berg", type="person", company=beta)

    update_contact(actor=alice, contact=acme, name="Acme Group Oy")

    assert stored(acme) == ("ACME", "Acme Group Oy")
    assert stored(anna) == ("ACME", "Acme Group Oy")
    assert stored(olli) == ("ACME", "Acme Group Oy")
    assert stored(bert) == ("BETA", "Beta Ab")


def test_a_person_moved_to_another_company_or_none_takes_its_columns(alice: User) -> None:
    acme = create_contact(actor=alice, no="ACME", name="Acme Oy")
    beta = create_contact(actor=alice, no="BETA", name="Beta Ab")
    anna = create_contact(actor=alice, name="Anna Virtanen", type="person", company=acme)

    update_contact(actor=alice, contact=anna, company=beta)
    assert stored(anna) == ("BETA", "Beta Ab")

    update_contact(actor=alice, contact=anna, company=None)
    assert stored(anna) == ("", "")


def test_changing_the_type_sets_the_columns_of_the_new_type(alice: User) -> None:
    solo = create_contact(actor=alice, no="SOLO", name="Solo Consulting")
    update_contact(actor=alice, contact=solo, type="person")
    assert stored(solo) == ("", "")
    update_contact(actor=alice, contact=solo, type="company")
    assert stored(solo) == ("SOLO", "Solo Consulting")


def test_an_import_stores_the_columns_for_companies_and_persons(alice: User) -> None:
    existing = create_contact(actor=alice, no="NESTE", name="Neste Oyj")
    content = csv_bytes(
        [
            ["no", "type", "name", "company_no"],
            ["ACME", "company", "Acme Oy", ""],
            ["", "person", "Anna Virtanen", "ACME"],
            ["", "person", "Pekka Neste", "NESTE"],
            ["", "person", "Leo Loner", ""],
        ]
    )
    result = import_contacts(actor=alice, content=content, filename="c.csv", dry_run=False)
    assert result["errors"] == [] and result["created"] == 4

    assert stored(Contact.objects.get(no="ACME")) == ("ACME", "Acme Oy")
    assert stored(Contact.objects.get(name="Anna Virtanen")) == ("ACME", "Acme Oy")
    assert stored(Contact.objects.get(name="Pekka Neste")) == ("NESTE", existing.name)
    assert stored(Contact.objects.get(name="Leo Loner")) == ("", "")


def test_erasing_a_company_renames_it_on_its_erased_persons(alice: User) -> None:
    from rapport.privacy.services import erase_contact

    acme = create_contact(actor=alice, no="ACME", name="Acme Oy")
    anna = create_contact(actor=alice, name="Anna Virtanen", type="person", company=acme)
    erase_contact(actor=alice, contact=anna)  # a company's persons go first
    erase_contact(actor=alice, contact=acme)
    acme.refresh_from_db()
    assert stored(acme) == ("ACME", acme.name)
    assert stored(anna) == ("ACME", acme.name)
    assert acme.name != "Acme Oy"


def test_the_migration_fills_the_columns_of_existing_contacts(alice: User) -> None:
    acme = create_contact(actor=alice, no="ACME", name="Acme Oy")
    anna = create_contact(actor=alice, name="Anna Virtanen", type="person", company=acme)
    loner = create_contact(actor=alice, name="Pekka Loner", type="person")
    Contact.objects.update(company_no="", company_name="")
    migration = importlib.import_module(
        "rapport.contacts.migrations.0005_contact_company_no_and_name"
    )
    migration.fill_company_columns(apps, None)
    assert [stored(c) for c in (acme, anna, loner)] == [
        ("ACME", "Acme Oy"),
        ("ACME", "Acme Oy"),
        ("", ""),
    ]


def test_the_default_order_is_company_name_company_no_type_name(alice: User) -> None:
    """BC's list order: persons follow their company; two companies of one name keep apart
    by No.; persons without a company (blank Company Name) come first."""
    zeta = create_contact(actor=alice, no="Z1", name="Zeta Oy")
    same_b = create_contact(actor=alice, no="B2", name="Alpha Oy")
    same_a = create_contact(actor=alice, no="A9", name="Alpha Oy")
    for company in (zeta, same_b, same_a):
        create_contact(actor=alice, name="Bea", type="person", company=company)
        create_contact(actor=alice, name="Aki", type="person", company=company)
    create_contact(actor=alice, name="Loner", type="person")

    rows = list(Contact.objects.select_related("company"))
    expected = sorted(
        rows,
        key=lambda c: (
            c.company.name if c.company else "",
            c.company.no if c.company else "",
            c.type,
            c.name,
            c.pk,
        ),
    )
    page = queries.CONTACT_LIST.page(queries.contact_list_rows(alice), {"page_size": "50"})
    assert [c.no for c in page.items] == [c.no for c in expected]
    assert [c.name for c in page.items][:4] == ["Loner", "Alpha Oy", "Aki", "Bea"]
    descending = queries.CONTACT_LIST.page(
        queries.contact_list_rows(alice), {"sort": "-company", "page_size": "50"}
    )
    assert [c.no for c in descending.items] == [c.no for c in reversed(expected)]


def test_the_contact_list_reads_its_page_in_one_query_without_joining_the_company(
    alice: User,
) -> None:
    acme = create_contact(actor=alice, no="ACME", name="Acme Oy")
    create_contact(actor=alice, name="Anna Virtanen", type="person", company=acme)
    with CaptureQueriesContext(connection) as ctx:
        page = queries.CONTACT_LIST.page(queries.contact_list_rows(alice), {})
    assert [c.company_name for c in page.items] == ["Acme Oy", "Acme Oy"]
    sorting = [q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"]]
    assert len(sorting) == 1
    table = Contact._meta.db_table
    assert not re.search(f'JOIN "{table}"', sorting[0]), sorting[0]


def test_the_api_and_the_page_show_the_stored_company_name(alice: User) -> None:
    acme = create_contact(actor=alice, no="ACME", name="Acme Oy")
    create_contact(actor=alice, no="P1", name="Anna Virtanen", type="person", company=acme)
    _, raw = create_api_token(actor=alice, user=alice, name="t")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    items = api.get("/api/v1/contacts").json()["items"]
    assert [(i["no"], i["company_no"], i["company_name"]) for i in items] == [
        ("ACME", "ACME", "Acme Oy"),
        ("P1", "ACME", "Acme Oy"),
    ]
    assert api.get("/api/v1/contacts/P1").json()["company_name"] == "Acme Oy"


def _explain(sql_qs: Any) -> str:
    with connection.cursor() as cursor:
        for name in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {name} = off")
        text = sql_qs.explain()
        for name in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            cursor.execute(f"SET LOCAL {name} = on")
    return text


@pytest.mark.django_db
def test_on_postgresql_the_default_page_is_an_index_scan_without_a_sort(alice: User) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plan")
    qs = queries.CONTACT_LIST.order(queries.contact_list_rows(alice), {})[:50]
    text = _explain(qs)
    assert "contact_list_order" in text, text
    assert "Sort" not in text and "Seq Scan on contacts_contact" not in text, text
    backwards = _explain(queries.CONTACT_LIST.order(Contact.objects.all(), {"sort": "-company"}))
    assert "contact_list_order" in backwards and "Sort" not in backwards, backwards


def test_the_bench_generator_stores_the_columns_as_the_services_do(db: None) -> None:
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[3] / "bench" / "generate.py"
    spec = importlib.util.spec_from_file_location("bench_generate_columns", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_generate_columns"] = module
    spec.loader.exec_module(module)
    module.generate(contacts=8, entries=10, batch=5)
    rows = list(Contact.objects.select_related("company"))
    assert len(rows) >= 8
    for contact in rows:
        assert stored(contact) == (contact.company.no, contact.company.name), contact.no


def test_the_contact_list_page_runs_the_same_few_queries_for_any_number_of_rows(
    alice: User, client_for: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(alice)
    for i in range(3):
        company = create_contact(actor=alice, name=f"Company {i}")
        create_contact(actor=alice, name=f"Person {i}", type="person", company=company)
    client.get("/contacts/")
    # session, user, permissions, count, rows, salespeople (the filter's choices)
    with django_assert_max_num_queries(6):
        response = client.get("/contacts/")
    assert response.status_code == 200
    assert response.content.count(b'href="/contacts/C') >= 2 * 6
    assert response.content.count(b"<td>Person</td>") == 3
    assert response.content.count(b"<td>Company</td>") == 3
