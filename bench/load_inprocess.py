"""CPU time and queries per request of each load-test kind, in process (no HTTP, no other load).

    DATABASE_URL=postgres://... .venv/bin/python bench/load_inprocess.py --plan plan.json
    ... --profile "api contact list"     # and print where that kind's time goes (cProfile)

Runs every kind of the plan bench/load_seed.py wrote through Django's test client (the whole
middleware stack, production settings) --repeat times and prints the process CPU time per
request (other processes on the machine do not change it much), the wall time per request
(which adds the database server's time, and does depend on the machine's load) and the number
of queries. The quickest way to see what a fix to the request path gains.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plan", required=True)
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--profile", default="", help="a kind to profile")
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    plan = json.loads(Path(args.plan).read_text())

    def send(client: Client, request: dict[str, Any]) -> int:
        headers = dict(request["headers"])
        cookie = headers.pop("Cookie", "")
        client.cookies.clear()
        if cookie:
            client.cookies["sessionid"] = cookie.split("=", 1)[1]
        extra = (
            {"HTTP_AUTHORIZATION": headers["Authorization"]} if "Authorization" in headers else {}
        )
        if request["method"] == "POST":
            response = client.post(
                request["path"], request["body"], content_type="application/json", **extra
            )
        else:
            response = client.get(request["path"], **extra)
        return response.status_code

    client = Client()
    print(f"{'kind':<26} {'CPU ms/request':>15} {'wall ms':>8} {'queries':>8}")
    for name, kind in plan["kinds"].items():
        if args.profile and name != args.profile:
            continue
        requests = kind["requests"]
        for request in requests[:5]:
            send(client, request)  # warm
        with CaptureQueriesContext(connection) as ctx:
            send(client, requests[0])
        queries = len(ctx.captured_queries)
        profile = cProfile.Profile() if args.profile else None
        start = time.process_time()
        wall = time.perf_counter()
        if profile:
            profile.enable()
        for i in range(args.repeat):
            status = send(client, requests[i % len(requests)])
            if status >= 400:
                raise SystemExit(f"{name}: {status}")
        if profile:
            profile.disable()
        cpu = (time.process_time() - start) / args.repeat * 1000
        elapsed = (time.perf_counter() - wall) / args.repeat * 1000
        reset_queries()
        print(f"{name:<26} {cpu:>15.2f} {elapsed:>8.2f} {queries:>8}")
        if profile:
            stats = pstats.Stats(profile)
            stats.strip_dirs().sort_stats("cumulative").print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
