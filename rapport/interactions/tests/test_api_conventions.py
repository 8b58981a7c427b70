"""The interactions API's conventions (issue 15 point 7, interactions parts): one naming rule,
path parameters named for what they hold, postponed interactions readable as entries,
attachments as JSON with base64, downloads with their content type, the attachment list."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client

from rapport.interactions import services
from rapport.interactions.tests.conftest import upload
from rapport.interactions.tests.test_api import bearer, error, post


@pytest.fixture
def api(alice) -> Client:
    return Client(headers=bearer(alice))


@pytest.fixture
def as_bob(bob) -> Client:
    return Client(headers=bearer(bob))


def schema(client: Client) -> dict:
    return client.get("/api/v1/openapi.json").json()


def test_fields_follow_one_naming_rule(api) -> None:
    """Codes end in _code, numbers in _no; attempt_failed (BC's name) and never its negation."""
    components = schema(api)["components"]["schemas"]
    for name, component in components.items():
        if not name.startswith(("Interaction", "TemplateSetup", "TemplateLanguage", "PhoneCall")):
            continue
        fields = set(component.get("properties", {}))
        assert "interaction_successful" not in fields, name
        assert not {f for f in fields if f.endswith("_id")}, name
    assert "attempt_failed" in components["InteractionIn"]["properties"]
    assert "attempt_failed" in components["PhoneCallIn"]["properties"]
    assert "outgoing_calls_code" in components["TemplateSetupOut"]["properties"]
    assert "attachment_no" in components["InteractionLogEntryOut"]["properties"]


def test_path_parameters_are_named_for_what_they_hold(api) -> None:
    paths = list(schema(api)["paths"])
    for path in paths:
        if any(part in path for part in ("interaction", "attachments", "statistics", "phone")):
            for parameter in re.findall(r"{([^}]+)}", path):
                assert parameter in {
                    "template_code",
                    "language_code",
                    "interaction_group_code",
                    "contact_no",
                    "salesperson_code",
                    "entry_no",
                    "line_no",
                    "attachment_no",
                    "opportunity_no",
                }, path
    assert "/api/v1/interaction-templates/{template_code}" in schema(api)["paths"]


def test_a_postponed_interaction_reads_as_an_entry_and_takes_comments(
    as_bob, company, call_template, interact
) -> None:
    logged = interact(company, call_template)
    later = interact(company, call_template, postpone=True)
    body = as_bob.get(f"/api/v1/interaction-log-entries/{later.pk}").json()
    assert body["postponed"] is True and body["entry_no"] == later.pk
    default = as_bob.get("/api/v1/interaction-log-entries").json()
    assert [e["entry_no"] for e in default["items"]] == [logged.pk], "BC's log hides them"
    only = as_bob.get("/api/v1/interaction-log-entries?postponed=true").json()
    assert [e["entry_no"] for e in only["items"]] == [later.pk]
    none = as_bob.get("/api/v1/interaction-log-entries?postponed=false").json()
    assert [e["entry_no"] for e in none["items"]] == [logged.pk]
    added = post(as_bob, f"/api/v1/interaction-log-entries/{later.pk}/comments", {"comment": "x"})
    assert added.status_code == 201, added.content
    assert [c.comment for c in later.comments.all()] == ["x"]


def test_a_template_language_is_written_as_json_with_base64(api, call_template) -> None:
    url = "/api/v1/interaction-templates/CALL/languages/-"
    content = base64.b64encode(b"Hello %(name)s").decode()
    response = api.put(
        url,
        {
            "description": "Letter",
            "file": {"file_name": "letter.txt", "content_type": "text/plain", "content": content},
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    row = response.json()
    assert row["attachment_file_name"] == "letter.txt" and row["description"] == "Letter"
    download = api.get(f"/api/v1/attachments/{row['attachment_no']}")
    assert download.content == b"Hello %(name)s"
    bad = api.put(
        url,
        {"file": {"file_name": "x.txt", "content": "not base64!"}, "replace": True},
        content_type="application/json",
    )
    assert error(bad)[:2] == (422, "file.content")


def test_an_interaction_takes_its_attachment_as_json_with_base64(
    as_bob, company, call_template
) -> None:
    response = post(
        as_bob,
        "/api/v1/interactions",
        {
            "contact_no": company.no,
            "template_code": "CALL",
            "attachment": {
                "file_name": "notes.pdf",
                "content_type": "application/pdf",
                "content": base64.b64encode(b"%PDF-1.7 notes").decode(),
            },
        },
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    download = as_bob.get(f"/api/v1/attachments/{entry['attachment_no']}")
    assert download.content == b"%PDF-1.7 notes"


def test_downloads_are_attachments_and_never_carry_an_active_type(
    alice, api, call_template
) -> None:
    row = services.save_template_language(
        actor=alice,
        template=call_template,
        language=None,
        upload=upload("mail.html", b"<p>Hello</p>"),
    )
    row.attachment.content_type = "text/html"
    row.attachment.save(update_fields=["content_type"])
    response = api.get(f"/api/v1/attachments/{row.attachment_id}")
    # An active type (HTML) is served as plain bytes (issue 14.3); the list keeps the real one.
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_admins_list_and_count_attachments(
    alice, api, as_bob, company, call_template, interact
) -> None:
    interact(company, call_template, upload=upload("a.txt", b"aaa"))
    services.save_template_language(
        actor=alice, template=call_template, language=None, upload=upload("t.txt", b"t")
    )
    body = api.get("/api/v1/attachments").json()
    assert body["count"] == 2
    names = sorted(a["file_name"] for a in body["items"])
    assert names == ["a.txt", "t.txt"]
    first = body["items"][0]
    assert {"attachment_no", "file_name", "size", "content_type", "read_only"} <= set(first)
    assert as_bob.get("/api/v1/attachments").status_code == 403
