"""Hostile input (issue 14.3): what shows each item, here or elsewhere.

Oversize uploads (a configured limit, RAPPORT_MAX_UPLOAD_BYTES, and a clear error naming the field)
- a body over RAPPORT_MAX_REQUEST_BYTES is refused unread, page and API:
  core/tests/test_request_limits.py
- attachments: interactions/tests/test_log_services.py
  test_oversize_uploads_are_refused_and_nothing_is_stored; on the Create Interaction page:
  interactions/tests/test_upload_limits.py; a segment language's file:
  segments/tests/test_upload_limits.py; template files on the page:
  interactions/tests/test_setup_views.py test_an_oversize_upload_is_refused_with_a_message_...;
  API multipart and base64: here test_oversize_uploads_in_the_api_are_a_422_naming_the_file_field,
  interactions/tests/test_api.py test_a_file_over_the_upload_limit_is_a_422
- contact imports: contacts/tests/test_import_export.py test_an_oversize_file_is_refused,
  test_an_oversize_upload_on_the_page_is_refused
- document events (PDF on the page and in the API, CSV import): documents/tests/test_upload_limits.py
- mailbox messages: mailbox/tests/test_mailbox.py test_an_oversize_message_is_refused_...
File names (path traversal, absolute paths, NUL/CR/LF, RTL override, very long names)
- never reach the file system: interactions/tests/test_log_services.py
  test_hostile_file_names_never_reach_the_file_system
- stored harmless, downloaded with a safe Content-Disposition (RFC 5987 filename*):
  here test_hostile_file_names_are_stored_harmless_and_downloaded_safely,
  test_a_name_beyond_ascii_is_sent_as_rfc_5987_filename_star
- a name that is not UTF-8: contacts/tests/test_import_limits.py
  test_a_file_name_that_is_not_utf8_is_an_error_not_a_missing_file
Downloads never serve uploaded HTML/SVG/XML/JS inline or with an active type
- every download view goes through interactions.views.common.download_response: here
  test_uploaded_active_content_is_only_ever_downloaded_as_plain_bytes (page and API attachment
  and entry document); interactions/tests/test_api.py
  test_html_and_svg_attachments_download_and_are_never_rendered; previews in a sandboxed frame:
  interactions/tests/test_delivery_pages.py, segments/tests/test_delivery_pages.py
Template injection in Word/HTML merge templates
- interactions/tests/test_merge_engine.py test_a_hostile_template_is_refused_at_upload_and_at_
  render (33 forms, both kinds), test_zip_bombs_and_junk_are_refused_before_parsing,
  test_a_deeply_nested_template_is_refused_not_crashed, test_output_over_the_budget_is_refused_
  at_render, test_a_script_in_a_value_comes_out_escaped_in_html; on the page:
  interactions/tests/test_delivery_pages.py test_a_hostile_or_broken_template_upload_shows_...
Script in every text field rendered escaped (Chromium)
- tests/browser/test_hostile_text_journey.py (lists, cards, the log, statistics, search, API docs)
CSV/XLSX formula injection on every export
- here test_every_export_neutralises_formulas_in_every_cell (contacts page and API, segment
  export; CSV and XLSX); contacts/tests/test_import_export.py test_formula_injection_is_escaped_...
Malformed CSV/XLSX imports (clear errors, nothing written; a zip bomb refused)
- here test_a_malformed_import_file_is_refused_clearly_and_writes_nothing (bad encoding, NUL,
  binary, non-zip and broken .xlsx, a zip bomb, empty; contact page and API, document page),
  test_ragged_rows_and_unknown_columns_are_errors_by_line_and_nothing_is_written;
  contacts/tests/test_import_export.py test_garbage_files_are_refused_with_a_clear_error,
  test_a_dry_run_writes_nothing_and_reports_errors_by_spreadsheet_row;
  contacts/tests/test_import_limits.py (cell, time and unpacked-size budgets)
Over-long fields, invalid enum values, dates out of range
- API, every JSON body of the OpenAPI document: here
  test_every_api_body_refuses_hostile_values_with_a_422_naming_the_field; query parameters and
  64-bit integers: core/tests/test_api_conventions.py; fuzzing: core/tests/test_fuzz.py
- HTML forms: here test_html_forms_answer_hostile_values_with_field_errors_never_a_500;
  core/tests/test_validation_pages.py
CSRF on every form
- here test_every_page_route_refuses_a_post_without_the_csrf_token,
  test_the_api_refuses_a_session_post_without_the_csrf_token
Production mode: secure cookies, CSP and security headers
- here test_production_* (cookies, HTTPS redirect, headers on a page, an API response and a
  download); core/tests/test_deploy_settings.py (manage.py check --deploy is clean)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client

from rapport.conftest import PASSWORD
from rapport.core.tests.test_deploy_settings import SECURE_ENV
from rapport.interactions import services as interactions
from rapport.interactions.attachments import Upload

pytestmark = pytest.mark.django_db


def _template(alice: Any, code: str = "HOSTILE") -> Any:
    group = interactions.create_interaction_group(actor=alice, code="G" + code[:8], description="G")
    return interactions.create_interaction_template(
        actor=alice,
        code=code,
        group=group,
        description="Hostile",
        information_flow="outbound",
        initiated_by="us",
        correspondence_type="",
    )


def _template_attachment(alice: Any, name: str, content: bytes, content_type: str) -> Any:
    """An attachment uploaded on a template language (as a marketing user would)."""
    template = _template(alice)
    row = interactions.save_template_language(
        actor=alice,
        template=template,
        language=None,
        upload=Upload(content=content, name=name, content_type=content_type),
    )
    return row.attachment


# --- production mode: cookies and security headers --------------------------------------------

PRODUCTION_SETTINGS = (
    "DEBUG",
    "ALLOWED_HOSTS",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
    "RAPPORT_PERMISSIONS_POLICY",
)


@pytest.fixture(scope="module")
def production_values() -> dict[str, Any]:
    """The settings that the deploy environment of test_deploy_settings.py gives, read in a
    separate process (settings.py is evaluated once per process)."""
    code = (
        "import json; from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {PRODUCTION_SETTINGS!r}}}))"
    )
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=django_settings.BASE_DIR,
        env={**os.environ, **SECURE_ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    values: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return values


@pytest.fixture
def production(settings: Any, production_values: dict[str, Any]) -> Any:
    for name, value in production_values.items():
        if name == "SECURE_PROXY_SSL_HEADER" and value:
            value = tuple(value)
        setattr(settings, name, value)
    return settings


HTTPS = {"secure": True, "HTTP_HOST": "crm.example.com", "HTTP_X_FORWARDED_PROTO": "https"}


def _assert_security_headers(response: Any, *, page: bool) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "geolocation=()" in headers["Permissions-Policy"]
    assert headers["Strict-Transport-Security"] == ("max-age=31536000; includeSubDomains; preload")
    csp = headers["Content-Security-Policy"]
    directives = dict(
        [*part.strip().split(" ", 1), ""][:2] for part in csp.split(";") if part.strip()
    )
    assert "'unsafe-inline'" not in directives.get("script-src", "")
    assert "'unsafe-eval'" not in csp
    if page:
        assert headers["X-Frame-Options"] == "DENY"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["script-src"] == "'self'"
        assert directives["object-src"] == "'none'"
    else:
        # A download is sandboxed and may load nothing at all.
        assert directives.get("default-src") == "'none'" and "sandbox" in directives


def _cookie(client: Client, name: str) -> Any:
    morsel = client.cookies[name]
    return morsel


def test_production_cookies_are_secure_http_only_and_same_site(production, alice) -> None:
    client = Client()
    login = client.get("/accounts/login/", **HTTPS)
    assert login.status_code == 200
    csrf = _cookie(client, "csrftoken")
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    signed_in = client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
        **HTTPS,
    )
    assert signed_in.status_code == 302
    session = _cookie(client, "sessionid")
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_production_redirects_plain_http_to_https(production) -> None:
    response = Client().get("/accounts/login/", HTTP_HOST="crm.example.com")
    assert response.status_code == 301
    assert response["Location"].startswith("https://crm.example.com/")


def test_production_pages_carry_every_security_header(production, alice) -> None:
    client = Client()
    client.force_login(alice)
    for url in ("/accounts/login/", "/contacts/"):
        response = client.get(url, **HTTPS)
        assert response.status_code in {200, 302}, url
        _assert_security_headers(response, page=True)


def test_production_api_responses_carry_every_security_header(production, alice) -> None:
    client = Client()
    client.force_login(alice)
    for url in ("/api/v1/contacts", "/api/v1/contacts/NOPE"):
        response = client.get(url, **HTTPS)
        assert response.status_code in {200, 404}
        _assert_security_headers(response, page=True)


def test_production_downloads_carry_every_security_header(production, alice) -> None:
    client = Client()
    client.force_login(alice)
    attachment = _template_attachment(alice, "evil.html", b"<script>alert(1)</script>", "text/html")
    for url in (
        f"/interactions/attachments/{attachment.pk}/",
        f"/api/v1/attachments/{attachment.pk}",
    ):
        response = client.get(url, **HTTPS)
        assert response.status_code == 200, url
        _assert_security_headers(response, page=False)
        assert response["Content-Disposition"].startswith("attachment")


# --- file names and downloads -------------------------------------------------------------------

HOSTILE_NAMES = [
    ("../../etc/passwd", "passwd"),
    ("/etc/passwd", "passwd"),
    ("C:\\Windows\\system32\\drivers\\etc\\hosts.txt", "hosts.txt"),
    ("report\x00.exe.txt", "report.exe.txt"),
    ('bad\r\nSet-Cookie: owned=1;"x.txt', 'badSet-Cookie: owned=1;"x.txt'),
    ("invoice\u202etxt.exe", "invoicetxt.exe"),
    ("..", "attachment"),
    ("x" * 1000 + ".txt", "x" * 196 + ".txt"),
]


def _entry_with_upload(alice: Any, name: str, content: bytes, content_type: str) -> Any:
    from rapport.accounts.services import create_salesperson
    from rapport.contacts.services import create_contact

    salesperson = create_salesperson(actor=alice, code="AH", name="Aino Heikkinen")
    contact = create_contact(actor=alice, name="Kesko Oyj", salesperson=salesperson)
    template = _template(alice, "UPLOAD")
    return interactions.create_interaction(
        actor=alice,
        data=interactions.InteractionInput(
            contact=contact,
            template=template,
            upload=Upload(content=content, name=name, content_type=content_type),
        ),
    )


def _download_urls(entry: Any) -> list[str]:
    return [
        f"/interactions/attachments/{entry.attachment_id}/",
        f"/interactions/entries/{entry.pk}/document/",
        f"/api/v1/attachments/{entry.attachment_id}",
        f"/api/v1/interaction-log-entries/{entry.pk}/document",
    ]


@pytest.mark.parametrize(("sent", "stored"), HOSTILE_NAMES)
def test_hostile_file_names_are_stored_harmless_and_downloaded_safely(
    alice, client_for, sent: str, stored: str
) -> None:
    entry = _entry_with_upload(alice, sent, b"hello", "text/plain")
    entry.attachment.refresh_from_db()
    assert entry.attachment.file_name == stored
    client = client_for(alice)
    for url in _download_urls(entry):
        response = client.get(url)
        assert response.status_code == 200, url
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;"), url
        # (a backslash may appear only quoting a double quote in the quoted file name)
        assert not any(ch in disposition for ch in "\r\n\x00\u202e/"), url
        assert "\\" not in disposition.replace('\\"', ""), url
        assert "owned" not in response.cookies
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response.content == b"hello"


def test_a_name_beyond_ascii_is_sent_as_rfc_5987_filename_star(alice, client_for) -> None:
    entry = _entry_with_upload(alice, "tarjous ääkköset.txt", b"hei", "text/plain")
    for url in _download_urls(entry):
        disposition = client_for(alice).get(url)["Content-Disposition"]
        assert "filename*=utf-8''tarjous%20%C3%A4%C3%A4kk%C3%B6set.txt" in disposition, url


ACTIVE_UPLOADS = [
    ("page.html", "text/html", b"<script>window.__pwned=1</script>"),
    ("page.htm", "text/plain", b"<script>window.__pwned=1</script>"),
    ("image.svg", "image/svg+xml", b"<svg onload='window.__pwned=1'/>"),
    ("data.xml", "application/xml", b"<x:script xmlns:x='http://www.w3.org/1999/xhtml'/>"),
    ("code.js", "text/javascript", b"window.__pwned=1"),
    ("code.mjs", "application/octet-stream", b"window.__pwned=1"),
    ("lying.txt", "text/html", b"<script>window.__pwned=1</script>"),
    ("page.xhtml", "application/xhtml+xml", b"<html/>"),
    ("feed.rss", "application/rss+xml", b"<rss/>"),
]


@pytest.mark.parametrize(("name", "content_type", "content"), ACTIVE_UPLOADS)
def test_uploaded_active_content_is_only_ever_downloaded_as_plain_bytes(
    alice, client_for, name: str, content_type: str, content: bytes
) -> None:
    entry = _entry_with_upload(alice, name, content, content_type)
    client = client_for(alice)
    for url in _download_urls(entry):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/octet-stream", url
        assert response["Content-Disposition"].startswith("attachment;"), url
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response["Content-Security-Policy"]


# --- CSRF on every form ---------------------------------------------------------------------------


def _html_routes() -> list[str]:
    """Every page route (not the API, which has its own test below), with sample path values."""
    from django.urls import URLPattern, URLResolver, get_resolver

    samples = {"int": "1", "str": "X", "slug": "x", "path": "1", "uuid": "0" * 32}
    found: list[str] = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if route.startswith(("api/", "static/", "^")) or "(?P" in route:
                    continue
                for converter, value in samples.items():
                    while f"<{converter}:" in route:
                        start = route.index(f"<{converter}:")
                        route = route[:start] + value + route[route.index(">", start) + 1 :]
                found.append("/" + route)

    walk(get_resolver(), "")
    return sorted(set(found))


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_every_page_route_refuses_a_post_without_the_csrf_token(alice) -> None:
    routes = _html_routes()
    assert len(routes) > 100 and "/contacts/new/" in routes and "/accounts/login/" in routes
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = _row_counts()
    accepted = {}
    for route in routes:
        response = client.post(route, {"code": "EVIL", "name": "Evil", "description": "Evil"})
        if response.status_code != 403:
            accepted[route] = response.status_code
    assert accepted == {}
    after = _row_counts()
    # Signing in again may write a session row; nothing else changes.
    assert {k: v for k, v in after.items() if k != "sessions.Session"} == {
        k: v for k, v in before.items() if k != "sessions.Session"
    }


def test_the_api_refuses_a_session_post_without_the_csrf_token(alice) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = _row_counts()
    response = client.post(
        "/api/v1/contacts", json.dumps({"name": "Evil"}), content_type="application/json"
    )
    assert response.status_code in {401, 403}
    assert response.json()["code"]
    assert _row_counts() == before


# --- the API: over-long text, invalid choices, dates out of range --------------------------------


def _openapi() -> dict[str, Any]:
    from rapport.api import api

    return dict(api.get_openapi_schema(path_prefix="/api/v1"))


def _resolve(schema: dict[str, Any], doc: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _resolve(schema["allOf"][0], doc)
    return schema


def _variants(schema: dict[str, Any], doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The non-null alternatives of a property's schema."""
    schema = _resolve(schema, doc)
    options = schema.get("anyOf") or schema.get("oneOf") or [schema]
    return [_resolve(o, doc) for o in options if _resolve(o, doc).get("type") != "null"]


def _valid_value(schema: dict[str, Any], doc: dict[str, Any]) -> Any:
    variants = _variants(schema, doc)
    if not variants:
        return None
    first = variants[0]
    if "enum" in first:
        return first["enum"][0]
    kind = first.get("type")
    if kind == "string":
        return {"date": "2026-01-15", "time": "10:00:00", "date-time": "2026-01-15T10:00:00"}.get(
            first.get("format", ""), "A"
        )
    if kind in {"integer", "number"}:
        return max(1, first.get("minimum", 1))
    if kind == "boolean":
        return False
    if kind == "array":
        items = first.get("items", {})
        return [_valid_value(items, doc)] if first.get("minItems") else []
    if kind == "object":
        return {}
    return "A"


def _body_operations() -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(method, url, base payload, properties) of every operation with a JSON body."""
    doc = _openapi()
    operations = []
    for path, methods in doc["paths"].items():
        for method, operation in methods.items():
            content = operation.get("requestBody", {}).get("content", {})
            if method not in {"post", "put", "patch"} or "application/json" not in content:
                continue
            body = _resolve(content["application/json"]["schema"], doc)
            properties = {k: _resolve(v, doc) for k, v in body.get("properties", {}).items()}
            base = {name: _valid_value(properties[name], doc) for name in body.get("required", [])}
            url = path
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    kind = parameter.get("schema", {}).get("type")
                    url = url.replace(
                        "{" + parameter["name"] + "}", "1" if kind == "integer" else "X"
                    )
            operations.append((method, url, base, {**properties, "__doc__": doc}))
    return operations


def _hostile_cases(kind: str) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, url, payload, field) for every string with a maxLength ("too_long"), every
    choice ("enum") or every date ("date") of every JSON body."""
    cases = []
    for method, url, base, properties in _body_operations():
        doc = properties.pop("__doc__")
        for name, schema in properties.items():
            for variant in _variants(schema, doc):
                if kind == "too_long" and variant.get("maxLength"):
                    bad: list[Any] = ["x" * (variant["maxLength"] + 1)]
                elif kind == "enum" and "enum" in variant:
                    bad = ["nope"]
                elif kind == "date" and variant.get("format") == "date":
                    bad = [
                        "0000-01-01",
                        "10000-01-01",
                        "2026-13-45",
                        "1-13-45",
                        10**30,
                        "1752-12-31",
                    ]
                else:
                    continue
                for value in bad:
                    cases.append((method, url, {**base, name: value}, name))
                break
    return cases


def _api_refusals(client: Client, kind: str) -> tuple[int, list[str]]:
    cases = _hostile_cases(kind)
    wrong = []
    for method, url, payload, field in cases:
        response = getattr(client, method)(url, json.dumps(payload), "application/json")
        body = response.json() if "json" in response.get("Content-Type", "") else {}
        named = body.get("field") or ""
        if response.status_code != 422 or not (named == field or named.startswith(field + ".")):
            wrong.append(
                f"{method.upper()} {url} {field}={str(payload[field])[:12]!r}: "
                f"{response.status_code} {named!r} {body.get('message', '')[:80]}"
            )
    return len(cases), wrong


@pytest.mark.parametrize("kind", ["too_long", "enum", "date"])
def test_every_api_body_refuses_hostile_values_with_a_422_naming_the_field(
    alice, client_for, kind: str
) -> None:
    count, wrong = _api_refusals(client_for(alice), kind)
    assert count > {"too_long": 50, "enum": 10, "date": 5}[kind]
    assert wrong == [], "\n".join(wrong)


# --- formula injection: every export ---------------------------------------------------------------

FORMULAS = ['=HYPERLINK("http://evil.example","x")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _formula_contact(alice: Any) -> Any:
    """A contact with a formula in every text field the service accepts one in."""
    from django.core.exceptions import ValidationError

    from rapport.contacts.models import Contact
    from rapport.contacts.services import CONTACT_FIELDS, create_contact, update_contact

    contact = create_contact(actor=alice, name=FORMULAS[0])
    taken = 0
    for index, name in enumerate(CONTACT_FIELDS):
        field = Contact._meta.get_field(name)
        if field.get_internal_type() not in {"CharField", "TextField", "EmailField"}:
            continue
        value = FORMULAS[index % len(FORMULAS)]
        if field.get_internal_type() == "EmailField":
            value = "=cmd@example.com"
        value = value[: field.max_length or None]
        try:
            contact = update_contact(actor=alice, contact=contact, **{name: value})
            taken += 1
        except ValidationError:
            continue
    assert taken >= 10
    return contact


def _export_cells(response: Any, export_format: str) -> list[str]:
    import csv
    import io

    import openpyxl

    body = b"".join(response.streaming_content) if response.streaming else response.content
    if export_format == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    return [cell for row in rows[1:] for cell in row if isinstance(cell, str)]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_every_export_neutralises_formulas_in_every_cell(
    alice, client_for, export_format: str
) -> None:
    from rapport.segments import services as segments

    contact = _formula_contact(alice)
    segment = segments.create_segment(actor=alice, description="Export")
    segments.add_segment_line(actor=alice, segment=segment, contact=contact)
    client = client_for(alice)
    exports = [
        f"/contacts/export/?format={export_format}",
        f"/api/v1/contacts/export?format={export_format}",
        f"/segments/{segment.no}/export/?format={export_format}",
    ]
    for url in exports:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment"), url
        cells = _export_cells(response, export_format)
        formulas = [cell for cell in cells if cell.lstrip("'").startswith(FORMULA_STARTS)]
        assert len(formulas) >= 10, url
        assert [c for c in cells if c.startswith(FORMULA_STARTS)] == [], url
        assert all(c.startswith("'") for c in formulas), url


# --- malformed imports ------------------------------------------------------------------------------


def _zip_bomb_workbook() -> bytes:
    """A small .xlsx whose sheet unpacks to far more than the import's limit allows."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<sheetData>" + b" " * 8_000_000)
    return buffer.getvalue()


MALFORMED_FILES = [
    ("latin1.csv", "name,city\nJärvinen,Hämeenlinna\n".encode("latin-1") + b"\xff\xfe\x81"),
    ("nul.csv", b"name\x00,city\n\x00\x00\x00\n"),
    ("binary.csv", bytes(range(256)) * 8),
    ("not-a-zip.xlsx", b"this is not a zip file at all"),
    ("broken.xlsx", b"PK\x03\x04" + b"\x00" * 200),
    ("bomb.xlsx", _zip_bomb_workbook()),
    ("empty.csv", b""),
]


@pytest.mark.parametrize(("name", "content"), MALFORMED_FILES, ids=[n for n, _ in MALFORMED_FILES])
def test_a_malformed_import_file_is_refused_clearly_and_writes_nothing(
    alice, client_for, settings, name: str, content: bytes
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rapport.core.models import Job

    settings.RAPPORT_IMPORT_MAX_UNPACKED_BYTES = 1_000_000
    client = client_for(alice)
    before = _row_counts()
    for url in ("/contacts/import/", "/documents/import/"):
        response = client.post(url, {"file": SimpleUploadedFile(name, content), "dry_run": ""})
        if response.status_code == 302:
            # A workbook is read by the worker (run at once in tests): its job failed, clearly.
            job = Job.objects.latest("pk")
            assert job.status == "failed", (url, job.status)
            assert job.error, url
            continue
        assert response.status_code == 422, (url, response.status_code)
        html = response.content.decode()
        assert 'class="error"' in html, url
    response = client.post(
        "/api/v1/contacts/import",
        {"file": SimpleUploadedFile(name, content), "dry_run": "false"},
    )
    if response.status_code == 202:
        job = Job.objects.get(pk=response.json()["job_id"])
        assert job.status == "failed" and job.error
    else:
        assert response.status_code == 422, response.content
        assert response.json()["field"] == "file" and response.json()["message"]
    after = _row_counts()
    changed = {k for k in after if after[k] != before[k]} - {"core.Job", "sessions.Session"}
    changed -= {"django_tasks_database.DBTaskResult"}
    assert changed == set()


def test_ragged_rows_and_unknown_columns_are_errors_by_line_and_nothing_is_written(
    alice, client_for
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from rapport.contacts.models import Contact

    ragged = b"name,city\nA Oy,Vaasa\nB Oy,Oulu,extra,cells\nC Oy\n"
    client = client_for(alice)
    response = client.post("/contacts/import/", {"file": SimpleUploadedFile("c.csv", ragged)})
    assert response.status_code == 422
    assert '<td class="num">3</td>' in response.content.decode()
    assert not Contact.objects.exists()
    unknown = b"name,evil_column\nA Oy,x\n"
    response = client.post("/contacts/import/", {"file": SimpleUploadedFile("c.csv", unknown)})
    assert response.status_code == 422 and "evil_column" in response.content.decode()
    assert not Contact.objects.exists()
    wide = b"document_type,document_no,event\nsales_invoice,PS-1,posted,Kesko, Oyj\n"
    response = client.post(
        "/documents/import/", {"file": SimpleUploadedFile("d.csv", wide), "dry_run": "on"}
    )
    rows = response.context["result"]["results"]
    assert [(r["row"], r["status"]) for r in rows] == [(2, "error")]
    assert rows[0]["message"].startswith("The row has more cells than the header")
    response = client.post(
        "/documents/import/", {"file": SimpleUploadedFile("d.csv", b"foo,bar\n1,2\n")}
    )
    assert response.status_code == 422
    assert (
        "document_type" in response.content.decode() or "Document Type" in response.content.decode()
    )


# --- oversize uploads -------------------------------------------------------------------------------


def test_oversize_uploads_in_the_api_are_a_422_naming_the_file_field(
    alice, client_for, settings
) -> None:
    import base64

    from django.core.files.uploadedfile import SimpleUploadedFile

    from rapport.interactions.models import Attachment

    entry = _entry_with_upload(alice, "small.txt", b"ok", "text/plain")
    settings.RAPPORT_MAX_UPLOAD_BYTES = 1000
    big = b"x" * 1001
    client = client_for(alice)
    before = Attachment.objects.count()
    data = json.dumps({"contact_no": entry.contact.no, "template_code": "UPLOAD"})
    multipart = client.post(
        "/api/v1/interactions/with-attachment",
        {"data": data, "file": SimpleUploadedFile("big.txt", big, "text/plain")},
    )
    as_json = client.put(
        "/api/v1/interaction-templates/UPLOAD/languages/-",
        json.dumps({"file": {"file_name": "big.txt", "content": base64.b64encode(big).decode()}}),
        "application/json",
    )
    for response in (multipart, as_json):
        body = response.json()
        assert response.status_code == 422, body
        assert body["field"] == "file" and body["code"] == "file_too_large", body
        assert "The limit is 1000 bytes" in body["message"]
    assert Attachment.objects.count() == before


# --- HTML forms: over-long text, invalid choices, impossible dates ---------------------------------


class _FormFields:
    """The named inputs of a page's first POST form that has a maxlength, select or date."""

    def __init__(self, html: str) -> None:
        from html.parser import HTMLParser

        self.long: dict[str, int] = {}
        self.choices: list[str] = []
        self.dates: list[str] = []
        self.hidden: dict[str, str] = {}
        fields = self

        class Parser(HTMLParser):
            in_form = False
            done = False

            def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
                a = {k: v or "" for k, v in attrs}
                if tag == "form" and a.get("method", "").lower() == "post" and not self.done:
                    self.in_form = True
                if not self.in_form or not a.get("name"):
                    return
                name, kind = a["name"], a.get("type", "text").lower()
                if tag == "select":
                    fields.choices.append(name)
                elif tag == "input" and kind == "hidden":
                    fields.hidden[name] = a.get("value", "")
                elif tag == "input" and (kind == "date" or "date" in name):
                    fields.dates.append(name)
                elif tag in {"input", "textarea"} and a.get("maxlength"):
                    fields.long[name] = int(a["maxlength"])

            def handle_endtag(self, tag: str) -> None:
                if tag == "form" and self.in_form:
                    self.in_form = False
                    self.done = bool(fields.long or fields.choices or fields.dates)

        Parser().feed(html)


def _has_error(html: str, name: str) -> bool:
    """The field shows an error: its message element, or the control marked aria-invalid."""
    import re

    if f'id="id_{name}-error"' in html:
        return True
    tags = re.findall(rf'<(?:input|select|textarea)\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    return any('aria-invalid="true"' in tag for tag in tags)


FORM_PAGES = [
    "/contacts/new/",
    "/contacts/business-relations/new/",
    "/contacts/setup/",
    "/accounts/salespeople/new/",
    "/accounts/users/new/",
    "/interactions/groups/new/",
    "/interactions/templates/new/",
    "/interactions/opportunities/new/",
    "/interactions/sales-cycles/new/",
    "/interactions/setup/",
    "/campaigns/campaigns/new/",
    "/campaigns/campaign-statuses/new/",
    "/segments/new/",
    "/documents/record/",
]


def test_html_forms_answer_hostile_values_with_field_errors_never_a_500(alice, client_for) -> None:
    client = client_for(alice)
    problems = []
    checked = 0
    for url in FORM_PAGES:
        page = client.get(url)
        assert page.status_code == 200, url
        fields = _FormFields(page.content.decode())
        data: dict[str, str] = dict(fields.hidden)
        data.update({name: "x" * (limit + 1) for name, limit in fields.long.items()})
        data.update(dict.fromkeys(fields.choices, "nope"))
        data.update(dict.fromkeys(fields.dates, "45.13.10000"))
        before = _row_counts()
        response = client.post(url, data)
        html = response.content.decode()
        if response.status_code not in {200, 422}:
            problems.append(f"{url}: {response.status_code}")
            continue
        for name in [*fields.long, *fields.choices, *fields.dates]:
            checked += 1
            if not _has_error(html, name):
                problems.append(f"{url}: no error on {name}")
        after = _row_counts()
        if {k: v for k, v in after.items() if v != before[k]}.keys() - {"sessions.Session"}:
            problems.append(f"{url}: something was written")
    assert checked > 50
    assert problems == [], "\n".join(problems)
