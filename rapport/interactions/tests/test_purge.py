"""Issue 14 point 8: "Delete Canceled Interaction Log Entries" at scale. The batches read only
canceled entries (a partial index), take one statement each on PostgreSQL, grow past
RAPPORT_BATCH_SIZE, and take an entry's deliveries and document events along."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rapport.core.jobs import execute_job
from rapport.core.models import JobStatus
from rapport.interactions import services
from rapport.interactions.models import Delivery, InteractionLogEntry
from rapport.interactions.services import PurgeFilter
from rapport.interactions.tests.delivery_fixtures import log, run_jobs
from rapport.interactions.tests.test_indexes import TABLE, plan

pytestmark = pytest.mark.django_db


def canceled(bob, company, template, interact, n: int) -> list[InteractionLogEntry]:
    made = [interact(company, template) for _ in range(n)]
    services.cancel_entries(
        actor=bob, entries=InteractionLogEntry.objects.filter(pk__in=[e.pk for e in made])
    )
    return made


def test_a_purge_batch_reads_the_canceled_entries_from_their_own_index() -> None:
    page = InteractionLogEntry.objects.filter(canceled=True, pk__gt=10).order_by("pk")[:1000]
    text = plan(page.values_list("pk", flat=True))
    assert "ile_canceled_id" in text, text
    if connection.vendor == "postgresql":
        assert f"Seq Scan on {TABLE}" not in text and "Sort" not in text, text


def test_on_postgresql_each_purge_batch_is_one_statement(
    alice, bob, company, call_template, interact, settings
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs in the process: a statement costs no round trip there")
    settings.RAPPORT_BATCH_SIZE = 1
    canceled(bob, company, call_template, interact, 6)  # batches of 1, 2 and the last 3
    with CaptureQueriesContext(connection) as queries:
        assert services.delete_canceled_entries(actor=alice, filters=PurgeFilter()) == 6
    deletes = [q["sql"] for q in queries if "DELETE" in q["sql"].upper()]
    assert len(deletes) == 3, deletes
    assert not InteractionLogEntry.objects.exists()


def test_purge_batches_grow_from_the_batch_size(
    alice, bob, company, call_template, interact, settings
) -> None:
    settings.RAPPORT_BATCH_SIZE = 2
    canceled(bob, company, call_template, interact, 13)
    seen: list[tuple[int, int]] = []
    deleted = services.delete_canceled_entries(
        actor=alice, filters=PurgeFilter(), progress=lambda done, total: seen.append((done, total))
    )
    assert deleted == 13
    # 2, 4, 8 (the growth stops at 10 times the batch size: 20)
    assert seen == [(2, 13), (6, 13), (13, 13)]


def test_purging_a_sent_entry_deletes_its_delivery_record(
    alice, bob, maija, mail_template, salesperson, smtp
) -> None:
    entry = log(alice, maija, mail_template, salesperson=salesperson)
    [job] = run_jobs()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert Delivery.objects.filter(entry=entry).exists()
    services.cancel_entries(actor=bob, entries=InteractionLogEntry.objects.filter(pk=entry.pk))
    job = services.start_delete_canceled_entries(actor=alice, filters=PurgeFilter())
    job = execute_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result == {"deleted": 1}
    assert not InteractionLogEntry.objects.filter(pk=entry.pk).exists()
    assert not Delivery.objects.exists()
