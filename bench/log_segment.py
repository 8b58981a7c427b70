"""Benchmark segments at scale: add contacts by criteria and log a segment.

Generates N contacts, then times, in the same process and on the same database:

- "add contacts": Rapport's `add_contacts` service (criteria on a contact field, every line
  defaulted from the header and the contact, the step recorded) against a hand-written
  INSERT ... SELECT of the same lines;
- "log segment": Rapport's `log_segment` service on an N-line segment (checks, logged segment,
  campaign entry, entries in batches, segment removed) against one INSERT ... SELECT of the same
  entries from the segment lines.

Prints the median times, their ratio (Rapport / baseline) and the peak RSS of the process.

    .venv/bin/python bench/log_segment.py --contacts 100000
    bin/pg-test-cluster run -- .venv/bin/python bench/log_segment.py --contacts 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


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


def generate(n: int) -> dict[str, object]:
    from django.db import connection, transaction

    from rapport.accounts.services import create_salesperson, system_actor
    from rapport.campaigns.services import create_campaign
    from rapport.contacts.models import Contact
    from rapport.interactions import services as interactions

    actor = system_actor()
    with transaction.atomic():
        salesperson = create_salesperson(actor=actor, code="BENCH", name="Bench")
        group = interactions.create_interaction_group(actor=actor, code="BG")
        template = interactions.create_interaction_template(
            actor=actor,
            code="NEWS",
            group=group,
            description="Newsletter",
            correspondence_type="",
            information_flow="outbound",
        )
        campaign = create_campaign(actor=actor, description="Bench campaign")
    batch = 20_000
    for start in range(0, n, batch):
        with transaction.atomic():
            Contact.objects.bulk_create(
                Contact(
                    no=f"B{i:08d}",
                    name=f"Company {i}",
                    search_name=f"COMPANY {i}",
                    city="Helsinki" if i % 2 == 0 else "Oslo",
                    salesperson_id=salesperson.pk,
                )
                for i in range(start, min(start + batch, n))
            )
    Contact.objects.filter(company__isnull=True).update(company_id=models_f("pk"))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
        else:
            cursor.execute("ANALYZE")
    return {"actor": actor, "template": template, "salesperson": salesperson, "campaign": campaign}


def models_f(name: str):  # type: ignore[no-untyped-def]
    from django.db.models import F

    return F(name)


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
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    setup_django(str(Path(tmp.name) / "bench.sqlite3"))

    from django.db import connection, transaction

    from rapport.contacts.models import Contact
    from rapport.interactions.models import InteractionLogEntry
    from rapport.segments import services, sql
    from rapport.segments.models import LINE_COLUMNS, LoggedSegment, Segment, SegmentLine
    from rapport.segments.services.logging import ENTRY_COLUMNS

    started = time.perf_counter()
    world = generate(args.contacts)
    print(
        f"{connection.vendor}: {args.contacts:,} contacts generated in "
        f"{time.perf_counter() - started:.1f} s"
    )
    actor = world["actor"]
    q = sql.q

    def new_segment() -> Segment:
        return services.create_segment(
            actor=actor,
            description="Bench",
            template=world["template"],
            salesperson=world["salesperson"],
            campaign=world["campaign"],
        )

    def clear_segments() -> None:
        with transaction.atomic():
            for segment in Segment.objects.all():
                services.delete_segment(actor=actor, segment=segment)

    # --- add contacts by criteria -----------------------------------------------------------
    holder: dict[str, Segment] = {}

    def prepare_add() -> None:
        clear_segments()
        holder["segment"] = new_segment()

    def rapport_add() -> None:
        services.add_contacts(
            actor=actor, segment=holder["segment"], filters={"contact": {"type": "company"}}
        )

    columns = ["segment_id", *LINE_COLUMNS]

    def baseline_add() -> None:
        s = holder["segment"]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {sql.table(SegmentLine)} ({', '.join(q(c) for c in columns)}) "
                f"SELECT %s, 10000 * ROW_NUMBER() OVER (ORDER BY COALESCE(co.{q('name')}, "
                f"c.{q('name')}), COALESCE(co.{q('no')}, c.{q('no')}), c.{q('type')}, "
                f"c.{q('name')}, c.{q('id')}), "
                f"c.{q('id')}, c.{q('company_id')}, %s, %s, FALSE, FALSE, %s, %s, %s, %s, '', "
                f"%s, FALSE, c.{q('correspondence_type')}, %s, %s, NULL, NULL, '', '', NULL, "
                f"FALSE, '', '', FALSE FROM {sql.table(Contact)} c LEFT JOIN {sql.table(Contact)} co "
                f"ON co.{q('id')} = c.{q('company_id')} WHERE c.{q('type')} = %s",
                [
                    s.pk,
                    s.description,
                    s.campaign_id,
                    s.salesperson_id,
                    s.template_id,
                    s.group_id,
                    s.information_flow,
                    s.date,
                    s.unit_cost,
                    s.unit_duration,
                    "company",
                ],
            )

    add_rapport = timed(rapport_add, prepare_add, args.repeat)
    add_baseline = timed(baseline_add, prepare_add, args.repeat)
    lines = SegmentLine.objects.count()
    print(
        f"add contacts ({lines:,} lines)   rapport {add_rapport:7.2f} s   "
        f"baseline {add_baseline:7.2f} s   ratio {add_rapport / add_baseline:5.2f}"
    )

    # --- log segment --------------------------------------------------------------------------
    def prepare_log() -> None:
        with transaction.atomic():
            InteractionLogEntry.objects.all()._raw_delete(InteractionLogEntry.objects.db)  # type: ignore[attr-defined]
            LoggedSegment.objects.all().delete()
            from rapport.campaigns.models import CampaignEntry

            CampaignEntry.objects.all().delete()
        prepare_add()
        baseline_add()

    def rapport_log() -> None:
        services.log_segment(actor=actor, segment=holder["segment"])

    entry_cols = [c for c in ENTRY_COLUMNS if c != "campaign_entry_id"]

    def baseline_log() -> None:
        s = holder["segment"]
        now = sql.now()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {sql.table(InteractionLogEntry)} "
                f"({', '.join(q(c) for c in entry_cols)}) "
                f"SELECT l.{q('contact_id')}, l.{q('contact_company_id')}, l.{q('date')}, "
                f"l.{q('time')}, l.{q('description')}, l.{q('information_flow')}, "
                f"l.{q('initiated_by')}, l.{q('attachment_id')}, l.{q('cost')}, "
                f"l.{q('duration')}, %s, l.{q('group_id')}, l.{q('template_id')}, "
                f"l.{q('language_id')}, l.{q('campaign_id')}, l.{q('campaign_target')}, "
                f"l.{q('campaign_response')}, %s, 1, l.{q('evaluation')}, "
                f"l.{q('attempt_failed')}, l.{q('salesperson_id')}, '', FALSE, "
                f"l.{q('correspondence_type')}, '', '', 0, l.{q('contact_via')}, FALSE, %s, %s, "
                f"l.{q('description')}, l.{q('send_word_docs_as_attachment')}, NULL "
                f"FROM {sql.table(SegmentLine)} l WHERE l.{q('segment_id')} = %s "
                f"ORDER BY l.{q('line_no')}",
                [actor.pk, s.no, now, now, s.pk],
            )

    log_rapport = timed(rapport_log, prepare_log, args.repeat)
    log_baseline = timed(baseline_log, prepare_log, args.repeat)
    print(
        f"log segment ({lines:,} lines)    rapport {log_rapport:7.2f} s   "
        f"baseline {log_baseline:7.2f} s   ratio {log_rapport / log_baseline:5.2f}"
    )
    print(f"peak RSS {peak_rss_mb():.0f} MB")
    tmp.cleanup()


if __name__ == "__main__":
    main()
