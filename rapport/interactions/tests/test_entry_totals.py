"""The statistics totals per template, group and salesperson (EntryTotal), kept by triggers.

Every test in the suite that touches the database also ends with a recount of these totals
(`pytest_runtest_call` in rapport/conftest.py), so every write path in every test proves them;
the tests here pin the mechanism itself.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from rapport.interactions import queries, services, totals
from rapport.interactions.models import EntryTotal, InteractionLogEntry


def recount(**where):
    rows = InteractionLogEntry.objects.counted().filter(**where)
    return queries.statistics(rows)


def test_the_triggers_that_keep_the_totals_exist_after_all_migrations(db) -> None:
    # A later migration that rebuilds the entry table on SQLite drops them: it must call
    # totals.install again, or this fails.
    with connection.cursor() as cursor:
        assert totals.installed_triggers(cursor, connection.vendor) == set(totals.TRIGGERS)


def test_template_group_and_salesperson_statistics_come_from_the_totals(
    company, call_template, salesperson, interact, bob, django_assert_num_queries
) -> None:
    first = interact(company, call_template, cost=Decimal("0.10"), duration=Decimal(5))
    interact(company, call_template, cost=Decimal("0.20"), duration=Decimal(7))
    interact(company, call_template, postpone=True, cost=Decimal(9))
    assert EntryTotal.objects.filter(dimension="t", key_id=call_template.pk).exists()

    expected = queries.Statistics(count=2, cost=Decimal("0.30"), duration=Decimal(12))
    with django_assert_num_queries(1):
        assert queries.template_statistics(call_template) == expected
    assert queries.group_statistics(call_template.group) == expected
    assert queries.salesperson_statistics(salesperson) == expected
    assert str(queries.template_statistics(call_template).cost) == "0.30", "exact cents"

    services.cancel_entries(actor=bob, entries=InteractionLogEntry.objects.filter(pk=first.pk))
    assert queries.template_statistics(call_template) == recount(template=call_template)
    assert queries.template_statistics(call_template).count == 1
    services.restore_entries(actor=bob, entries=InteractionLogEntry.objects.filter(pk=first.pk))
    assert queries.template_statistics(call_template).count == 2


def test_date_ranges_and_months_read_from_the_totals_equal_counting_the_entries(
    company, call_template, interact
) -> None:
    for day, cost in [(datetime.date(2026, 1, 31), "1.25"), (datetime.date(2026, 3, 1), "2.50")]:
        interact(company, call_template, date=day, cost=Decimal(cost))
    interact(company, call_template, date=datetime.date(2026, 3, 2), cost=Decimal("0.05"))
    entries = queries.EntryScope(InteractionLogEntry.objects.filter(template=call_template))
    scope = queries.template_scope(call_template)
    for date_from, date_to in [
        (None, None),
        (datetime.date(2026, 2, 1), None),
        (None, datetime.date(2026, 3, 1)),
        (datetime.date(2026, 3, 2), datetime.date(2026, 3, 2)),
    ]:
        dates = {"date_from": date_from, "date_to": date_to}
        assert scope.statistics(**dates) == entries.statistics(**dates)
        months = scope.monthly(date_from, date_to or datetime.date(2026, 11, 30))
        assert months == entries.monthly(date_from, date_to or datetime.date(2026, 11, 30))
    assert scope.statistics(date_from=datetime.date(2026, 3, 1)).cost == Decimal("2.55")


def test_set_based_updates_and_deletes_move_the_totals(
    company, call_template, interact, alice
) -> None:
    entry = interact(company, call_template, cost=Decimal("3.00"))
    other = services.create_interaction_template(
        actor=alice, code="VISIT", group=call_template.group, description="Visit"
    )
    InteractionLogEntry.objects.filter(pk=entry.pk).update(
        template=other, date=datetime.date(2025, 5, 5), cost=Decimal("4.00")
    )
    assert queries.template_statistics(call_template).count == 0
    assert queries.template_statistics(other) == queries.Statistics(
        count=1, cost=Decimal("4.00"), duration=Decimal(10)
    )
    assert services.entry_total_drift() == []
    InteractionLogEntry.objects.filter(pk=entry.pk).delete()
    assert queries.group_statistics(call_template.group).count == 0
    assert services.entry_total_drift() == []


def test_changing_what_statistics_do_not_read_writes_no_totals(
    company, call_template, interact
) -> None:
    entry = interact(company, call_template)
    before = list(EntryTotal.objects.order_by("pk").values())
    InteractionLogEntry.objects.filter(pk=entry.pk).update(
        delivery_status="sent", evaluation="positive", description="Changed"
    )
    entry.refresh_from_db()
    entry.save()  # a full-row save with the same values
    assert list(EntryTotal.objects.order_by("pk").values()) == before


def test_rebuild_repairs_totals_and_check_reports_the_difference(
    company, call_template, interact, alice, capsys
) -> None:
    interact(company, call_template)
    interact(company, call_template)
    call_command("rebuild_entry_totals", "--check")
    assert "agree" in capsys.readouterr().out

    EntryTotal.objects.filter(dimension="t").update(entries=99)
    drift = services.entry_total_drift()
    assert {(row.side, row.dimension) for row in drift} == {("stored", "t"), ("recount", "t")}
    with pytest.raises(CommandError, match="1 interaction log total differs"):
        call_command("rebuild_entry_totals", "--check")

    rows = services.rebuild_entry_totals(actor=alice)
    assert rows == EntryTotal.objects.count() == 3, "one day row per template, group, salesperson"
    assert services.entry_total_drift() == []
    assert queries.template_statistics(call_template).count == 2
    call_command("rebuild_entry_totals")
    assert "rebuilt: 3 rows" in capsys.readouterr().out
