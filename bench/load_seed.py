"""Seed the load test's database and write the request plan (run by bench/load.py).

Setup rows (salespeople, templates, users, tokens) go through the services; the bulk of the
data (contacts and log entries) is inserted set-based, as bench/interactions.py does: a
hundred thousand single-row service calls would measure the seeding, not the served app.
Entries are skewed: a few companies hold thousands of entries, most a handful.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

USERS = ("load1", "load2", "load3", "load4")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()


def seed(contacts: int, entries: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import F

    from rapport.accounts.models import Salesperson
    from rapport.accounts.services import create_api_token, create_user, system_actor
    from rapport.contacts.models import Contact
    from rapport.interactions.models import InteractionLogEntry, InteractionTemplate

    call_command("migrate", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    actor = system_actor()
    salespeople = list(Salesperson.objects.order_by("code"))
    templates = list(
        InteractionTemplate.objects.filter(correspondence_type="", languages__isnull=True)
        .exclude(group_id__isnull=True)
        .order_by("code")
    ) or list(InteractionTemplate.objects.order_by("code"))
    rng = random.Random(14)
    companies_n = max(1, contacts // 5)
    with transaction.atomic():
        companies = Contact.objects.bulk_create(
            Contact(
                no=f"L{i:07d}",
                type="company",
                name=f"Load Company {i} Oy",
                search_name=f"LOAD COMPANY {i} OY",
                company_no=f"L{i:07d}",
                company_name=f"Load Company {i} Oy",
                city=rng.choice(["HELSINKI", "ESPOO", "TAMPERE", "OSLO", "BERGEN"]),
                post_code=f"{rng.randrange(100, 999)}00",
                salesperson_id=rng.choice(salespeople).pk,
                email=f"info@company{i}.example",
            )
            for i in range(companies_n)
        )
        Contact.objects.filter(no__startswith="L", company__isnull=True).update(company_id=F("pk"))
        persons = Contact.objects.bulk_create(
            (
                Contact(
                    no=f"LP{i:07d}",
                    type="person",
                    name=f"Person {i}",
                    search_name=f"PERSON {i}",
                    first_name="Person",
                    surname=str(i),
                    company_id=companies[i % companies_n].pk,
                    company_no=companies[i % companies_n].no,
                    company_name=companies[i % companies_n].name,
                    salesperson_id=rng.choice(salespeople).pk,
                )
                for i in range(contacts - companies_n)
            ),
            batch_size=5000,
        )
    by_company: dict[int, list[int]] = {}
    for p in persons:
        by_company.setdefault(p.company_id, []).append(p.pk)  # type: ignore[arg-type]
    # Skew: company k gets weight 1/(k+1) (Zipf), so the first few hold thousands of entries.
    weights = [1 / (k + 1) for k in range(companies_n)]
    picks = rng.choices(range(companies_n), weights=weights, k=entries)
    start_day = date(2024, 1, 1)
    batch: list[InteractionLogEntry] = []
    with transaction.atomic():
        for k in picks:
            company = companies[k]
            people = by_company.get(company.pk, [])
            contact_id = rng.choice(people) if people and rng.random() < 0.6 else company.pk
            template = templates[rng.randrange(len(templates))]
            batch.append(
                InteractionLogEntry(
                    contact_id=contact_id,
                    contact_company_id=company.pk,
                    date=start_day + timedelta(days=rng.randrange(700)),
                    description=template.description or "Load",
                    cost=Decimal(rng.randrange(100)),
                    duration=Decimal(rng.randrange(60)),
                    template_id=template.pk,
                    group_id=template.group_id,
                    salesperson_id=rng.choice(salespeople).pk,
                    canceled=rng.random() < 0.03,
                    information_flow=template.information_flow,
                    initiated_by=template.initiated_by,
                )
            )
            if len(batch) == 10_000:
                InteractionLogEntry.objects.bulk_create(batch)
                batch = []
        InteractionLogEntry.objects.bulk_create(batch)

    tokens = []
    sessions = []
    for i, username in enumerate(USERS):
        user = create_user(
            actor=actor,
            username=username,
            roles=["sales"],
            salesperson=None,
            language="" if i % 2 == 0 else "fi",
        )
        _, raw = create_api_token(actor=user, user=user, name="load")
        tokens.append(raw)
        sessions.append(_session_for(user))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    hot = [c.no for c in companies[:5]]  # the companies with thousands of entries
    sample = [c.no for c in rng.sample(companies, min(300, len(companies)))]
    sample += [p.no for p in rng.sample(persons, min(300, len(persons)))]
    return {
        "tokens": tokens,
        "sessions": sessions,
        "contacts": sample,
        "hot_contacts": hot,
        "companies": [c.no for c in rng.sample(companies, min(300, len(companies)))],
        "salespeople": [s.code for s in salespeople],
        "templates": [t.code for t in templates],
        "counts": {
            "contacts": Contact.objects.count(),
            "entries": InteractionLogEntry.objects.count(),
        },
    }


def _session_for(user: Any) -> str:
    """A signed-in session for `user`, as the login view would leave it (its key)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return str(store.session_key)


def plan(data: dict[str, Any], write_share: float) -> dict[str, Any]:
    """The requests the client sends: per kind, a weight and a list of requests to pick from.

    Reads go through the API (token) and the pages (session), writes create interactions
    through the API.
    """
    rng = random.Random(15)
    tokens, sessions = data["tokens"], data["sessions"]

    def api(path: str) -> dict[str, Any]:
        token = rng.choice(tokens)
        return {"method": "GET", "path": path, "headers": {"Authorization": f"Bearer {token}"}}

    def page(path: str) -> dict[str, Any]:
        return {
            "method": "GET",
            "path": path,
            "headers": {"Cookie": f"sessionid={rng.choice(sessions)}"},
        }

    contacts = data["contacts"]
    everyone = contacts + data["hot_contacts"]
    reads: dict[str, list[dict[str, Any]]] = {
        "api contact list": [
            api(f"/api/v1/contacts?page={rng.randrange(1, 40)}") for _ in range(200)
        ],
        "page contact list": [page(f"/contacts/?page={rng.randrange(1, 40)}") for _ in range(200)],
        "page contact card": [page(f"/contacts/{rng.choice(contacts)}/") for _ in range(200)],
        "api log, filtered": [
            api(
                f"/api/v1/interaction-log-entries?salesperson={rng.choice(data['salespeople'])}"
                f"&template={rng.choice(data['templates'])}&date_from=2024-0{rng.randrange(1, 9)}-01"
            )
            for _ in range(200)
        ],
        "api contact's entries": [
            api(f"/api/v1/contacts/{rng.choice(everyone)}/interaction-log-entries")
            for _ in range(200)
        ],
        "api contact statistics": [
            api(f"/api/v1/contacts/{rng.choice(everyone)}/statistics") for _ in range(200)
        ],
    }
    writes = []
    for _ in range(200):
        body = {
            "contact_no": rng.choice(data["companies"]),
            "template_code": rng.choice(data["templates"]),
            "salesperson_code": rng.choice(data["salespeople"]),
            "description": "Load test call",
        }
        request = api("/api/v1/interactions")
        request.update(
            method="POST",
            body=json.dumps(body),
        )
        request["headers"]["Content-Type"] = "application/json"
        writes.append(request)
    read_weight = (1 - write_share) / len(reads)
    kinds = {
        name: {"weight": read_weight, "write": False, "requests": reqs}
        for name, reqs in reads.items()
    }
    if write_share > 0:
        kinds["api create interaction"] = {"weight": write_share, "write": True, "requests": writes}
    return {"kinds": kinds}


def query_counts(plan_data: dict[str, Any]) -> dict[str, int]:
    """Queries one request of each kind runs (Django's test client, in process)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    client = Client()
    for name, kind in plan_data["kinds"].items():
        request = kind["requests"][0]
        headers = dict(request["headers"])
        cookie = headers.pop("Cookie", "")
        if cookie:
            client.cookies["sessionid"] = cookie.split("=", 1)[1]
        extra = (
            {"HTTP_AUTHORIZATION": headers["Authorization"]} if "Authorization" in headers else {}
        )
        # Warm once (first-use work such as the permission cache is per request anyway).
        with CaptureQueriesContext(connection) as ctx:
            if request["method"] == "POST":
                response = client.post(
                    request["path"], request["body"], content_type="application/json", **extra
                )
            else:
                response = client.get(request["path"], **extra)
        if response.status_code >= 400:
            raise SystemExit(f"{name}: {response.status_code} {response.content[:300]!r}")
        counts[name] = len(ctx.captured_queries)
        client.cookies.clear()
    return counts


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--write-share", type=float, default=0.1)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    setup_django()
    t0 = time.perf_counter()
    data = seed(args.contacts, args.entries)
    plan_data = plan(data, args.write_share)
    plan_data["counts"] = data["counts"]
    plan_data["seconds"] = round(time.perf_counter() - t0, 1)
    plan_data["queries"] = query_counts(plan_data)
    from django.conf import settings

    plan_data["secret_key"] = settings.SECRET_KEY  # the sessions are signed with it
    Path(args.out).write_text(json.dumps(plan_data))


if __name__ == "__main__":
    main()
