"""Delete about 1M canceled entries out of 10M (issue 14 point 8), Rapport's job against raw SQL.

On a database filled by `bench/generate.py` (10 % of its entries are canceled), in the same
process and on the same data:

- Rapport: "Delete Canceled Interaction Log Entries" as the page starts it: the job queued with
  `start_delete_canceled_entries` and run by `execute_job` (the worker's code path: keyset
  batches through `delete_canceled_entries`, from RAPPORT_BATCH_SIZE growing to ten times
  that, read from the partial index of canceled entries; comments, deliveries, document
  events' links, unshared attachments; one `entry.deleted` event and a progress report per
  batch);
- baseline: two hand-written statements, `DELETE` of the canceled entries' comments and of the
  canceled entries.

Each run happens inside a transaction that is rolled back afterwards, so the database (the
ready-made 10M file) stays as it was and both sides delete the same rows. Prints seconds, rows
per second and the ratio (Rapport / raw SQL).

    .venv/bin/python bench/purge_canceled.py                  # /tmp/rapport-bench/scale-10m.sqlite3
    bin/pg-test-cluster run -- sh -c '.venv/bin/python bench/generate.py && \
        .venv/bin/python bench/purge_canceled.py'
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate as gen  # noqa: E402


class Rollback(Exception):
    pass


def rolled_back(func: Callable[[], int]) -> tuple[float, int]:
    """Seconds `func` takes inside a transaction that is then undone, and what it returned."""
    from django.db import transaction

    out = 0
    start = time.perf_counter()
    try:
        with transaction.atomic():
            out = func()
            elapsed = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    return elapsed, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=gen.DEFAULT_DB)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each side (alternating)")
    parser.add_argument("--contacts", type=int, default=1_000_000, help="when generating")
    parser.add_argument("--entries", type=int, default=10_000_000, help="when generating")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    gen.setup_django(args.db)

    from django.conf import settings
    from django.db import connection

    from rapport.accounts.models import User
    from rapport.accounts.services import create_user
    from rapport.core.jobs import execute_job
    from rapport.core.models import JobStatus
    from rapport.interactions import services
    from rapport.interactions.models import InteractionLogEntry, InteractionLogEntryComment
    from rapport.interactions.services.log import PURGE_BATCH_GROWTH

    if not InteractionLogEntry.objects.exists():
        print(f"generating {args.contacts:,} contacts and {args.entries:,} entries ...")
        gen.generate(contacts=args.contacts, entries=args.entries)
    # The job records who started it: a stored administrator.
    admin = User.objects.filter(username="bench-admin").first()
    if admin is None:
        admin = create_user(actor=None, username="bench-admin", password=None, roles=["admin"])
    total = InteractionLogEntry.objects.count()
    canceled = InteractionLogEntry.objects.filter(canceled=True).count()
    table = InteractionLogEntry._meta.db_table
    comments = InteractionLogEntryComment._meta.db_table

    def ours() -> int:
        job = services.start_delete_canceled_entries(actor=admin, filters=services.PurgeFilter())
        job = execute_job(job.pk)
        assert job.status == JobStatus.SUCCEEDED, (job.status, job.error)
        return int(job.result["deleted"])

    def raw() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {comments} WHERE entry_id IN "
                f"(SELECT id FROM {table} WHERE canceled = %s)",
                [True],
            )
            cursor.execute(f"DELETE FROM {table} WHERE canceled = %s", [True])
            return cursor.rowcount

    print(
        f"{connection.vendor}: delete {canceled:,} canceled of {total:,} entries "
        f"(batches of {settings.RAPPORT_BATCH_SIZE:,} growing to "
        f"{settings.RAPPORT_BATCH_SIZE * PURGE_BATCH_GROWTH:,})"
    )
    print(f"{'':28} {'seconds':>9} {'rows/s':>10}")
    ours_times, raw_times = [], []
    for _ in range(args.repeat):
        seconds, deleted = rolled_back(raw)
        assert deleted == canceled, deleted
        raw_times.append(seconds)
        print(f"{'raw SQL DELETE':28} {seconds:9.1f} {deleted / seconds:10,.0f}", flush=True)
        seconds, deleted = rolled_back(ours)
        assert deleted == canceled, deleted
        ours_times.append(seconds)
        print(f"{'Rapport purge job':28} {seconds:9.1f} {deleted / seconds:10,.0f}", flush=True)
    assert InteractionLogEntry.objects.filter(canceled=True).count() == canceled
    a, b = min(ours_times), min(raw_times)
    print(f"ratio (Rapport / raw SQL, best runs): {a / b:.2f}")


if __name__ == "__main__":
    main()
