"""The load test's raw baseline: a minimal WSGI app served by the same gunicorn.

`/hello` answers a small JSON body (the HTTP stack alone); `/contacts?page=N` runs the SQL of
one API contact-list page (the count and 50 rows in its default order, by the company columns
stored on the contact and the list's index, with their salesperson and language) through
psycopg on one connection per process and answers it as JSON. Rapport's figure over this one
is what Django, the API layer and the middleware cost.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

import psycopg

_conn: psycopg.Connection[Any] | None = None

COUNT = "SELECT COUNT(*) FROM contacts_contact"
PAGE = """
SELECT c.id, c.no, c.type, c.name, c.name_2, c.address, c.city, c.post_code, c.country_code,
       c.phone_no, c.email, c.correspondence_type, c.modified_at, c.company_no, c.company_name,
       s.code, s.name, l.code
FROM contacts_contact c
LEFT JOIN accounts_salesperson s ON s.id = c.salesperson_id
LEFT JOIN core_language l ON l.id = c.language_id
ORDER BY c.company_name, c.company_no, c.type, c.name, c.id
LIMIT 50 OFFSET %s
"""


def connection() -> psycopg.Connection[Any]:
    global _conn
    if _conn is None or _conn.closed:
        _conn = psycopg.connect(os.environ["BASELINE_DSN"], autocommit=True)
    return _conn


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "")
    if path == "/hello":
        body = b'{"ok": true}'
    elif path == "/contacts":
        page = int(parse_qs(environ.get("QUERY_STRING", "")).get("page", ["1"])[0])
        with connection().cursor() as cursor:
            cursor.execute(COUNT)
            count = cursor.fetchone()[0]  # type: ignore[index]
            cursor.execute(PAGE, [(page - 1) * 50])
            rows = cursor.fetchall()
        body = json.dumps({"count": count, "items": rows}, default=str).encode()
    else:
        start_response("404 Not Found", [("Content-Length", "0")])
        return [b""]
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
