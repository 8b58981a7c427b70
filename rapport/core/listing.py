"""One definition of search, filters, sort and pagination, shared by HTML lists and the API.

A list page and its API endpoint read the same query-string parameters (`q`, filter names,
`sort`, `page`, `page_size`) through the same `ListSpec`, so a filtered list is a link you can
share and the API filters exactly like the page.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from rapport.core.validation import check_date_range, field_error

M = TypeVar("M", bound=models.Model)


def parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(value)


def parse_iso_date(value: str) -> datetime.date:
    parsed = parse_date(value.strip())
    if parsed is None:
        raise ValueError(value)
    return parsed


def parse_code(value: str) -> str:
    return value.strip().upper()


@dataclass(frozen=True)
class Filter:
    """A filter parameter: `lookup` is the ORM lookup the parsed value is given to."""

    lookup: str
    parse: Callable[[str], Any] = str.strip
    label: Any = ""


@dataclass
class ListSpec:
    search_fields: list[str]
    filters: dict[str, Filter]
    sorts: dict[str, list[str]]
    default_sort: str
    page_size: int = 50
    max_page_size: int = 200
    # For ledgers of millions of rows: count at most this many (a bounded COUNT over a LIMIT
    # subquery) and show "more than N" instead of a total that needs a full scan.
    count_limit: int | None = None
    reserved: tuple[str, ...] = field(default=("q", "sort", "page", "page_size"))

    def filter(self, qs: QuerySet[M], params: Mapping[str, str]) -> QuerySet[M]:
        q = (params.get("q") or "").strip()
        if q:
            cond = Q()
            for name in self.search_fields:
                cond |= Q(**{name: q})
            qs = qs.filter(cond)
        for name, spec in self.filters.items():
            raw = params.get(name)
            if raw is None or raw == "":
                continue
            try:
                value = spec.parse(raw)
                if isinstance(value, int) and not -(2**63) <= value < 2**63:
                    raise ValueError(raw)  # beyond what the database stores
                if isinstance(value, datetime.date):
                    check_date_range(name, value)
            except (ValueError, TypeError):
                raise field_error(
                    name,
                    _("%(value)s is not a valid value for the filter %(field)s.")
                    % {"value": raw, "field": spec.label or name},
                    "invalid_filter",
                ) from None
            qs = qs.filter(**{spec.lookup: value})
        return qs

    def sort_key(self, params: Mapping[str, str]) -> str:
        raw = (params.get("sort") or self.default_sort).strip()
        key = raw.lstrip("-")
        if key not in self.sorts:
            raise field_error(
                "sort",
                _("You cannot sort by %(field)s.") % {"field": key},
                "invalid_sort",
            )
        return raw

    def order(self, qs: QuerySet[M], params: Mapping[str, str]) -> QuerySet[M]:
        raw = self.sort_key(params)
        descending = raw.startswith("-")
        fields = self.sorts[raw.lstrip("-")]
        ordering = [(f[1:] if f.startswith("-") else "-" + f) if descending else f for f in fields]
        return qs.order_by(*ordering, "-pk" if descending else "pk")

    def page(
        self, qs: QuerySet[M], params: Mapping[str, str], *, past_end_empty: bool = False
    ) -> Page[M]:
        """One page of the list. A page past the end is the last page for a list page, and
        empty (with `past_end_empty`, for the API; page 0 or less is then an error)."""
        qs = self.order(self.filter(qs, params), params)
        try:
            size = int(params.get("page_size") or self.page_size)
            number = int(params.get("page") or 1)
        except ValueError:
            raise field_error("page", _("Page must be a whole number."), "invalid_page") from None
        if past_end_empty and number < 1:
            raise field_error("page", _("Page must be 1 or more."), "invalid_page")
        size = max(1, min(size, self.max_page_size))
        counting = qs.order_by().select_related(None).values("pk")
        if self.count_limit is not None:
            count = counting[: self.count_limit + 1].count()
        else:
            count = counting.count()
        capped = self.count_limit is not None and count > self.count_limit
        if capped:
            count = self.count_limit  # type: ignore[assignment]
        pages = max(1, math.ceil(count / size))
        if past_end_empty and number > pages:
            items: list[M] = []
        else:
            number = max(1, min(number, pages))
            start = (number - 1) * size
            items = self._window(qs, start, size)
        return Page(
            items=items,
            count=count,
            number=number,
            size=size,
            pages=pages,
            sort=self.sort_key(params),
            params=dict(params),
            capped=capped,
        )

    @staticmethod
    def _window(qs: QuerySet[M], start: int, size: int) -> list[M]:
        """The rows from `start`. When the order crosses a relation (the contact list's
        company name), the database sorts every row of the joined tables: the keys are sorted
        first, in a narrow query without the row's other joins, then the page's rows are read
        by key (a full-width sort of every row is what made such a page slow)."""
        crosses = any("__" in str(f).lstrip("-") for f in qs.query.order_by)
        if not crosses or qs.query.distinct or qs.query.combinator:
            return list(qs[start : start + size])
        keys = list(qs.values_list("pk", flat=True)[start : start + size])
        if not keys:
            return []
        rows = {row.pk: row for row in qs.order_by().filter(pk__in=keys)}
        return [rows[key] for key in keys if key in rows]


@dataclass
class Page(Generic[M]):
    items: list[M]
    count: int
    number: int
    size: int
    pages: int
    sort: str
    params: dict[str, Any]
    capped: bool = False
    # Why no rows are shown: a filter (or sort) of the query string is not valid. The page says
    # so above the list instead of quietly showing the unfiltered rows.
    error: str = ""

    @classmethod
    def invalid(cls, spec: ListSpec, params: Mapping[str, Any], error: str) -> Page[Any]:
        """An empty page that keeps the query string (so the user can fix the filter)."""
        return cls(
            items=[],
            count=0,
            number=1,
            size=spec.page_size,
            pages=1,
            sort=spec.default_sort,
            params=dict(params),
            error=error,
        )

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def previous_query(self) -> str:
        return self.query(page=self.number - 1)

    @property
    def next_query(self) -> str:
        return self.query(page=self.number + 1)

    def query(self, **changes: Any) -> str:
        """The query string of this list with `changes` applied (for links).

        Every parameter the list was shown with is kept exactly, repeated ones too (`params`
        may hold a list per key, as `dict(request.GET)` does); `changes` replace a key's values.
        """
        from urllib.parse import urlencode

        pairs: list[tuple[str, str]] = []
        for key, value in self.params.items():
            if key in changes:
                continue
            values = value if isinstance(value, (list, tuple)) else [value]
            pairs.extend((key, str(v)) for v in values if v not in (None, ""))
        for key, value in changes.items():
            if value not in (None, ""):
                pairs.append((key, str(value)))
        return "?" + urlencode(pairs)

    @property
    def filter_params(self) -> str:
        """The filters of the rows shown, without sort and paging, urlencoded without "?"
        (a bulk action posts them so it acts only on rows that match what the user sees)."""
        return self.query(sort=None, page=None, page_size=None)[1:]

    def sort_query(self, key: str) -> str:
        """Link for a column header: ascending first, then descending."""
        new = "-" + key if self.sort == key else key
        return self.query(sort=new, page=None)
