"""Benchmark the interaction log at scale: list pages, a contact's entries, statistics, purge.

Prints, per scenario, the median time of Rapport's code path and of a raw-SQL baseline doing
the same work, and their ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_django(db_path: str | None) -> None:
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def timed(func: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def generate(entries: int, contacts: int) -> dict[str, int]:
    from django.db import transaction

    from rapport.accounts.services import create_salesperson, system_actor
    from rapport.contacts.models import Contact
    from rapport.interactions import services
    from rapport.interactions.models import InteractionLogEntry

    actor = system_actor()
    with transaction.atomic():
        sp = create_salesperson(actor=actor, code="BENCH", name="Bench")
        group = services.create_interaction_group(actor=actor, code="BG")
        templates = [
            services.create_interaction_template(
                actor=actor,
                code=f"T{i}",
                group=group,
                description=f"Template {i}",
                correspondence_type="",
            )
            for i in range(10)
        ]
        companies = Contact.objects.bulk_create(
            Contact(no=f"B{i:07d}", name=f"Company {i}", search_name=f"COMPANY {i}")
            for i in range(contacts)
        )
        Contact.objects.filter(company__isnull=True).update(company_id=models_F("pk"))
    rng = random.Random(7)
    start_day = date(2024, 1, 1)
    batch: list[InteractionLogEntry] = []
    for _ in range(entries):
        company = companies[rng.randrange(len(companies))]
        template = templates[rng.randrange(len(templates))]
        batch.append(
            InteractionLogEntry(
                contact_id=company.pk,
                contact_company_id=company.pk,
                date=start_day + timedelta(days=rng.randrange(700)),
                description="Bench",
                cost=Decimal(rng.randrange(100)),
                duration=Decimal(rng.randrange(60)),
                template_id=template.pk,
                group_id=group.pk,
                salesperson_id=sp.pk,
                canceled=rng.random() < 0.05,
                postponed=rng.random() < 0.01,
            )
        )
        if len(batch) == 10_000:
            InteractionLogEntry.objects.bulk_create(batch)
            batch = []
    InteractionLogEntry.objects.bulk_create(batch)
    return {"company": companies[0].pk, "template": templates[0].pk, "group": group.pk}


def models_F(name: str):
    from django.db.models import F

    return F(name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--contacts", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    setup_django(str(Path(tmp.name) / "bench.sqlite3"))

    from django.db import connection, transaction

    from rapport.contacts.models import Contact
    from rapport.interactions import queries, services
    from rapport.interactions.models import InteractionLogEntry

    t0 = time.perf_counter()
    ids = generate(args.entries, args.contacts)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh tables: give the planner real statistics
    print(
        f"{connection.vendor}: generated {args.entries:,} entries over {args.contacts:,} "
        f"companies in {time.perf_counter() - t0:.1f}s"
    )
    table = InteractionLogEntry._meta.db_table
    company = Contact.objects.get(pk=ids["company"])
    template = services.InteractionTemplate.objects.get(pk=ids["template"])  # type: ignore[attr-defined]

    def raw(sql: str, params: list[object], count_sql: str = "") -> Callable[[], object]:
        def run() -> object:
            with connection.cursor() as cursor:
                if count_sql:
                    cursor.execute(count_sql, params)
                    cursor.fetchall()
                cursor.execute(sql, params)
                return cursor.fetchall()

        return run

    # The same rows the list page shows: the entry and the codes/names of its related rows.
    joined = (
        f"SELECT e.*, c.no, c.name, co.no, co.name, t.code, t.description, g.code, s.code, "
        f"s.name, ca.no, o.no, u.username, u.first_name, u.last_name FROM {table} e "
        "LEFT JOIN contacts_contact c ON c.id = e.contact_id "
        "LEFT JOIN contacts_contact co ON co.id = e.contact_company_id "
        "LEFT JOIN interactions_interactiontemplate t ON t.id = e.template_id "
        "LEFT JOIN interactions_interactiongroup g ON g.id = e.group_id "
        "LEFT JOIN accounts_salesperson s ON s.id = e.salesperson_id "
        "LEFT JOIN campaigns_campaign ca ON ca.id = e.campaign_id "
        "LEFT JOIN interactions_opportunity o ON o.id = e.opportunity_id "
        "LEFT JOIN accounts_user u ON u.id = e.user_id "
    )

    scenarios = [
        (
            "log list, first page (50 rows + capped count)",
            lambda: queries.ENTRY_LIST.page(
                queries.with_related(InteractionLogEntry.objects.filter(postponed=False)),
                {},
            ),
            raw(
                joined + "WHERE e.postponed = %s ORDER BY e.id DESC LIMIT 50",
                [False],
                f"SELECT COUNT(*) FROM (SELECT id FROM {table} WHERE postponed = %s LIMIT 10001) x",
            ),
        ),
        (
            "a company's entries, first page",
            lambda: queries.ENTRY_LIST.page(
                queries.with_related(queries.contact_entries(company).filter(postponed=False)),
                {},
            ),
            raw(
                joined + "WHERE e.contact_company_id = %s AND e.postponed = %s "
                "ORDER BY e.id DESC LIMIT 50",
                [company.pk, False],
                f"SELECT COUNT(*) FROM (SELECT id FROM {table} WHERE contact_company_id = %s "
                "AND postponed = %s LIMIT 10001) x",
            ),
        ),
        (
            "contact statistics",
            lambda: queries.contact_statistics(company),
            raw(
                f"SELECT COUNT(*), SUM(cost), SUM(duration) FROM {table} WHERE "
                "contact_company_id = %s AND canceled = %s AND postponed = %s",
                [company.pk, False, False],
            ),
        ),
        (
            "template statistics",
            lambda: queries.template_statistics(template),
            raw(
                f"SELECT COUNT(*), SUM(cost), SUM(duration) FROM {table} WHERE "
                "template_id = %s AND canceled = %s AND postponed = %s",
                [template.pk, False, False],
            ),
        ),
    ]
    print(f"{'scenario':52} {'rapport':>10} {'raw SQL':>10} {'ratio':>7}")
    for name, ours, baseline in scenarios:
        a, b = timed(ours, args.repeat), timed(baseline, args.repeat)
        print(f"{name:52} {a * 1000:9.2f}ms {b * 1000:9.2f}ms {a / b:7.2f}")

    # Purge: one run each inside a rolled-back transaction on the same data.
    from rapport.accounts.services import system_actor

    class Rollback(Exception):
        pass

    def purge_ours() -> None:
        try:
            with transaction.atomic():
                services.delete_canceled_entries(
                    actor=system_actor(), filters=services.PurgeFilter()
                )
                raise Rollback
        except Rollback:
            pass

    def purge_raw() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM interactions_interactionlogentrycomment WHERE "
                    f"entry_id IN (SELECT id FROM {table} WHERE canceled = %s)",
                    [True],
                )
                cursor.execute(f"DELETE FROM {table} WHERE canceled = %s", [True])
                raise Rollback
        except Rollback:
            pass

    a, b = timed(purge_ours, 3), timed(purge_raw, 3)
    canceled = InteractionLogEntry.objects.filter(canceled=True).count()
    print(
        f"{f'delete canceled entries ({canceled:,} rows)':52} {a * 1000:9.2f}ms "
        f"{b * 1000:9.2f}ms {a / b:7.2f}"
    )
    tmp.cleanup()


if __name__ == "__main__":
    main()
