"""Hostile input (issue 14.3). INVENTORY (filled in below)."""

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
