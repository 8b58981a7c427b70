"""A fast, set-based generator of scale data: contacts and interaction log entries.

Fills a migrated database with `contacts` contacts (companies with three persons each,
salespeople, business relations to customers and vendors) and `entries` interaction log entries
with a realistic skew, using `INSERT ... SELECT` over a recursive CTE (SQLite) or
`generate_series` (PostgreSQL) in batches: no Python loop per row.

- Contacts: every fourth contact is a company, the three after it its persons. Numbers come
  from the Contact Nos. series, which is advanced past the last one (as `create_contact` does);
  persons take over the company's salesperson, language, country and address (the setup's
  inheritance); 40 % of the companies are customers and 5 % vendors (business relations).
- Entries: the contact is drawn Zipf-like (rank = N * u^2: the heaviest contact gets about
  N_entries / 1000 entries, a few dozen have thousands, most have 5-15), scattered over the
  contact numbers; ten templates in five groups with uneven shares (30 % e-mails, 0.5 %
  events); cost, duration, information flow, initiated by, description and group from the
  template, as `create_interaction` writes them; the company and salesperson of the contact;
  dates spread over seven years in entry order; 10 % canceled, 0.5 % postponed.
  All "random" numbers are integer hashes of the entry number, so a run is reproducible and
  SQLite and PostgreSQL get the same data.

Secondary indexes of the two big tables are dropped while loading and built again afterwards
(a sort is much faster than millions of random B-tree inserts); `ANALYZE` runs at the end.

    .venv/bin/python bench/generate.py                                  # 1M contacts, 10M entries
    .venv/bin/python bench/generate.py --contacts 10000 --entries 100000 --db /tmp/small.sqlite3
    bin/pg-test-cluster run -- .venv/bin/python bench/generate.py --contacts 100000 --entries 1000000

Importable: `generate(contacts=..., entries=...)` fills the database Django is connected to.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_DB = "/tmp/rapport-bench/scale-10m.sqlite3"
PERSONS_PER_COMPANY = 3
BLOCK = PERSONS_PER_COMPANY + 1
SALESPEOPLE = 20
FIRST_DAY = datetime.date(2019, 1, 1)
DAYS = 7 * 365
CANCELED_PER_MILLE = 100
POSTPONED_PER_MILLE = 5
MOD = 2_147_483_647  # 2^31 - 1: the Lehmer generator's prime

GROUPS = [
    ("SALES", "Sales"),
    ("MARKETING", "Marketing"),
    ("SUPPORT", "Support"),
    ("DOCS", "Business documents"),
    ("EVENTS", "Events"),
]
# code, group, description, unit cost, unit duration, flow, initiated by, share in per mille
TEMPLATES = [
    ("OUTCALL", "SALES", "Outgoing phone call", "0.00", "5", "outbound", "us", 250),
    ("INCALL", "SALES", "Incoming phone call", "0.00", "5", "inbound", "them", 100),
    ("MEETING", "SALES", "Meeting", "50.00", "60", "outbound", "us", 50),
    ("EMAIL", "MARKETING", "E-mail", "0.00", "0", "outbound", "us", 300),
    ("NEWSL", "MARKETING", "Newsletter", "0.10", "0", "outbound", "us", 150),
    ("LETTER", "MARKETING", "Letter", "1.50", "0", "outbound", "us", 30),
    ("SUPPORT", "SUPPORT", "Support case", "10.00", "30", "inbound", "them", 60),
    ("SINV", "DOCS", "Sales invoice", "0.00", "0", "outbound", "us", 40),
    ("SQTE", "DOCS", "Sales quote", "0.00", "0", "outbound", "us", 15),
    ("EVENT", "EVENTS", "Event invitation", "2.00", "0", "outbound", "us", 5),
]
FIRST_NAMES = ["Aino", "Eero", "Helmi", "Juha", "Kari", "Liisa", "Mikko", "Sanna"]
# ASCII only: SQLite's upper() (Search Name) leaves other letters as they are.
SURNAMES = ["Virtanen", "Korhonen", "Nieminen", "Lehtonen", "Koskinen", "Laine", "Heikkinen"]
CITIES = [
    ("00100", "Helsinki"),
    ("02100", "Espoo"),
    ("33100", "Tampere"),
    ("20100", "Turku"),
    ("90100", "Oulu"),
    ("40100", "Jyväskylä"),
    ("15100", "Lahti"),
    ("70100", "Kuopio"),
]


@dataclass
class Generated:
    contacts: int = 0
    entries: int = 0
    first_contact_id: int = 0
    templates: dict[str, int] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    salespeople: list[int] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def _sqlite() -> bool:
    from django.db import connection

    return connection.vendor == "sqlite"


def _series(lo: int, hi: int) -> tuple[str, list[Any]]:
    """A CTE `s(i)` with the integers lo..hi (inclusive)."""
    if _sqlite():
        return (
            "WITH RECURSIVE s(i) AS (SELECT %s UNION ALL SELECT i + 1 FROM s WHERE i < %s)",
            [lo, hi],
        )
    return "WITH s(i) AS (SELECT generate_series(%s::bigint, %s::bigint))", [lo, hi]


def _padded(expr: str, width: int) -> str:
    if _sqlite():
        return f"printf('%%0{width}d', {expr})"
    return f"(CASE WHEN {expr} < 1{'0' * width} THEN lpad(({expr})::text, {width}, '0') ELSE ({expr})::text END)"


def _day(offset_expr: str) -> str:
    if _sqlite():
        return f"date('{FIRST_DAY.isoformat()}', '+' || ({offset_expr}) || ' days')"
    return f"(DATE '{FIRST_DAY.isoformat()}' + ({offset_expr})::integer)"


def _clamp(expr: str, lo: int, hi: int) -> str:
    if _sqlite():
        return f"max({lo}, min({hi}, {expr}))"
    return f"greatest({lo}, least({hi}, {expr}))"


def _minutes_time(expr: str) -> str:
    if _sqlite():
        return f"printf('%%02d:%%02d:00', 8 + ({expr}) / 60, ({expr}) %% 60)"
    return f"make_time((8 + ({expr}) / 60)::integer, (({expr}) %% 60)::integer, 0)"


def _case(expr: str, values: list[str]) -> str:
    whens = " ".join(f"WHEN {i} THEN {value}" for i, value in enumerate(values))
    return f"(CASE {expr} {whens} END)"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _defaults(model: Any, given: set[str], now: datetime.datetime) -> tuple[list[str], list[Any]]:
    """The columns a bulk insert does not compute and the values Django would store for them."""
    from django.db import connection

    columns, params = [], []
    for f in model._meta.concrete_fields:
        if f.column in given or f.primary_key:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value: Any = now
        else:
            value = f.get_default()
        columns.append(connection.ops.quote_name(f.column))
        params.append(f.get_db_prep_save(value, connection))
    return columns, params


def _insert_select(
    model: Any,
    computed: dict[str, str],
    cte: tuple[str, list[Any]],
    source: tuple[str, list[Any]],
    now: datetime.datetime,
) -> int:
    """WITH cte INSERT INTO model's table (computed columns + defaults) SELECT ... source."""
    from django.db import connection

    q = connection.ops.quote_name
    default_columns, default_params = _defaults(model, set(computed), now)
    columns = [q(c) for c in computed] + default_columns
    select = list(computed.values()) + ["%s"] * len(default_params)
    sql = (
        f"{cte[0]} INSERT INTO {q(model._meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(select)} {source[0]}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*cte[1], *default_params, *source[1]])
        return cursor.rowcount


def _secondary_indexes(model: Any) -> list[tuple[str, str]]:
    """(name, CREATE statement) of the table's indexes that are no constraint."""
    from django.db import connection

    table_name = model._meta.db_table
    with connection.cursor() as cursor:
        if _sqlite():
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL",
                [table_name],
            )
            return list(cursor.fetchall())
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [table_name],
        )
        return list(cursor.fetchall())


def _foreign_keys(model: Any) -> list[tuple[str, str]]:
    """PostgreSQL: (name, ALTER TABLE ... ADD CONSTRAINT) of the table's foreign keys."""
    from django.db import connection

    if _sqlite():
        return []  # SQLite does not check foreign keys row by row while loading
    table_name = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [model._meta.db_table],
        )
        return [
            (name, f"ALTER TABLE {table_name} ADD CONSTRAINT {name} {definition}")
            for name, definition in cursor.fetchall()
        ]


class _IndexesOff:
    """Drop the tables' secondary indexes (and, on PostgreSQL, foreign keys: their deferred
    checks would run row by row at each commit) for a bulk load; build them again on exit
    (a foreign key added back checks all rows in one join)."""

    def __init__(self, *models: Any) -> None:
        self.saved = [ix for m in models for ix in _secondary_indexes(m)]
        self.keys = [(m, fk) for m in models for fk in _foreign_keys(m)]

    def __enter__(self) -> None:
        from django.db import connection

        q = connection.ops.quote_name
        with connection.cursor() as cursor:
            for name, _sql in self.saved:
                cursor.execute(f"DROP INDEX {q(name)}")
            if not connection.in_atomic_block:  # (tests: keep the keys, the data is tiny)
                for model, (name, _sql) in self.keys:
                    cursor.execute(f"ALTER TABLE {q(model._meta.db_table)} DROP CONSTRAINT {name}")
            else:
                self.keys = []

    def __exit__(self, *exc: object) -> None:
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql" and connection.in_atomic_block:
                # CREATE INDEX refuses a table with pending (deferred) foreign key checks.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for _name, sql in self.saved:
                cursor.execute(sql)
            for _model, (_name, sql) in self.keys:
                cursor.execute(sql)
            if connection.vendor == "postgresql" and connection.in_atomic_block:
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")


class _TotalsOff:
    """The statistics totals' triggers off while loading entries, then the totals computed in
    one set-based pass and the triggers back (`rapport.interactions.totals.install`)."""

    def __enter__(self) -> None:
        from django.db import connection

        from rapport.interactions import totals

        with connection.cursor() as cursor:
            for sql in totals.drop_triggers_sql(connection.vendor):
                cursor.execute(sql)

    def __exit__(self, *exc: object) -> None:
        from django.db import connection

        from rapport.interactions import totals

        with connection.cursor() as cursor:
            totals.install(cursor, connection.vendor)


def _setup(result: Generated) -> tuple[Any, Any]:
    """Salespeople, groups, templates and business relations through the services."""
    from django.db import transaction

    from rapport.accounts.models import Salesperson
    from rapport.accounts.services import create_salesperson, system_actor
    from rapport.contacts.models import BusinessRelation
    from rapport.contacts.services import create_business_relation, marketing_setup
    from rapport.interactions import services
    from rapport.interactions.models import InteractionGroup, InteractionTemplate

    actor = system_actor()
    with transaction.atomic():
        for n in range(1, SALESPEOPLE + 1):
            code = f"SP{n:02d}"
            sp = Salesperson.objects.filter(code=code).first() or create_salesperson(
                actor=actor, code=code, name=f"{FIRST_NAMES[n % 8]} {SURNAMES[n % 7]} {n}"
            )
            result.salespeople.append(sp.pk)
        for code, description in GROUPS:
            group = InteractionGroup.objects.filter(code=code).first()
            group = group or services.create_interaction_group(
                actor=actor, code=code, description=description
            )
            result.groups[code] = group.pk
        for code, group_code, description, cost, duration, flow, initiated, _share in TEMPLATES:
            template = InteractionTemplate.objects.filter(code=code).first()
            template = template or services.create_interaction_template(
                actor=actor,
                code=code,
                group=InteractionGroup.objects.get(pk=result.groups[group_code]),
                description=description,
                unit_cost=Decimal(cost),
                unit_duration=Decimal(duration),
                information_flow=flow,
                initiated_by=initiated,
                correspondence_type="",
            )
            result.templates[code] = template.pk
        relations = {}
        for code, description in (("CUST", "Customer"), ("VEND", "Vendor")):
            relations[code] = BusinessRelation.objects.filter(
                code=code
            ).first() or create_business_relation(actor=actor, code=code, description=description)
    return marketing_setup(), relations


def _contacts(
    result: Generated, count: int, batch: int, setup: Any, now: datetime.datetime
) -> None:
    from django.db import connection, transaction

    from rapport.contacts.models import Contact
    from rapport.core.models import NumberSeries
    from rapport.core.numbering import increment

    series = NumberSeries.objects.get(pk=setup.contact_nos_id)
    next_no = increment(series.last_no_used) if series.last_no_used else series.starting_no
    match = re.fullmatch(r"(\D*)(\d+)", next_no)
    if match is None:
        raise SystemExit(f"Contact Nos. {series.code}: cannot generate after {next_no!r}")
    prefix, digits = match.group(1), match.group(2)
    first_number, width = int(digits), len(digits)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Contact._meta.db_table}")
        id0 = cursor.fetchone()[0]
    result.first_contact_id = id0 + 1
    sp = result.salespeople
    # k: 1-based contact index; c: the index of its company (k itself for a company).
    c = f"(k - ((k - 1) %% {BLOCK}))"
    company = f"((k - 1) %% {BLOCK} = 0)"
    first = _case(f"(k %% {len(FIRST_NAMES)})", [_literal(n) for n in FIRST_NAMES])
    last = _case(f"((k / {len(FIRST_NAMES)}) %% {len(SURNAMES)})", [_literal(n) for n in SURNAMES])
    city_ix = f"(({c} / {BLOCK}) %% {len(CITIES)})"
    name = f"(CASE WHEN {company} THEN 'Company ' || k || ' Oy' ELSE {first} || ' ' || {last} END)"
    email = (
        f"(CASE WHEN {company} THEN 'info' || k || '@example.com' "
        f"ELSE lower({first}) || '.' || k || '@example.com' END)"
    )
    computed = {
        "id": f"{id0} + k",
        "no": f"{_literal(prefix)} || {_padded(f'({first_number} + k - 1)', width)}",
        "no_series_id": str(series.pk),
        "type": f"(CASE WHEN {company} THEN 'company' ELSE 'person' END)",
        "name": name,
        "search_name": f"upper({name})",
        "first_name": f"(CASE WHEN {company} THEN '' ELSE {first} END)",
        "surname": f"(CASE WHEN {company} THEN '' ELSE {last} END)",
        "company_id": f"{id0} + {c}",
        # BC's stored Company No. / Company Name: the company's (computed from its index c).
        "company_no": f"{_literal(prefix)} || {_padded(f'({first_number} + {c} - 1)', width)}",
        "company_name": f"'Company ' || {c} || ' Oy'",
        "address": f"'Katu ' || {c}",
        "post_code": _case(city_ix, [_literal(p) for p, _c in CITIES]),
        "city": _case(city_ix, [_literal(n) for _p, n in CITIES]),
        "country_code": _literal(setup.default_country_code or "FI"),
        "phone_no": f"'+358 40 ' || {c}",
        "email": email,
        "search_email": f"upper({email})",
        "language_id": str(setup.default_language_id) if setup.default_language_id else "NULL",
        "salesperson_id": _case(f"(({c} / {BLOCK}) %% {len(sp)})", [str(s) for s in sp]),
        "correspondence_type": _literal(setup.default_correspondence_type or ""),
    }
    if not setup.inherit_salesperson:
        computed["salesperson_id"] = _case(f"(k %% {len(sp)})", [str(s) for s in sp])
    for lo in range(1, count + 1, batch):
        hi = min(count, lo + batch - 1)
        cte, cte_params = _series(lo, hi)
        with transaction.atomic():
            _insert_select(
                Contact, computed, (cte, cte_params), ("FROM (SELECT i AS k FROM s) AS t", []), now
            )
    last_no = f"{prefix}{str(first_number + count - 1).zfill(width)}"
    NumberSeries.objects.filter(pk=series.pk).update(
        last_no_used=last_no, last_date_used=now.date()
    )
    result.contacts = count


def _business_relations(result: Generated, relations: dict[str, Any]) -> None:
    from django.db import connection, transaction

    from rapport.contacts.models import Contact, ContactBusinessRelation

    q = connection.ops.quote_name
    links = Contact._meta.db_table
    rel = ContactBusinessRelation._meta.db_table
    first, last = result.first_contact_id, result.first_contact_id + result.contacts - 1
    with transaction.atomic(), connection.cursor() as cursor:
        for code, table_value, prefix, per_mille in (
            ("CUST", "customer", "C", 400),
            ("VEND", "vendor", "V", 50),
        ):
            cursor.execute(
                f"INSERT INTO {q(rel)} (contact_id, business_relation_id, link_to_table, no) "
                f"SELECT id, %s, %s, {_literal(prefix)} || id FROM {q(links)} WHERE id BETWEEN %s AND %s "
                f"AND type = 'company' AND (id * 7919) %% 1000 < %s",
                [relations[code].pk, table_value, first, last, per_mille],
            )


def _entries(
    result: Generated, count: int, contacts: int, batch: int, now: datetime.datetime
) -> None:
    from django.db import connection, transaction

    from rapport.interactions.models import InteractionLogEntry

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {InteractionLogEntry._meta.db_table}")
        entry0 = cursor.fetchone()[0]
    n = contacts
    # A multiplier coprime to n scatters the Zipf ranks over the contact numbers.
    scatter = next(p for p in (7_368_787, 1_299_709, 104_729, 7_919, 1) if _gcd(p, n) == 1)
    bounds, acc = [], 0
    for row in TEMPLATES:
        acc += row[7]
        bounds.append(acc)
    t_case = "(CASE " + " ".join(f"WHEN x2 %% 1000 < {b} THEN {i}" for i, b in enumerate(bounds))
    t_case += f" ELSE {len(TEMPLATES) - 1} END)"
    sp = result.salespeople

    def by_template(values: list[str]) -> str:
        return _case("t", values)

    day_expr = _day(
        _clamp(f"(i - {entry0}) * {DAYS} / {max(count, 1)} + (x4 %% 61) - 30", 0, DAYS - 1)
    )
    description = by_template([_literal(r[2]) for r in TEMPLATES])
    computed = {
        "id": "i",
        "contact_id": f"{result.first_contact_id - 1} + k",
        "contact_company_id": f"{result.first_contact_id - 1} + (k - ((k - 1) %% {BLOCK}))",
        "date": day_expr,
        "time": _minutes_time("x4 %% 540"),
        "description": description,
        "subject": description,
        "information_flow": by_template([_literal(r[5]) for r in TEMPLATES]),
        "initiated_by": by_template([_literal(r[6]) for r in TEMPLATES]),
        "cost": by_template([r[3] for r in TEMPLATES]),
        "duration": by_template([r[4] for r in TEMPLATES]),
        "template_id": by_template([str(result.templates[r[0]]) for r in TEMPLATES]),
        "group_id": by_template([str(result.groups[r[1]]) for r in TEMPLATES]),
        "salesperson_id": _case(
            f"(((k - ((k - 1) %% {BLOCK})) / {BLOCK}) %% {len(sp)})", [str(s) for s in sp]
        ),
        "canceled": f"(x3 %% 1000 < {CANCELED_PER_MILLE})",
        "postponed": f"(x3 %% 1000 >= {1000 - POSTPONED_PER_MILLE})",
    }
    if _sqlite():
        computed["canceled"] = f"(CASE WHEN {computed['canceled']} THEN 1 ELSE 0 END)"
        computed["postponed"] = f"(CASE WHEN {computed['postponed']} THEN 1 ELSE 0 END)"
    # x1..x4: Lehmer steps from a hash of the entry number; rank = n * u^2 with u = x1 / MOD.
    source = (
        f"FROM (SELECT i, x2, x3, x4, 1 + ((((x1 * x1) / {MOD}) * {n} / {MOD}) * {scatter}) %% {n} AS k, "
        f"{t_case} AS t FROM (SELECT i, x1, x2, x3, (x3 * 48271) %% {MOD} AS x4 FROM "
        f"(SELECT i, x1, x2, (x2 * 48271) %% {MOD} AS x3 FROM "
        f"(SELECT i, x1, (x1 * 48271) %% {MOD} AS x2 FROM "
        f"(SELECT i, (i * 1103515245 + 12345) %% {MOD} AS x1 FROM s) a) b) c) d) e"
    )
    for lo in range(entry0 + 1, entry0 + count + 1, batch):
        hi = min(entry0 + count, lo + batch - 1)
        cte, cte_params = _series(lo, hi)
        with transaction.atomic():
            _insert_select(InteractionLogEntry, computed, (cte, cte_params), (source, []), now)
        done = hi - entry0
        if count >= 1_000_000 and (done // batch) % 10 == 0:
            print(f"  {done:,} entries", flush=True)
    result.entries = count


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


def generate(
    *, contacts: int = 1_000_000, entries: int = 10_000_000, batch: int = 200_000
) -> Generated:
    """Fill the connected, migrated database; returns ids and timings (seconds per step)."""
    from django.core.management.color import no_style
    from django.db import connection
    from django.utils import timezone

    from rapport.contacts.models import Contact
    from rapport.interactions.models import InteractionLogEntry

    if contacts < BLOCK:
        raise ValueError(f"contacts: at least {BLOCK}")
    result = Generated()
    now = timezone.now()
    started = time.perf_counter()
    setup, relations = _setup(result)
    tuned = _sqlite() and not connection.in_atomic_block  # (tests run inside a transaction)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '1GB'")  # index builds sort in memory
    if tuned:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous = OFF")
            cursor.execute("PRAGMA cache_size = -1000000")  # 1 GB: index builds sort in memory
    step = time.perf_counter()
    with _IndexesOff(Contact):
        _contacts(result, contacts, batch, setup, now)
    _business_relations(result, relations)
    result.seconds["contacts"] = time.perf_counter() - step
    step = time.perf_counter()
    with _IndexesOff(InteractionLogEntry), _TotalsOff():
        load = time.perf_counter()
        _entries(result, entries, contacts, batch, now)
        result.seconds["entries insert"] = time.perf_counter() - load
        index = time.perf_counter()
    result.seconds["entries indexes"] = time.perf_counter() - index
    result.seconds["entries"] = time.perf_counter() - step
    step = time.perf_counter()
    with connection.cursor() as cursor:
        # PostgreSQL: the identity sequences continue after the ids written explicitly.
        for sql in connection.ops.sequence_reset_sql(no_style(), [Contact, InteractionLogEntry]):
            cursor.execute(sql)
        cursor.execute("ANALYZE")
        if tuned:
            cursor.execute("PRAGMA synchronous = FULL")
    result.seconds["analyze"] = time.perf_counter() - step
    result.seconds["total"] = time.perf_counter() - started
    return result


def setup_django(db_path: str) -> None:
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    os.environ.setdefault("RAPPORT_VAR_DIR", str(Path(db_path).parent / "var"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--batch", type=int, default=200_000)
    parser.add_argument(
        "--db", default=DEFAULT_DB, help="SQLite file (replaced); default %(default)s"
    )
    args = parser.parse_args()
    if "DATABASE_URL" not in os.environ:
        path = Path(args.db)
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            stale.unlink(missing_ok=True)
    setup_django(args.db)
    from django.db import connection

    result = generate(contacts=args.contacts, entries=args.entries, batch=args.batch)
    target = args.db if connection.vendor == "sqlite" else "PostgreSQL"
    s = result.seconds
    print(f"{connection.vendor}: {target}")
    print(
        f"contacts: {result.contacts:,} in {s['contacts']:.1f}s "
        f"({result.contacts / s['contacts']:,.0f} rows/s, indexes and business relations included)"
    )
    print(
        f"entries:  {result.entries:,} in {s['entries']:.1f}s ({result.entries / s['entries']:,.0f} rows/s;"
        f" insert {s['entries insert']:.1f}s, indexes {s['entries indexes']:.1f}s)"
    )
    print(f"analyze: {s['analyze']:.1f}s; total {s['total']:.1f}s")


if __name__ == "__main__":
    main()
