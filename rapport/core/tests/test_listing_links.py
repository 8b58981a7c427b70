"""The paging and sort links of a list keep its filters exactly."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

import pytest
from django.http import QueryDict

from rapport.core.listing import Page


def a_page(query: str, *, sort: str = "-entry_no") -> Page[Any]:
    return Page(
        items=[], count=120, number=2, size=50, pages=3, sort=sort, params=dict(QueryDict(query))
    )


def test_paging_links_keep_a_filter_from_the_request_as_it_was_typed() -> None:
    page = a_page("contact=CT000005&canceled=no&page=2")
    assert parse_qsl(page.next_query[1:]) == [
        ("contact", "CT000005"),
        ("canceled", "no"),
        ("page", "3"),
    ]
    assert "%5B" not in page.previous_query and "[" not in page.previous_query


def test_sort_links_keep_repeated_filters_and_start_at_the_first_page() -> None:
    page = a_page("template=CALL&template=VISIT&q=x&page=2&sort=date", sort="date")
    assert parse_qsl(page.sort_query("date")[1:]) == [
        ("template", "CALL"),
        ("template", "VISIT"),
        ("q", "x"),
        ("sort", "-date"),
    ]


def test_the_filter_params_of_a_page_leave_out_sort_and_paging() -> None:
    page = a_page("contact=CT000005&sort=date&page=2&page_size=10")
    assert page.filter_params == "contact=CT000005"


HX = {"HX-Request": "true"}


@pytest.mark.parametrize("headers", [{}, HX])
def test_every_list_keeps_its_filter_in_the_paging_and_sort_links(
    alice, client_for, headers
) -> None:
    from rapport.contacts.services import create_contact
    from rapport.core.models import Language
    from rapport.interactions import services

    for name in ("Alpha Oy", "Beta Oy", "Gamma Oy"):
        create_contact(actor=alice, name=name, city="Turku")
    group = services.create_interaction_group(actor=alice, code="CALLS", description="Calls")
    for code in ("CALL1", "CALL2", "CALL3"):
        services.create_interaction_template(
            actor=alice, code=code, group=group, description="Call", correspondence_type=""
        )
    for code in ("CALLS2", "CALLS3"):
        services.create_interaction_group(actor=alice, code=code, description="Calls")
    for code in ("X1", "X2", "X3"):
        Language.objects.update_or_create(code=code, defaults={"name": "Lang"})
    client = client_for(alice)
    for url, kept in [
        ("/contacts/?city=Turku&page_size=1", "city=Turku"),
        ("/interactions/templates/?q=CALL&page_size=1", "q=CALL"),
        ("/interactions/groups/?q=CALLS&page_size=1", "q=CALLS"),
        ("/core/languages/?q=X&page_size=1", "q=X"),
    ]:
        html = client.get(url, headers=headers).content.decode()
        assert "%5B" not in html, url
        next_link = re.search(r'rel="next" href="([^"]+)"', html)
        assert next_link and kept in next_link.group(1), url
        assert re.search(rf'href="[^"]*\?{re.escape(kept)}&amp;page_size=1&amp;sort=', html), url


def test_a_filter_form_keeps_the_sort_and_page_size(alice, client_for) -> None:
    html = client_for(alice).get("/contacts/?sort=city&page_size=5").content.decode()
    assert '<input type="hidden" name="sort" value="city">' in html
    assert '<input type="hidden" name="page_size" value="5">' in html
