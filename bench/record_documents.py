"""Benchmark recording business document events in bulk (issue 13 point 3).

Generates C customers (company contacts linked to customer numbers through business relations)
and N document events (sales invoices, quotes and order confirmations, each a new document),
then times, in the same process and on the same database:

- Rapport: `record_document_events` for all N events in one call (validation, contacts
  resolved through business relations, templates from the setup, duplicate check, entries and
  idempotency rows written in batches in one transaction, the race check after);
- baseline: the same entries and idempotency rows written with raw `INSERT`s (executemany in
  one transaction), the customer -> contact map and the template read once beforehand.

Prints events per second for both, their ratio (Rapport time / baseline time) and the peak RSS.

    .venv/bin/python bench/record_documents.py --events 100000
    bin/pg-test-cluster run -- .venv/bin/python bench/record_documents.py --events 100000
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TYPES = ["sales_invoice", "sales_quote", "sales_order_confirmation"]
DAY = datetime.date(2026, 11, 23)


def setup_django(db_path: str) -> None:
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    os.environ.setdefault("RAPPORT_VAR_DIR", str(Path(db_path).parent / "var"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(customers: int) -> dict[str, Any]:
    from django.db import connection, transaction
    from django.db.models import F

    from rapport.accounts.services import system_actor
    from rapport.contacts.models import Contact, ContactBusinessRelation
    from rapport.contacts.services import create_business_relation
    from rapport.interactions import services as interactions

    actor = system_actor()
    with transaction.atomic():
        group = interactions.create_interaction_group(actor=actor, code="DOCS")
        made = {
            code: interactions.create_interaction_template(
                actor=actor,
                code=code,
                group=group,
                description=f"{code} document",
                correspondence_type="",
                information_flow="outbound",
            )
            for code in ("SINV", "SQTE", "SOC")
        }
        interactions.update_template_setup(
            actor=actor,
            sales_invoices=made["SINV"],
            sales_quotes=made["SQTE"],
            sales_ord_cnfrmn=made["SOC"],
        )
        relation = create_business_relation(actor=actor, code="CUST", description="Customer")
    batch = 20_000
    for start in range(0, customers, batch):
        with transaction.atomic():
            Contact.objects.bulk_create(
                Contact(no=f"K{i:08d}", name=f"Company {i}", search_name=f"COMPANY {i}")
                for i in range(start, min(start + batch, customers))
            )
    Contact.objects.filter(company__isnull=True).update(company_id=F("pk"))
    ids = list(Contact.objects.order_by("no").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        with transaction.atomic():
            ContactBusinessRelation.objects.bulk_create(
                ContactBusinessRelation(
                    contact_id=pk,
                    business_relation=relation,
                    link_to_table="customer",
                    no=f"C{n:07d}",
                )
                for n, pk in enumerate(ids[start : start + batch], start)
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"actor": actor, "templates": made}


def timed(func: Callable[[], object], prepare: Callable[[], object], repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        prepare()
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    setup_django(str(Path(tmp.name) / "bench.sqlite3"))

    from django.db import connection, transaction

    from rapport.campaigns.models import CampaignEntry
    from rapport.contacts.models import ContactBusinessRelation
    from rapport.documents import services
    from rapport.documents.models import DocumentEvent
    from rapport.interactions.models import InteractionLogEntry
    from rapport.segments.sql import q, table

    started = time.perf_counter()
    world = generate(args.customers)
    print(
        f"{connection.vendor}: {args.customers:,} customers generated in "
        f"{time.perf_counter() - started:.1f} s"
    )
    actor = world["actor"]
    events = [
        services.DocumentEventInput(
            document_type=TYPES[i % len(TYPES)],
            document_no=f"D{i:09d}",
            event="posted" if i % 2 else "printed",
            document_date=DAY,
            customer_no=f"C{(i * 7919) % args.customers:07d}",
            amount=None,
        )
        for i in range(args.events)
    ]

    def clear() -> None:
        with transaction.atomic():
            DocumentEvent.objects.all()._raw_delete(DocumentEvent.objects.db)  # type: ignore[attr-defined]
            InteractionLogEntry.objects.all()._raw_delete(InteractionLogEntry.objects.db)  # type: ignore[attr-defined]
            CampaignEntry.objects.all().delete()

    def rapport() -> None:
        results = services.record_document_events(actor=actor, events=events)
        assert all(r.status == "recorded" for r in results), results[0]

    # The baseline's columns come from the models (a prototype row supplies every value but
    # the per-event ones), so new fields with defaults do not break it.
    entry_fields = [f for f in InteractionLogEntry._meta.concrete_fields if not f.primary_key]
    event_fields = [f for f in DocumentEvent._meta.concrete_fields if not f.primary_key]

    def prototype_values(obj: Any, fields: list[Any]) -> list[Any]:
        values = []
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                values.append(f.get_db_prep_save(datetime.datetime.now(datetime.UTC), connection))
            else:
                values.append(f.get_db_prep_save(getattr(obj, f.attname), connection))
        return values

    def baseline() -> None:
        templates = {
            "sales_invoice": world["templates"]["SINV"],
            "sales_quote": world["templates"]["SQTE"],
            "sales_order_confirmation": world["templates"]["SOC"],
        }
        contacts = dict(
            ContactBusinessRelation.objects.filter(link_to_table="customer").values_list(
                "no", "contact_id"
            )
        )
        entry_cols = [f.column for f in entry_fields]
        event_cols = [f.column for f in event_fields]
        at = {name: entry_cols.index(name) for name in entry_cols}
        ev = {name: event_cols.index(name) for name in event_cols}
        protos = {}
        for document_type, template in templates.items():
            proto = InteractionLogEntry(
                date=DAY,
                description=template.description,
                information_flow=template.information_flow,
                cost=template.unit_cost,
                duration=template.unit_duration,
                user_id=actor.pk,
                group_id=template.group_id,
                template_id=template.pk,
                document_type=document_type,
            )
            protos[document_type] = prototype_values(proto, entry_fields)
        event_proto = prototype_values(
            DocumentEvent(document_date=DAY, account_type="customer", status="recorded"),
            event_fields,
        )
        entry_rows = []
        event_rows = []
        for data in events:
            contact_id = contacts[data.customer_no]
            row = list(protos[data.document_type])
            row[at["contact_id"]] = contact_id
            row[at["contact_company_id"]] = contact_id
            row[at["document_no"]] = data.document_no
            entry_rows.append(row)
            erow = list(event_proto)
            erow[ev["document_type"]] = data.document_type
            erow[ev["document_no"]] = data.document_no
            erow[ev["event"]] = data.event
            erow[ev["account_no"]] = data.customer_no
            erow[ev["contact_id"]] = contact_id
            event_rows.append(erow)
        entry_sql = (
            f"INSERT INTO {table(InteractionLogEntry)} ({', '.join(q(c) for c in entry_cols)}) "
            f"VALUES ({', '.join(['%s'] * len(entry_cols))})"
        )
        event_sql = (
            f"INSERT INTO {table(DocumentEvent)} ({', '.join(q(c) for c in event_cols)}) "
            f"VALUES ({', '.join(['%s'] * len(event_cols))})"
        )
        with transaction.atomic(), connection.cursor() as cursor:
            for start in range(0, len(entry_rows), 2000):
                cursor.executemany(entry_sql, entry_rows[start : start + 2000])
                cursor.executemany(event_sql, event_rows[start : start + 2000])

    t_rapport = timed(rapport, clear, args.repeat)
    t_baseline = timed(baseline, clear, args.repeat)
    n = len(events)
    print(
        f"record documents ({n:,} events)   rapport {n / t_rapport:10,.0f} events/s "
        f"({t_rapport:6.2f} s)   baseline {n / t_baseline:10,.0f} events/s "
        f"({t_baseline:6.2f} s)   ratio {t_rapport / t_baseline:5.2f}"
    )
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    tmp.cleanup()


if __name__ == "__main__":
    main()
