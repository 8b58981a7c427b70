"""The log's hot queries are answered from indexes, not by scanning the table (10M entries).

SQLite: the plan must not scan the table bare nor sort in a temporary B-tree.
PostgreSQL: with sequential scans, bitmap scans and sorts disabled, the plan must still avoid
a Seq Scan and a Sort, which proves a usable index exists (the planner falls back to them only
if none does).
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import Count, Sum

from rapport.interactions.models import InteractionLogEntry

TABLE = InteractionLogEntry._meta.db_table


def plan(qs) -> str:
    if connection.vendor == "postgresql":
        # Forbid the fallbacks (table scan, bitmap scan, sort): the planner then uses them
        # only where no index can answer, so a Seq Scan or a Sort in the plan means no index.
        switches = ("enable_seqscan", "enable_bitmapscan", "enable_sort")
        with connection.cursor() as cursor:
            for name in switches:
                cursor.execute(f"SET LOCAL {name} = off")
            text = qs.explain()
            for name in switches:
                cursor.execute(f"SET LOCAL {name} = on")
        return text
    return qs.explain()


def assert_indexed(qs, *, ordered: bool = False, filtered: bool = True) -> None:
    """`filtered=False`: an unfiltered newest-first page may read the primary key backwards
    (stopping after the page); it must still never sort the table."""
    text = plan(qs)
    if connection.vendor == "postgresql":
        if filtered:
            assert f"Seq Scan on {TABLE}" not in text, text
        if ordered:
            assert "Sort" not in text.split("->")[0] + "".join(
                line for line in text.splitlines() if "Sort Key" in line
            ), text
    else:
        lines = [
            line.split(" ", 3)[-1] if line[:1].isdigit() else line for line in text.splitlines()
        ]
        if filtered:
            assert not any(line.strip() == f"SCAN {TABLE}" for line in lines), text
        if ordered:
            assert "USE TEMP B-TREE FOR ORDER BY" not in text, text


LOGGED = InteractionLogEntry.objects.filter(postponed=False)


@pytest.mark.django_db
def test_the_log_list_reads_newest_entries_from_an_index() -> None:
    assert_indexed(LOGGED.order_by("-id")[:50], ordered=True, filtered=False)


@pytest.mark.django_db
def test_a_contacts_entries_come_from_an_index() -> None:
    assert_indexed(LOGGED.filter(contact_id=1).order_by("-id")[:50], ordered=True)
    assert_indexed(LOGGED.filter(contact_company_id=1).order_by("-id")[:50])


@pytest.mark.django_db
def test_per_salesperson_and_campaign_lists_come_from_an_index() -> None:
    assert_indexed(LOGGED.filter(salesperson_id=1).order_by("-id")[:50], ordered=True)
    assert_indexed(LOGGED.filter(campaign_id=1).order_by("-id")[:50], ordered=True)


@pytest.mark.django_db
def test_a_companys_newest_entries_use_both_columns_of_its_index() -> None:
    """`postponed` is matched as an equality (not `NOT postponed`), so the composite index
    answers the filter and the order together."""
    qs = InteractionLogEntry.objects.logged().filter(contact_company_id=1).order_by("-id")[:50]
    if connection.vendor == "sqlite":
        text = plan(qs)
        assert "ile_company_id (contact_company_id=? AND postponed=?)" in text, text
    else:  # PostgreSQL reads `postponed = false` and `NOT postponed` alike
        assert_indexed(qs, ordered=True)


@pytest.mark.django_db
@pytest.mark.parametrize("field", ["template_id", "group_id", "contact_company_id"])
def test_statistics_aggregate_over_an_index(field: str) -> None:
    qs = (
        InteractionLogEntry.objects.filter(**{field: 1}, canceled=False, postponed=False)
        .values(field)
        .annotate(n=Count("id"), cost=Sum("cost"), duration=Sum("duration"))
    )
    assert_indexed(qs)


@pytest.mark.django_db
def test_a_persons_statistics_use_the_company_contact_index() -> None:
    assert_indexed(
        InteractionLogEntry.objects.filter(
            contact_company_id=1, contact_id=2, canceled=False, postponed=False
        )
        .values("contact_id")
        .annotate(n=Count("id"))
    )


@pytest.mark.django_db
@pytest.mark.parametrize("scope", ["template", "group", "salesperson"])
def test_template_group_and_salesperson_statistics_read_their_day_totals_by_key(
    scope: str,
) -> None:
    from rapport.interactions import queries
    from rapport.interactions.models import EntryTotal

    total = getattr(queries, f"{scope}_scope")(InteractionLogEntry(pk=1))
    rows = total._rows(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    text = plan(rows.values("dimension").annotate(n=Sum("entries")))
    table = EntryTotal._meta.db_table
    if connection.vendor == "sqlite":
        # (the unique key's index: SQLite names it sqlite_autoindex_...)
        assert f"SEARCH {table} USING INDEX" in text, text
        assert "(dimension=? AND key_id=? AND on_date>? AND on_date<?)" in text, text
    else:
        assert f"Seq Scan on {table}" not in text and "entry_total_key" in text, text


@pytest.mark.django_db
def test_a_companys_statistics_and_chart_read_only_its_covering_index() -> None:
    from rapport.contacts.models import Contact
    from rapport.interactions import queries

    entries = queries.contact_entries(Contact(pk=1, type="company"))
    stats = entries.counted().values("contact_company_id").annotate(n=Count("id"), c=Sum("cost"))  # type: ignore[attr-defined]
    chart = entries.counted().filter(date__gte=datetime.date(2026, 1, 1)).values("date")  # type: ignore[attr-defined]
    for qs in (stats, chart.annotate(c=Sum("cost"), d=Sum("duration"))):
        text = plan(qs)
        if connection.vendor == "sqlite":
            assert "USING COVERING INDEX ile_company_stats" in text, text
        else:
            assert_indexed(qs)
