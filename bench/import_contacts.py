"""CSV import of 100k contacts (issue 14 point 8): Rapport's import service against raw INSERTs.

A CSV file of N contacts (a quarter companies with their own numbers, the rest persons naming
their company by number, with address, phone, e-mail and salesperson columns) is imported, in
the same process and on the same database:

- Rapport: `import_contacts` (what the import job runs): read the file, map the header, check
  every row (defaults, name breakdown, inheritance from the company, validation, numbers
  unique in the file and the database), draw numbers from Contact Nos. for the persons and
  write the companies and then the persons set-based in one transaction;
- baseline: the same file read with `csv.reader`, the persons' numbers formatted in Python,
  the rows written with `executemany` INSERTs (companies, their Company No., then persons with
  the company ids looked up in one query).

Each side runs in a transaction that is rolled back, so both write the same contacts into the
same database. Default database: the ready-made scale file (1M contacts already there, so the
number checks and indexes work at size); `--db` another. Prints rows per second and the ratio.

    .venv/bin/python bench/import_contacts.py --rows 100000
    bin/pg-test-cluster run -- sh -c '.venv/bin/python bench/generate.py && \
        .venv/bin/python bench/import_contacts.py'
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate as gen  # noqa: E402

HEADER = [
    "no",
    "type",
    "name",
    "company_no",
    "address",
    "post_code",
    "city",
    "phone_no",
    "email",
    "salesperson_code",
]


def make_csv(rows: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    company_no = ""
    for n in range(rows):
        post_code, city = gen.CITIES[n % len(gen.CITIES)]
        if n % gen.BLOCK == 0:
            company_no = f"IMP{n:07d}"
            writer.writerow(
                [
                    company_no,
                    "Company",
                    f"Import {n} Oy",
                    "",
                    f"Tehtaankatu {n % 97 + 1}",
                    post_code,
                    city,
                    f"+358 9 {n:07d}",
                    f"info{n}@import.example",
                    f"SP{n % gen.SALESPEOPLE + 1:02d}",
                ]
            )
        else:
            first = gen.FIRST_NAMES[n % len(gen.FIRST_NAMES)]
            last = gen.SURNAMES[n % len(gen.SURNAMES)]
            writer.writerow(
                [
                    "",
                    "Person",
                    f"{first} {last}",
                    company_no,
                    "",
                    "",
                    "",
                    f"+358 40 {n:07d}",
                    f"{first.lower()}.{n}@import.example",
                    "",
                ]
            )
    return buffer.getvalue().encode()


class Rollback(Exception):
    pass


def rolled_back(func: Callable[[], int]) -> tuple[float, int]:
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
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default=gen.DEFAULT_DB)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each side (alternating)")
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    gen.setup_django(args.db)

    from django.db import connection
    from django.utils import timezone

    from rapport.accounts.models import Salesperson, User
    from rapport.accounts.services import create_user
    from rapport.contacts.models import Contact
    from rapport.contacts.services import import_contacts, marketing_setup
    from rapport.core.models import NumberSeries
    from rapport.core.numbering import increment

    if not Salesperson.objects.filter(code="SP01").exists():
        gen.generate(contacts=gen.BLOCK, entries=0)  # salespeople and setup only
    admin = User.objects.filter(username="bench-admin").first() or create_user(
        actor=None, username="bench-admin", password=None, roles=["admin"]
    )
    content = make_csv(args.rows)
    existing = Contact.objects.count()
    q = connection.ops.quote_name
    table = q(Contact._meta.db_table)

    def ours() -> int:
        result = import_contacts(
            actor=admin, content=content, filename="contacts.csv", dry_run=False
        )
        assert not result["errors"], result["errors"][:3]
        return int(result["created"])

    def raw() -> int:
        setup = marketing_setup()
        series = NumberSeries.objects.get(pk=setup.contact_nos_id)
        next_no = increment(series.last_no_used) if series.last_no_used else series.starting_no
        salespeople = dict(Salesperson.objects.values_list("code", "pk"))
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        language = setup.default_language_id
        companies, persons = [], []
        reader = csv.reader(io.StringIO(content.decode()))
        next(reader)
        for no, kind, name, company_no, address, post_code, city, phone, email, sp in reader:
            if kind == "Company":
                companies.append(
                    (no, name, address, post_code, city, phone, email, salespeople.get(sp))
                )
            else:
                persons.append((name, company_no, phone, email))
        columns = (
            "no, no_series_id, type, name, search_name, name_2, first_name, middle_name, "
            "surname, initials, job_title, company_id, address, address_2, post_code, city, "
            "county, country_code, phone_no, mobile_phone_no, email, search_email, home_page, "
            "vat_registration_no, language_id, salesperson_id, correspondence_type, "
            "exclude_from_segment, privacy_blocked, created_at, modified_at"
        )
        marks = ", ".join(["%s"] * 31)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
        with connection.cursor() as cursor:
            cursor.executemany(
                sql,
                [
                    (no, None, "company", name, name.upper(), "", "", "", "", "", "", None,
                     address, "", post_code, city, "", "FI", phone, "", email, email.upper(), "",
                     "", language, sp, "", False, False, now, now)
                    for no, name, address, post_code, city, phone, email, sp in companies
                ],
            )  # fmt: skip
            cursor.execute(
                f"UPDATE {table} SET company_id = id WHERE company_id IS NULL AND type = %s",
                ["company"],
            )
            cursor.execute(
                f"SELECT no, id, address, post_code, city, salesperson_id FROM {table} "
                f"WHERE no >= %s AND no <= %s",
                [companies[0][0], companies[-1][0]],
            )
            by_no = {row[0]: row[1:] for row in cursor.fetchall()}
            rows = []
            number = next_no
            for name, company_no, phone, email in persons:
                first, _sep, last = name.partition(" ")
                cid, address, post_code, city, sp = by_no[company_no]
                rows.append(
                    (number, series.pk, "person", name, name.upper(), "", first, "", last, "",
                     "", cid, address, "", post_code, city, "", "FI", phone, "", email,
                     email.upper(), "", "", language, sp, "", False, False, now, now)
                )  # fmt: skip
                number = increment(number)
            cursor.executemany(sql, rows)
        NumberSeries.objects.filter(pk=series.pk).update(last_no_used=rows[-1][0])
        return len(companies) + len(persons)

    print(
        f"{connection.vendor}: import {args.rows:,} contacts ({len(content) / 1e6:.1f} MB CSV) "
        f"into a database with {existing:,} contacts"
    )
    print(f"{'':28} {'seconds':>9} {'rows/s':>10}")
    ours_times, raw_times = [], []
    for _ in range(args.repeat):
        seconds, created = rolled_back(raw)
        assert created == args.rows, created
        raw_times.append(seconds)
        print(f"{'raw INSERT':28} {seconds:9.2f} {created / seconds:10,.0f}", flush=True)
        seconds, created = rolled_back(ours)
        assert created == args.rows, created
        ours_times.append(seconds)
        print(
            f"{'Rapport import_contacts':28} {seconds:9.2f} {created / seconds:10,.0f}", flush=True
        )
    assert Contact.objects.count() == existing
    a, b = min(ours_times), min(raw_times)
    print(f"ratio (Rapport / raw SQL, best runs): {a / b:.2f}")


if __name__ == "__main__":
    main()
