"""Reads at scale (issue 14 point 8): a contact's 50 newest entries and statistics per template,
group and contact, each next to a hand-written SQL baseline, with both query plans.

Works on a database filled by `bench/generate.py` (default: the ready-made 10M-entry SQLite
file; it is generated first when missing). For each scenario it prints the median and p95 in
ms of Rapport's code path and of the raw SQL, their ratio, and the target; `--plans` adds the
`EXPLAIN QUERY PLAN` (SQLite) / `EXPLAIN` (PostgreSQL) of each query both sides run.

- (a) a contact's 50 newest entries: `ENTRY_LIST.page` over `queries.contact_entries(...)
  queries.with_related(...logged())`, exactly what `GET /contacts/{no}/interaction-
  log-entries` runs (the capped count and the page of 50 with the related rows), for the
  heaviest company, the heaviest person and a typical person. Target < 30 ms.
- (b) statistics: `queries.template_statistics`, `group_statistics`, `contact_statistics`
  (the statistics fact boxes of the template, group and contact pages and the API) for the
  biggest template, the biggest group and the heaviest company; and, for the same records,
  the fact box plus the 12-month chart (`queries.monthly`) the pages show with it (drawn as of
  the last generated day, as the API's `date_to` does, so that it reads twelve full months).
  Target < 50 ms.

    .venv/bin/python bench/scale_queries.py                         # /tmp/rapport-bench/scale-10m.sqlite3
    .venv/bin/python bench/scale_queries.py --db other.sqlite3 --plans
    bin/pg-test-cluster run -- sh -c '.venv/bin/python bench/generate.py && \
        .venv/bin/python bench/scale_queries.py --plans'
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate as gen  # noqa: E402

# The SQL the ORM runs, captured while timing, for the plans.
CAPTURED: list[tuple[str, Any]] = []


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def timed(func: Callable[[], object], repeat: int) -> tuple[float, float]:
    start = time.perf_counter()
    func()  # warm: the first run reads the pages from disk
    if time.perf_counter() - start > 1:
        repeat = min(repeat, 3)  # seconds per run: a few runs tell enough
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples) * 1000, percentile(samples, 0.95) * 1000


def explain(sql: str, params: Any) -> list[str]:
    from django.db import connection

    prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql, params)
        rows = cursor.fetchall()
    if connection.vendor == "sqlite":
        return [f"{row[3]}" for row in rows]
    return [row[0] for row in rows]


def orm_sql(func: Callable[[], object]) -> list[tuple[str, Any]]:
    """The statements `func` runs (with their parameters)."""
    from django.db import connection

    seen: list[tuple[str, Any]] = []

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        seen.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        func()
    return seen


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=gen.DEFAULT_DB)
    parser.add_argument("--repeat", type=int, default=21)
    parser.add_argument("--plans", action="store_true", help="print the query plans")
    parser.add_argument(
        "--skip-entry-sums",
        action="store_true",
        help="skip timing what templates' and groups' figures cost without the totals",
    )
    parser.add_argument("--contacts", type=int, default=1_000_000, help="when generating")
    parser.add_argument("--entries", type=int, default=10_000_000, help="when generating")
    args = parser.parse_args()
    fresh = "DATABASE_URL" in os.environ or not Path(args.db).exists()
    if fresh and "DATABASE_URL" not in os.environ:
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    gen.setup_django(args.db)

    from django.db import connection

    from rapport.contacts.models import Contact
    from rapport.interactions import queries
    from rapport.interactions.models import (
        EntryTotal,
        InteractionGroup,
        InteractionLogEntry,
        InteractionTemplate,
    )

    if not InteractionLogEntry.objects.exists():
        print(f"generating {args.contacts:,} contacts and {args.entries:,} entries ...")
        gen.generate(contacts=args.contacts, entries=args.entries)
    table = InteractionLogEntry._meta.db_table
    total = InteractionLogEntry.objects.count()

    def top(column: str, where: str = "") -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {column} FROM {table} {where} GROUP BY {column} "
                f"ORDER BY COUNT(*) DESC LIMIT 1"
            )
            return cursor.fetchone()[0]

    heavy_company = Contact.objects.get(pk=top("contact_company_id"))
    heavy_person = Contact.objects.get(
        pk=top("contact_id", "WHERE contact_id <> contact_company_id")
    )
    # A typical person: the median count of entries per contact.
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT contact_id, n FROM (SELECT contact_id, COUNT(*) AS n FROM {table} "
            f"WHERE contact_id <> contact_company_id GROUP BY contact_id) x ORDER BY n, "
            f"contact_id LIMIT 1 OFFSET (SELECT COUNT(DISTINCT contact_id) / 2 FROM {table} "
            f"WHERE contact_id <> contact_company_id)"
        )
        typical_id, _n = cursor.fetchone()
    typical = Contact.objects.get(pk=typical_id)
    template = InteractionTemplate.objects.get(pk=top("template_id"))
    group = InteractionGroup.objects.get(pk=top("group_id"))

    def count_of(contact: Contact) -> int:
        return queries.contact_entries(contact).count()

    print(
        f"{connection.vendor}: {total:,} entries; heavy company {heavy_company.no} "
        f"({count_of(heavy_company):,}), heavy person {heavy_person.no} "
        f"({count_of(heavy_person):,}), typical person {typical.no} ({count_of(typical):,}); "
        f"template {template.code} ({InteractionLogEntry.objects.filter(template=template).count():,}), "
        f"group {group.code} ({InteractionLogEntry.objects.filter(group=group).count():,})"
    )

    def raw(*statements: tuple[str, list[Any]]) -> Callable[[], object]:
        def run() -> object:
            with connection.cursor() as cursor:
                out = []
                for sql, params in statements:
                    cursor.execute(sql, params)
                    out.append(cursor.fetchall())
                return out

        return run

    joined = (
        "SELECT e.*, c.no, c.name, co.no, co.name, t.code, t.description, g.code, s.code, "
        "s.name, ca.no, o.no, u.username, u.first_name, u.last_name, l.code "
        f"FROM {table} e "
        "LEFT JOIN contacts_contact c ON c.id = e.contact_id "
        "LEFT JOIN contacts_contact co ON co.id = e.contact_company_id "
        "LEFT JOIN interactions_interactiontemplate t ON t.id = e.template_id "
        "LEFT JOIN interactions_interactiongroup g ON g.id = e.group_id "
        "LEFT JOIN accounts_salesperson s ON s.id = e.salesperson_id "
        "LEFT JOIN campaigns_campaign ca ON ca.id = e.campaign_id "
        "LEFT JOIN interactions_opportunity o ON o.id = e.opportunity_id "
        "LEFT JOIN accounts_user u ON u.id = e.user_id "
        "LEFT JOIN core_language l ON l.id = e.language_id "
    )

    def newest(contact: Contact) -> tuple[Callable[[], object], Callable[[], object]]:
        column = "contact_company_id" if contact.is_company else "contact_id"

        def ours() -> object:
            qs = queries.with_related(queries.contact_entries(contact).logged())  # type: ignore[attr-defined]
            return queries.ENTRY_LIST.page(qs, {"page_size": "50"}, past_end_empty=True)

        baseline = raw(
            (
                f"SELECT COUNT(*) FROM (SELECT id FROM {table} WHERE {column} = %s "
                "AND postponed = %s LIMIT 10001) x",
                [contact.pk, False],
            ),
            (
                joined + f"WHERE e.{column} = %s AND e.postponed = %s ORDER BY e.id DESC LIMIT 50",
                [contact.pk, False],
            ),
        )
        return ours, baseline

    def stats_sql(column: str, value: int) -> tuple[str, list[Any]]:
        return (
            f"SELECT COUNT(*), COALESCE(SUM(cost), 0), COALESCE(SUM(duration), 0) FROM {table} "
            f"WHERE {column} = %s AND canceled = %s AND postponed = %s",
            [value, False, False],
        )

    # The chart shows the 12 months up to today; the generated dates end at LAST_DAY, so the
    # chart is drawn as of that day (the API's date_to does the same) to read real months.
    last_day = InteractionLogEntry.objects.order_by("-date").values_list("date", flat=True)[0]

    def monthly_sql(column: str, value: int) -> tuple[str, list[Any]]:
        first = queries.monthly(InteractionLogEntry.objects.none(), today=last_day)[0]["month"]
        month = (
            "strftime('%%Y-%%m', date)"
            if connection.vendor == "sqlite"
            else "date_trunc('month', date)"
        )
        return (
            f"SELECT {month} AS m, COUNT(*), COALESCE(SUM(cost), 0) FROM {table} "
            f"WHERE {column} = %s AND postponed = %s AND canceled = %s AND date >= %s "
            "GROUP BY m ORDER BY m",
            [value, False, False, first],
        )

    totals_table = EntryTotal._meta.db_table

    def total_stats_sql(dimension: str, key: int) -> tuple[str, list[Any]]:
        return (
            "SELECT COALESCE(SUM(entries), 0), COALESCE(SUM(cost_cents), 0), "
            f"COALESCE(SUM(minutes), 0) FROM {totals_table} WHERE dimension = %s AND key_id = %s",
            [dimension, key],
        )

    def total_monthly_sql(dimension: str, key: int) -> tuple[str, list[Any]]:
        first = queries.monthly(InteractionLogEntry.objects.none(), today=last_day)[0]["month"]
        month = (
            "strftime('%%Y-%%m', on_date)"
            if connection.vendor == "sqlite"
            else "date_trunc('month', on_date)"
        )
        return (
            f"SELECT {month} AS m, SUM(entries), SUM(cost_cents) FROM {totals_table} "
            "WHERE dimension = %s AND key_id = %s AND on_date >= %s AND on_date <= %s "
            "GROUP BY m ORDER BY m",
            [dimension, key, first, last_day],
        )

    scenarios: list[tuple[str, str, float, Callable[[], object], Callable[[], object]]] = []
    for label, contact in (
        ("heaviest company", heavy_company),
        ("heaviest person", heavy_person),
        ("typical person", typical),
    ):
        ours, baseline = newest(contact)
        scenarios.append(("a", f"50 newest entries, {label}", 30, ours, baseline))
    # Templates and groups read the day totals the triggers keep (EntryTotal): their raw SQL
    # baseline sums the same rows by hand. Contacts count their entries through an index.
    total_cases = [
        (f"template {template.code}", queries.template_scope(template), "t", template.pk),
        (f"group {group.code}", queries.group_scope(group), "g", group.pk),
    ]
    entry_cases = [
        (f"company {heavy_company.no}", heavy_company, "contact_company_id"),
        (f"person {typical.no}", typical, "contact_id"),
    ]
    for chart in (False, True):
        prefix = "statistics + 12-month chart" if chart else "statistics"
        for label, scope, dimension, key in total_cases:
            statements = [total_stats_sql(dimension, key)]
            if chart:
                statements.append(total_monthly_sql(dimension, key))
            scenarios.append(
                (
                    "b",
                    f"{prefix}, {label}",
                    50,
                    (lambda s=scope, c=chart: (s.statistics(), c and s.monthly(None, last_day))),
                    raw(*statements),
                )
            )
        for label, contact, column in entry_cases:
            scope = queries.contact_scope(contact)
            statements = [stats_sql(column, contact.pk)]
            if chart:
                statements.append(monthly_sql(column, contact.pk))
            scenarios.append(
                (
                    "b",
                    f"{prefix}, {label}",
                    50,
                    (lambda s=scope, c=chart: (s.statistics(), c and s.monthly(None, last_day))),
                    raw(*statements),
                )
            )
    if not args.skip_entry_sums:
        # What the totals save: the same figures added up from the entries (raw SQL).
        for label, _scope, dimension, key in total_cases:
            column = {"t": "template_id", "g": "group_id"}[dimension]
            took, took95 = timed(raw(stats_sql(column, key)), 3)
            print(
                f"  without totals, raw SQL over the entries, {label}: {took:.0f} / {took95:.0f} ms"
            )

    print(
        f"{'':2}{'scenario':52} {'rapport':>17} {'raw SQL':>17} {'ratio':>6} {'target':>7}\n"
        f"{'':2}{'':52} {'median':>8} {'p95':>8} {'median':>8} {'p95':>8}"
    )
    for point, name, target, ours, baseline in scenarios:
        a, a95 = timed(ours, args.repeat)
        b, b95 = timed(baseline, args.repeat)
        flag = "ok" if a < target else "MISSED"
        print(
            f"{point} {name:52} {a:8.2f} {a95:8.2f} {b:8.2f} {b95:8.2f} {a / b:6.2f} "
            f"<{target}ms {flag}",
            flush=True,
        )
        if args.plans:
            for sql, params in orm_sql(ours):
                print(f"    rapport: {sql[:160]}")
                for line in explain(sql, params):
                    print(f"      {line}")
            CAPTURED.clear()
            for sql, params in orm_sql(baseline):
                print(f"    raw SQL: {sql[:160]}")
                for line in explain(sql, params):
                    print(f"      {line}")


if __name__ == "__main__":
    main()
