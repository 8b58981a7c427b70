"""The paging and sort links of a list keep its filters exactly."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

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
