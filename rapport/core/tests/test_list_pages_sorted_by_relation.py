"""A list sorted across a relation (contacts by salesperson code) sorts only the keys, then
reads the page's rows: the same rows in the same order, in a constant number of queries. (The
default order, by company, reads columns stored on the contact: one query.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rapport.accounts.models import User
from rapport.accounts.services import create_api_token
from rapport.contacts import queries
from rapport.contacts.models import Contact
from rapport.contacts.services import create_contact


def _contacts(actor: User, companies: int) -> None:
    for i in range(companies):
        company = create_contact(actor=actor, name=f"Company {(i * 7) % companies:02d}")
        for j in range(2):
            create_contact(actor=actor, name=f"Person {j}", type="person", company=company)


@pytest.mark.parametrize("sort", ["company", "salesperson", "-salesperson"])
def test_pages_sorted_by_company_hold_the_same_rows_as_the_sorted_list(
    alice: User, sort: str
) -> None:
    _contacts(alice, 6)
    qs = queries.contacts_visible_to(alice)
    everything = list(queries.CONTACT_LIST.order(qs, {"sort": sort}).values_list("no", flat=True))
    paged: list[str] = []
    for number in range(1, 6):
        params = {"page": str(number), "page_size": "4", "sort": sort}
        page = queries.CONTACT_LIST.page(qs, params)
        paged += [contact.no for contact in page.items]
        # The related rows came with the page (no query per row when they are shown).
        assert all(c.company is not None for c in page.items)
    assert paged == everything
    assert len(everything) == 18


def test_the_sort_by_salesperson_reads_only_keys(alice: User) -> None:
    _contacts(alice, 3)
    qs = queries.contacts_visible_to(alice)
    with CaptureQueriesContext(connection) as ctx:
        page = queries.CONTACT_LIST.page(qs, {"page_size": "4", "sort": "salesperson"})
    assert len(page.items) == 4
    sorting = [q["sql"] for q in ctx.captured_queries if "ORDER BY" in q["sql"]]
    assert len(sorting) == 1
    table = Contact._meta.db_table
    assert re.match(f'SELECT "{table}"."id"( AS "pk")? FROM', sorting[0]), sorting[0]


def test_the_api_contact_list_runs_the_same_queries_for_any_number_of_rows(
    alice: User, django_assert_max_num_queries: Any
) -> None:
    _, raw = create_api_token(actor=alice, user=alice, name="load")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    _contacts(alice, 2)
    client.get("/api/v1/contacts")  # stamps the token's last use
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/contacts").status_code == 200
    _contacts(alice, 20)
    # token, permissions, count, rows (the default order reads the contact's own columns)
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/contacts")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 50
    assert len(few.captured_queries) <= 4
