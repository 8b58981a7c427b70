"""The interactions API: every workflow over HTTP, through the same services as the pages."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from rapport.accounts.services import create_api_token
from rapport.interactions import services
from rapport.interactions.models import Attachment, InteractionLogEntry
from rapport.interactions.tests.conftest import upload

JSON = "application/json"


def bearer(user: Any) -> dict[str, str]:
    _token, raw = create_api_token(actor=user, user=user, name="test")
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def api(alice) -> Client:
    return Client(headers=bearer(alice))


@pytest.fixture
def as_bob(bob) -> Client:
    return Client(headers=bearer(bob))


@pytest.fixture
def as_carol(carol) -> Client:
    return Client(headers=bearer(carol))


def post(client: Client, url: str, data: Any = None) -> Any:
    return client.post(url, data if data is not None else {}, content_type=JSON)


def patch(client: Client, url: str, data: Any) -> Any:
    return client.patch(url, data, content_type=JSON)


def error(response: Any) -> tuple[int, str | None, str]:
    body = response.json()
    return response.status_code, body["field"], body["message"]


def stats(client: Client, url: str) -> tuple[int, Decimal, Decimal]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    body = response.json()
    return body["no_of_interactions"], Decimal(body["cost"]), Decimal(body["duration"])


# --- interaction groups and templates ----------------------------------------------------------


def test_interaction_groups_are_created_listed_changed_and_deleted(api) -> None:
    response = post(api, "/api/v1/interaction-groups", {"code": "meet", "description": "Meetings"})
    assert response.status_code == 201, response.content
    assert response.json() == {"code": "MEET", "description": "Meetings"}
    post(api, "/api/v1/interaction-groups", {"code": "LETTER", "description": "Letters"})
    body = api.get("/api/v1/interaction-groups?sort=-code").json()
    assert [g["code"] for g in body["items"]] == ["MEET", "LETTER"]
    assert api.get("/api/v1/interaction-groups?q=lett").json()["count"] == 1
    assert patch(api, "/api/v1/interaction-groups/meet", {}).json()["description"] == "Meetings"
    changed = patch(api, "/api/v1/interaction-groups/meet", {"description": "Visits"}).json()
    assert changed["description"] == "Visits"
    assert api.delete("/api/v1/interaction-groups/MEET").status_code == 204
    assert api.get("/api/v1/interaction-groups/MEET").status_code == 404


def test_a_group_that_templates_use_cannot_be_deleted(api, call_template) -> None:
    status, field, message = error(api.delete("/api/v1/interaction-groups/LETTER"))
    assert (status, field) == (422, "code")
    assert message == (
        "You cannot delete interaction group LETTER because templates or interaction log "
        "entries use it."
    )


def test_interaction_templates_are_created_read_filtered_changed_and_deleted(api, group) -> None:
    post(api, "/api/v1/interaction-groups", {"code": "MEET"})
    response = post(
        api,
        "/api/v1/interaction-templates",
        {
            "code": "visit",
            "group_code": "meet",
            "description": "Customer visit",
            "unit_cost": "120.50",
            "unit_duration": 90,
            "information_flow": "outbound",
            "initiated_by": "us",
            "correspondence_type": "",
            "language_code": "fi",
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["code"], body["group_code"], body["language_code"]) == ("VISIT", "MEET", "FI")
    assert Decimal(body["unit_cost"]) == Decimal("120.50")
    post(api, "/api/v1/interaction-templates", {"code": "LTR", "group_code": "LETTER"})
    assert api.get("/api/v1/interaction-templates").json()["count"] == 2
    filtered = api.get("/api/v1/interaction-templates?group=meet").json()
    assert [t["code"] for t in filtered["items"]] == ["VISIT"]
    languages = api.get("/api/v1/interaction-templates/VISIT/languages").json()
    assert [(row["language_code"], row["has_attachment"]) for row in languages] == [("FI", False)]
    changed = patch(api, "/api/v1/interaction-templates/visit", {"unit_duration": 60}).json()
    assert Decimal(changed["unit_duration"]) == 60 and changed["description"] == "Customer visit"
    assert api.delete("/api/v1/interaction-templates/VISIT").status_code == 204
    assert api.get("/api/v1/interaction-templates/VISIT").status_code == 404


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        (
            {"code": "X", "group_code": "NOPE"},
            "group_code",
            "group_code: There is no Interaction group with the code NOPE.",
        ),
        (
            {"code": "X"},
            "group_code",
            "You must fill in the Interaction Group Code field.",
        ),
        (
            {"code": "X", "group_code": "LETTER", "campaign_no": "CP9"},
            "campaign_no",
            "campaign_no: There is no Campaign with the number CP9.",
        ),
        (
            {"code": "X", "group_code": "LETTER", "language_code": "XX"},
            "language_code",
            "language_code: There is no Language with the code XX.",
        ),
        (
            {"code": "X", "group_code": "LETTER", "unit_cost": "-1"},
            "unit_cost",
            "Unit Cost (LCY): Ensure this value is greater than or equal to 0.",
        ),
        (
            {"code": "X", "group_code": "LETTER", "wizard_action": "later"},
            "wizard_action",
            None,
        ),
    ],
)
def test_template_errors_are_422_naming_the_payload_field(
    api, group, payload, field, message
) -> None:
    status, got_field, got_message = error(post(api, "/api/v1/interaction-templates", payload))
    assert (status, got_field) == (422, field)
    if message is not None:
        assert got_message == message


def test_wizard_action_merge_needs_an_html_attachment_on_the_default_language(
    api, call_template
) -> None:
    response = patch(api, "/api/v1/interaction-templates/CALL", {"language_code": "FI"})
    assert response.status_code == 200, response.content
    status, field, message = error(
        patch(api, "/api/v1/interaction-templates/CALL", {"wizard_action": "merge"})
    )
    assert (status, field) == (422, "wizard_action")
    assert message == "Wizard Action = Merge can not be specified for Interaction Template CALL."
    html = SimpleUploadedFile("offer.html", b"<p>Hello</p>", "text/html")
    response = api.post(
        "/api/v1/interaction-templates/CALL/languages", {"language_code": "fi", "file": html}
    )
    assert response.status_code == 200, response.content
    assert api.get("/api/v1/interaction-templates/CALL").json()["wizard_action"] == "merge"
    status, field, message = error(
        patch(api, "/api/v1/interaction-templates/CALL", {"wizard_action": "open"})
    )
    assert (status, field) == (422, "wizard_action")
    assert message == "Wizard Action = Open can not be specified for Interaction Template CALL."


def test_a_template_attachment_uploads_and_downloads_with_the_same_bytes(
    api, as_carol, call_template
) -> None:
    content = "Hyvä asiakas,\n\x00binary\xff".encode("latin-1")
    file = SimpleUploadedFile("../../etc/kirje.txt", content, "text/plain")
    response = api.post(
        "/api/v1/interaction-templates/CALL/languages",
        {"language_code": "-", "description": "Letter", "file": file},
    )
    assert response.status_code == 201, response.content
    row = response.json()
    assert row["language_code"] == "" and row["has_attachment"]
    assert row["attachment_file_name"] == "kirje.txt" and row["attachment_size"] == len(content)
    download = as_carol.get(f"/api/v1/attachments/{row['attachment_no']}")
    assert download.status_code == 200
    assert download.content == content
    assert download["Content-Disposition"] == 'attachment; filename="kirje.txt"'
    assert download["X-Content-Type-Options"] == "nosniff"
    again = SimpleUploadedFile("other.txt", b"new", "text/plain")
    refused = api.post("/api/v1/interaction-templates/CALL/languages", {"file": again})
    assert error(refused)[:2] == (422, "file")
    assert Attachment.objects.count() == 1


def test_replacing_and_removing_a_template_attachment_leaves_no_orphan(api, call_template) -> None:
    first = SimpleUploadedFile("a.txt", b"first", "text/plain")
    api.post("/api/v1/interaction-templates/CALL/languages", {"file": first})
    second = SimpleUploadedFile("b.txt", b"second", "text/plain")
    response = api.post(
        "/api/v1/interaction-templates/CALL/languages", {"file": second, "replace": "true"}
    )
    assert response.status_code == 200 and response.json()["attachment_file_name"] == "b.txt"
    assert list(Attachment.objects.values_list("file_name", flat=True)) == ["b.txt"]
    assert (
        api.delete("/api/v1/interaction-templates/CALL/languages/-/attachment").status_code == 204
    )
    assert Attachment.objects.count() == 0
    assert api.delete("/api/v1/interaction-templates/CALL/languages/-").status_code == 204
    assert api.get("/api/v1/interaction-templates/CALL/languages").json() == []
    assert api.delete("/api/v1/interaction-templates/CALL/languages/-").status_code == 404


def test_html_and_svg_attachments_download_and_are_never_rendered(api, call_template) -> None:
    for name, content_type in (("x.html", "text/html"), ("y.svg", "image/svg+xml")):
        api.post(
            "/api/v1/interaction-templates/CALL/languages",
            {
                "file": SimpleUploadedFile(name, b"<script>alert(1)</script>", content_type),
                "replace": "true",
            },
        )
        row = api.get("/api/v1/interaction-templates/CALL/languages").json()[0]
        download = api.get(f"/api/v1/attachments/{row['attachment_no']}")
        # Always a download with a type no browser runs: never rendered, sniffed or run.
        assert download["Content-Type"] == "application/octet-stream"
        assert "sandbox" in download["Content-Security-Policy"]
        assert download["Content-Disposition"].startswith("attachment;")
        assert download["X-Content-Type-Options"] == "nosniff"


def test_a_file_over_the_upload_limit_is_a_422(
    api, as_bob, call_template, company, settings
) -> None:
    settings.RAPPORT_MAX_UPLOAD_BYTES = 10
    big = SimpleUploadedFile("big.txt", b"x" * 11, "text/plain")
    response = api.post("/api/v1/interaction-templates/CALL/languages", {"file": big})
    status, field, message = error(response)
    assert (status, field) == (422, "file")
    assert message == "The file is too large (11 bytes). The limit is 10 bytes."
    response = as_bob.post(
        "/api/v1/interactions/with-attachment",
        {
            "data": json.dumps({"contact_no": company.no, "template_code": "CALL"}),
            "file": SimpleUploadedFile("big.txt", b"x" * 11, "text/plain"),
        },
    )
    assert error(response)[:2] == (422, "file")
    assert Attachment.objects.count() == 0 and InteractionLogEntry.objects.count() == 0


def test_an_unknown_attachment_is_404(api) -> None:
    assert api.get("/api/v1/attachments/999").status_code == 404


# --- creating interactions ---------------------------------------------------------------------


def test_an_interaction_takes_the_template_defaults(as_bob, company, call_template) -> None:
    response = post(
        as_bob, "/api/v1/interactions", {"contact_no": company.no.lower(), "template_code": "call"}
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["entry_no"] == InteractionLogEntry.objects.get().pk
    assert (entry["contact_no"], entry["contact_company_no"]) == (company.no, company.no)
    assert (entry["template_code"], entry["group_code"]) == ("CALL", "LETTER")
    assert entry["description"] == "Phone call" and entry["salesperson_code"] == "AH"
    assert Decimal(entry["cost"]) == Decimal("2.50") and Decimal(entry["duration"]) == 10
    assert (entry["information_flow"], entry["initiated_by"]) == ("outbound", "us")
    assert entry["date"] == timezone.localdate().isoformat()
    assert not entry["attempt_failed"] and not entry["postponed"] and entry["user"] == "bob"
    assert entry["title"] == "Phone call - by Aino Heikkinen"
    assert entry["comments"] == [] and not entry["has_attachment"]


def test_an_interactions_own_values_win_over_the_template(
    alice, as_bob, company, call_template
) -> None:
    from rapport.accounts.services import create_salesperson

    create_salesperson(actor=alice, code="MK", name="Mika")
    response = post(
        as_bob,
        "/api/v1/interactions",
        {
            "contact_no": company.no,
            "template_code": "CALL",
            "description": "Called about the offer",
            "salesperson_code": "mk",
            "date": "2026-03-02",
            "time": "09:15:00",
            "information_flow": "inbound",
            "cost": "0",
            "duration": 45,
            "evaluation": "positive",
            "attempt_failed": True,
            "comments": ["Wants a quote", "", "Call again in May"],
        },
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["description"] == "Called about the offer" and entry["salesperson_code"] == "MK"
    assert (entry["date"], entry["time"]) == ("2026-03-02", "09:15:00")
    assert Decimal(entry["cost"]) == 0 and Decimal(entry["duration"]) == 45
    assert entry["evaluation"] == "positive" and entry["attempt_failed"] is True
    assert entry["title"] == "Phone call - from Kesko Oyj"
    assert [c["comment"] for c in entry["comments"]] == ["Wants a quote", "Call again in May"]


def test_the_create_checks_run_in_bc_order_and_name_the_payload_field(
    as_bob, company, call_template
) -> None:
    faults: dict[str, Any] = {"salesperson_code": None, "date": None, "description": ""}
    steps = [
        ({}, "contact_no", "You must select a contact to interact with."),
        (
            {"contact_no": company.no},
            "template_code",
            "You must fill in the Interaction Template Code field.",
        ),
        (
            {"contact_no": company.no, "template_code": "CALL"},
            "salesperson_code",
            "You must fill in the Salesperson Code field.",
        ),
    ]
    for extra, field, message in steps:
        response = post(as_bob, "/api/v1/interactions", {**faults, **extra})
        assert error(response) == (422, field, message)
    base = {"contact_no": company.no, "template_code": "CALL"}
    response = post(as_bob, "/api/v1/interactions", {**base, "date": None, "description": ""})
    assert error(response) == (422, "date", "You must fill in the Date field.")
    response = post(as_bob, "/api/v1/interactions", {**base, "description": " "})
    assert error(response) == (422, "description", "You must fill in the Description field.")
    response = post(as_bob, "/api/v1/interactions", {**base, "postpone": True, "description": ""})
    assert error(response)[:2] == (422, "description"), "finish later is checked too"
    assert InteractionLogEntry.objects.count() == 0


def test_attachment_checks_follow_the_mandatory_fields(alice, as_bob, company, group) -> None:
    services.create_interaction_template(
        actor=alice,
        code="OPEN",
        group=group,
        description="Open",
        wizard_action="open",
        correspondence_type="",
    )
    services.create_interaction_template(
        actor=alice,
        code="MAIL",
        group=group,
        description="Mail",
        correspondence_type="email",
        ignore_contact_corres_type=True,
    )
    response = post(
        as_bob, "/api/v1/interactions", {"contact_no": company.no, "template_code": "OPEN"}
    )
    assert error(response) == (
        422,
        "template_code",
        "No attachment found. You must either add an attachment or choose a template in the "
        "Word Template Code field on the Interaction Template page.",
    )
    response = post(
        as_bob, "/api/v1/interactions", {"contact_no": company.no, "template_code": "MAIL"}
    )
    status, field, message = error(response)
    assert (status, field) == (422, "correspondence_type")
    assert message.startswith("The correspondence type for this interaction is Email, which")
    response = as_bob.post(
        "/api/v1/interactions/with-attachment",
        {
            "data": json.dumps({"contact_no": company.no, "template_code": "MAIL"}),
            "file": SimpleUploadedFile("offer.pdf", b"%PDF-1.7", "application/pdf"),
        },
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert entry["has_attachment"] and entry["correspondence_type"] == "email"
    assert as_bob.get(f"/api/v1/attachments/{entry['attachment_no']}").content == b"%PDF-1.7"


def test_a_bad_data_field_in_the_multipart_create_is_a_422(as_bob, company, call_template) -> None:
    response = as_bob.post(
        "/api/v1/interactions/with-attachment",
        {
            "data": json.dumps({"contact_no": company.no, "cost": "lots"}),
            "file": SimpleUploadedFile("a.txt", b"a", "text/plain"),
        },
    )
    assert error(response)[:2] == (422, "cost")


def test_a_blank_campaign_no_means_no_campaign_rather_than_the_templates(
    alice, as_bob, company, group
) -> None:
    from rapport.campaigns.services import create_campaign

    campaign = create_campaign(actor=alice, description="Spring fair")
    services.create_interaction_template(
        actor=alice,
        code="FAIR",
        group=group,
        description="Fair",
        campaign=campaign,
        correspondence_type="",
    )
    payload = {"contact_no": company.no, "template_code": "FAIR"}
    assert post(as_bob, "/api/v1/interactions", payload).json()["campaign_no"] == campaign.no
    blank = post(as_bob, "/api/v1/interactions", {**payload, "campaign_no": ""}).json()
    assert blank["campaign_no"] == ""


def test_unknown_codes_in_an_interaction_are_422_naming_the_field(
    as_bob, company, call_template
) -> None:
    for field, value in (
        ("contact_no", "NOPE"),
        ("template_code", "NOPE"),
        ("salesperson_code", "NOPE"),
        ("campaign_no", "NOPE"),
        ("language_code", "NOPE"),
        ("opportunity_no", "NOPE"),
    ):
        payload = {"contact_no": company.no, "template_code": "CALL", field: value}
        response = post(as_bob, "/api/v1/interactions", payload)
        status, named, message = error(response)
        assert (status, named) == (422, field)
        assert message.startswith(f"{field}: ") and "NOPE" in message


def test_the_defaults_endpoint_shows_what_a_new_interaction_starts_with(
    as_bob, company, call_template
) -> None:
    response = as_bob.get(
        f"/api/v1/interactions/defaults?contact_no={company.no}&template_code=call"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["contact_no"], body["template_code"], body["salesperson_code"]) == (
        company.no,
        "CALL",
        "AH",
    )
    assert body["description"] == "Phone call" and Decimal(body["cost"]) == Decimal("2.50")
    assert body["date"] == timezone.localdate().isoformat()
    assert body["time"].endswith(":00") and not body["attempt_failed"]
    bare = as_bob.get("/api/v1/interactions/defaults").json()
    assert bare["template_code"] == "" and bare["cost"] is None


# --- postponed interactions --------------------------------------------------------------------


def test_a_postponed_interaction_stays_out_of_the_log_until_it_is_resumed(
    as_bob, company, call_template
) -> None:
    response = post(
        as_bob,
        "/api/v1/interactions",
        {
            "contact_no": company.no,
            "template_code": "CALL",
            "description": "Call back",
            "date": "2026-01-05",
            "comments": ["Busy"],
            "attempt_failed": True,
            "postpone": True,
        },
    )
    assert response.status_code == 201, response.content
    entry_no = response.json()["entry_no"]
    assert response.json()["postponed"] is True
    assert as_bob.get("/api/v1/interaction-log-entries").json()["count"] == 0
    # BC shows a postponed interaction as an entry with Postponed = Yes, outside the log list.
    shown = as_bob.get(f"/api/v1/interaction-log-entries/{entry_no}")
    assert shown.status_code == 200 and shown.json()["postponed"] is True
    listed = as_bob.get("/api/v1/interaction-log-entries?postponed=true").json()
    assert [e["entry_no"] for e in listed["items"]] == [entry_no]
    assert as_bob.get(f"/api/v1/contacts/{company.no}/interaction-log-entries").json()["count"] == 0
    assert stats(as_bob, f"/api/v1/contacts/{company.no}/statistics")[0] == 0
    postponed = as_bob.get(f"/api/v1/postponed-interactions?contact={company.no}").json()
    assert [e["entry_no"] for e in postponed["items"]] == [entry_no]
    assert as_bob.get("/api/v1/postponed-interactions?salesperson=NOBODY").json()["count"] == 0

    response = post(as_bob, f"/api/v1/postponed-interactions/{entry_no}/resume", {"duration": 3})
    assert response.status_code == 200, response.content
    resumed = response.json()
    assert resumed["entry_no"] == entry_no and resumed["postponed"] is False
    assert resumed["description"] == "Call back" and Decimal(resumed["duration"]) == 3
    assert resumed["date"] == timezone.localdate().isoformat(), "resuming dates it today"
    assert not resumed["attempt_failed"], "BC resets successful on resume"
    assert [c["comment"] for c in resumed["comments"]] == ["Busy"]
    assert as_bob.get("/api/v1/postponed-interactions").json()["count"] == 0
    log = as_bob.get("/api/v1/interaction-log-entries").json()
    assert [e["entry_no"] for e in log["items"]] == [entry_no]
    assert stats(as_bob, f"/api/v1/contacts/{company.no}/statistics")[0] == 1
    again = post(as_bob, f"/api/v1/postponed-interactions/{entry_no}/resume", {})
    assert again.status_code == 404


def test_resuming_with_another_template_takes_that_templates_defaults(
    alice, as_bob, company, call_template, group
) -> None:
    services.create_interaction_template(
        actor=alice,
        code="VISIT",
        group=group,
        description="Visit",
        unit_cost=Decimal(100),
        correspondence_type="",
    )
    entry_no = post(
        as_bob,
        "/api/v1/interactions",
        {"contact_no": company.no, "template_code": "CALL", "postpone": True},
    ).json()["entry_no"]
    response = post(
        as_bob, f"/api/v1/postponed-interactions/{entry_no}/resume", {"template_code": "VISIT"}
    )
    body = response.json()
    assert (body["entry_no"], body["template_code"], body["description"]) == (
        entry_no,
        "VISIT",
        "Visit",
    )
    assert Decimal(body["cost"]) == 100 and body["contact_no"] == company.no


def test_deleting_postponed_interactions(as_bob, company, call_template, interact) -> None:
    first = interact(company, call_template, postpone=True, comments=["a"])
    second = interact(company, call_template, postpone=True)
    logged = interact(company, call_template)
    assert as_bob.delete(f"/api/v1/postponed-interactions/{first.pk}").status_code == 204
    assert as_bob.delete(f"/api/v1/postponed-interactions/{logged.pk}").status_code == 404
    response = post(as_bob, "/api/v1/postponed-interactions/delete", {"entry_nos": [second.pk]})
    assert response.json() == {"deleted": 1}
    assert list(InteractionLogEntry.objects.values_list("pk", flat=True)) == [logged.pk]


# --- the log -----------------------------------------------------------------------------------


def test_cancel_and_restore_change_the_statistics_of_contact_template_group_and_salesperson(
    as_bob, company, person, call_template, interact
) -> None:
    interact(company, call_template)
    on_person = interact(person, call_template)
    urls = {
        "company": f"/api/v1/contacts/{company.no}/statistics",
        "person": f"/api/v1/contacts/{person.no}/statistics",
        "template": "/api/v1/interaction-templates/CALL/statistics",
        "group": "/api/v1/interaction-groups/LETTER/statistics",
        "salesperson": "/api/v1/salespeople/AH/statistics",
    }
    two = (2, Decimal("5.00"), Decimal(20))
    assert stats(as_bob, urls["company"]) == two, "a company counts its persons' entries"
    assert stats(as_bob, urls["person"]) == (1, Decimal("2.50"), Decimal(10))
    assert stats(as_bob, urls["template"]) == two and stats(as_bob, urls["group"]) == two

    response = post(as_bob, "/api/v1/interaction-log-entries/cancel", {"entry_nos": [on_person.pk]})
    assert response.json() == {"changed": 1}
    assert post(
        as_bob, "/api/v1/interaction-log-entries/cancel", {"entry_nos": [on_person.pk]}
    ).json() == {"changed": 0}
    one = (1, Decimal("2.50"), Decimal(10))
    for name in ("company", "template", "group", "salesperson"):
        assert stats(as_bob, urls[name]) == one, name
    assert stats(as_bob, urls["person"])[0] == 0
    canceled = as_bob.get("/api/v1/interaction-log-entries?canceled=true").json()
    assert [e["entry_no"] for e in canceled["items"]] == [on_person.pk]

    response = post(
        as_bob, "/api/v1/interaction-log-entries/restore", {"entry_nos": [on_person.pk]}
    )
    assert response.json() == {"changed": 1}
    assert stats(as_bob, urls["company"]) == two and stats(as_bob, urls["salesperson"]) == two


def test_statistics_respect_the_date_range_and_show_months(
    as_bob, company, call_template, interact
) -> None:
    today = timezone.localdate()
    interact(company, call_template, date=today)
    interact(company, call_template, date=today - datetime.timedelta(days=400))
    body = as_bob.get(
        f"/api/v1/interaction-templates/CALL/statistics?date_from={today.isoformat()}"
    ).json()
    assert body["no_of_interactions"] == 1
    assert len(body["monthly"]) >= 12 and body["monthly"][-1]["count"] == 1
    assert as_bob.get("/api/v1/interaction-groups/NOPE/statistics").status_code == 404


def test_unknown_entry_numbers_are_a_422(as_bob, company, call_template, interact) -> None:
    entry = interact(company, call_template)
    response = post(
        as_bob, "/api/v1/interaction-log-entries/cancel", {"entry_nos": [entry.pk, 999]}
    )
    assert error(response) == (422, "entry_nos", "entry_nos: 999 does not exist.")
    assert error(post(as_bob, "/api/v1/interaction-log-entries/cancel", {"entry_nos": []}))[:2] == (
        422,
        "entry_nos",
    )
    assert InteractionLogEntry.objects.filter(canceled=True).count() == 0


def test_entries_are_evaluated(as_bob, company, call_template, interact) -> None:
    entry = interact(company, call_template)
    response = post(
        as_bob,
        "/api/v1/interaction-log-entries/evaluate",
        {"entry_nos": [entry.pk], "evaluation": "very_negative"},
    )
    assert response.json() == {"changed": 1}
    assert as_bob.get(f"/api/v1/interaction-log-entries/{entry.pk}").json()["evaluation"] == (
        "very_negative"
    )
    response = post(
        as_bob,
        "/api/v1/interaction-log-entries/evaluate",
        {"entry_nos": [entry.pk], "evaluation": "great"},
    )
    assert error(response)[:2] == (422, "evaluation")


def test_comments_are_added_to_an_entry_and_shown_with_it(
    as_bob, company, call_template, interact
) -> None:
    entry = interact(company, call_template)
    url = f"/api/v1/interaction-log-entries/{entry.pk}/comments"
    first = post(as_bob, url, {"comment": "Asked for a quote", "code": "q"})
    assert first.status_code == 201, first.content
    assert first.json() == {
        "line_no": 10000,
        "date": timezone.localdate().isoformat(),
        "code": "Q",
        "comment": "Asked for a quote",
    }
    second = post(as_bob, url, {"comment": "Sent it"}).json()
    # Rapport: every line is dated (default today; BC dates only the first line of a day).
    assert second["line_no"] == 20000 and second["date"] == timezone.localdate().isoformat()
    assert error(post(as_bob, url, {"comment": " "}))[:2] == (422, "comment")
    detail = as_bob.get(f"/api/v1/interaction-log-entries/{entry.pk}").json()
    assert [c["comment"] for c in detail["comments"]] == ["Asked for a quote", "Sent it"]
    assert as_bob.delete(f"{url}/10000").status_code == 204
    detail = as_bob.get(f"/api/v1/interaction-log-entries/{entry.pk}").json()
    assert [c["line_no"] for c in detail["comments"]] == [20000]


def test_an_opportunity_is_created_from_an_entry_only_once(
    as_bob, person, call_template, interact
) -> None:
    entry = interact(person, call_template, description="Wants 40 licences", comments=["Q3"])
    url = f"/api/v1/interaction-log-entries/{entry.pk}/opportunity"
    response = post(as_bob, url)
    assert response.status_code == 201, response.content
    opportunity = response.json()
    assert opportunity["no"] == "OP000001" and opportunity["description"] == "Wants 40 licences"
    assert (opportunity["contact_no"], opportunity["contact_company_no"]) == (
        person.no,
        person.company.no,
    )
    assert opportunity["salesperson_code"] == "AH"
    assert [c["comment"] for c in opportunity["comments"]] == ["Q3"]
    assert as_bob.get(f"/api/v1/interaction-log-entries/{entry.pk}").json()["opportunity_no"] == (
        "OP000001"
    )
    assert as_bob.get("/api/v1/opportunities/op000001").json()["no"] == "OP000001"
    assert error(post(as_bob, url)) == (
        422,
        "opportunity_no",
        "Opportunity No. must be equal to '' in Interaction Log Entry: "
        f"Entry No.={entry.pk}. Current value is 'OP000001'.",
    )


def test_no_opportunity_from_a_canceled_entry(as_bob, company, call_template, interact) -> None:
    entry = interact(company, call_template)
    post(as_bob, "/api/v1/interaction-log-entries/cancel", {"entry_nos": [entry.pk]})
    response = post(as_bob, f"/api/v1/interaction-log-entries/{entry.pk}/opportunity")
    assert error(response)[:2] == (422, "canceled")


def test_the_log_is_paginated_and_filtered(
    as_bob, company, person, call_template, interact
) -> None:
    entries = [interact(company if i % 2 else person, call_template) for i in range(5)]
    body = as_bob.get("/api/v1/interaction-log-entries?page_size=2").json()
    assert (body["count"], body["pages"], body["sort"]) == (5, 3, "-entry_no")
    assert [e["entry_no"] for e in body["items"]] == [entries[4].pk, entries[3].pk]
    by_person = as_bob.get(f"/api/v1/interaction-log-entries?contact={person.no}").json()
    assert by_person["count"] == 3
    by_company = as_bob.get(f"/api/v1/interaction-log-entries?company={company.no}").json()
    assert by_company["count"] == 5
    window = as_bob.get(
        f"/api/v1/interaction-log-entries?entry_from={entries[1].pk}&entry_to={entries[2].pk}"
        "&sort=entry_no"
    ).json()
    assert [e["entry_no"] for e in window["items"]] == [entries[1].pk, entries[2].pk]
    person_log = as_bob.get(f"/api/v1/contacts/{person.no}/interaction-log-entries").json()
    assert person_log["count"] == 3
    bad = as_bob.get("/api/v1/interaction-log-entries?date_from=yesterday")
    assert error(bad)[:2] == (422, "date_from")


def test_a_page_of_the_log_costs_a_bounded_number_of_queries(
    alice, as_bob, company, person, call_template, interact, django_assert_max_num_queries
) -> None:
    from rapport.accounts.services import create_salesperson

    other = create_salesperson(actor=alice, code="MK", name="Mika")
    for i in range(60):
        interact(
            person if i % 2 else company,
            call_template,
            salesperson=other if i % 3 else None,
            comments=["c"],
        )
    # Constant, whatever the page size: the contacts joined, each related table one query.
    with django_assert_max_num_queries(12):
        body = as_bob.get("/api/v1/interaction-log-entries?page_size=50").json()
    assert len(body["items"]) == 50 and body["count"] == 60
    assert body["items"][0]["title"] and body["items"][0]["contact_company_no"] == company.no
    with django_assert_max_num_queries(12):
        body = as_bob.get(f"/api/v1/contacts/{company.no}/interaction-log-entries").json()
    assert body["count"] == 60


# --- delete canceled entries -------------------------------------------------------------------


def test_only_an_administrator_may_delete_canceled_entries(
    api, as_bob, company, call_template, interact
) -> None:
    entry = interact(company, call_template)
    post(as_bob, "/api/v1/interaction-log-entries/cancel", {"entry_nos": [entry.pk]})
    response = post(as_bob, "/api/v1/interaction-log-entries/delete-canceled", {})
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    response = post(as_bob, "/api/v1/interaction-log-entries/delete-canceled", {"background": True})
    assert response.status_code == 403
    assert InteractionLogEntry.objects.count() == 1
    assert post(api, "/api/v1/interaction-log-entries/delete-canceled", {}).json() == {"deleted": 1}


def test_delete_canceled_deletes_only_canceled_entries_and_unshared_attachments(
    api, as_bob, alice, company, person, call_template, interact
) -> None:
    services.save_template_language(
        actor=alice, template=call_template, language=None, upload=upload()
    )
    kept = interact(company, call_template)
    doomed = interact(person, call_template, comments=["bye"])
    sharing = interact(company, call_template)
    other = interact(person, call_template)
    assert kept.attachment_id and doomed.attachment_id and other.attachment_id
    # Segment logging gives many entries one shared attachment; no service shares one yet, so
    # the test links `sharing` to `doomed`'s file the way a logged segment would.
    InteractionLogEntry.objects.filter(pk=sharing.pk).update(attachment=doomed.attachment_id)
    post(as_bob, "/api/v1/interaction-log-entries/cancel", {"entry_nos": [doomed.pk, other.pk]})

    response = post(
        api,
        "/api/v1/interaction-log-entries/delete-canceled",
        {"contact_no": person.no, "template_code": "call", "entry_to": doomed.pk},
    )
    assert response.json() == {"deleted": 1}
    remaining = set(InteractionLogEntry.objects.values_list("pk", flat=True))
    assert remaining == {kept.pk, sharing.pk, other.pk}
    assert Attachment.objects.filter(pk=doomed.attachment_id).exists(), "still shared"
    assert as_bob.get(f"/api/v1/attachments/{doomed.attachment_id}").status_code == 200

    post(as_bob, "/api/v1/interaction-log-entries/cancel", {"entry_nos": [sharing.pk]})
    assert post(api, "/api/v1/interaction-log-entries/delete-canceled", {}).json() == {"deleted": 2}
    assert set(InteractionLogEntry.objects.values_list("pk", flat=True)) == {kept.pk}
    assert not Attachment.objects.filter(pk=doomed.attachment_id).exists(), "the last one went"
    assert not Attachment.objects.filter(pk=other.attachment_id).exists()
    assert Attachment.objects.filter(pk=kept.attachment_id).exists()


def test_delete_canceled_in_the_background_returns_202_and_the_job_finishes(
    api, as_bob, company, call_template, interact, django_capture_on_commit_callbacks
) -> None:
    entries = [interact(company, call_template) for _ in range(3)]
    post(
        as_bob, "/api/v1/interaction-log-entries/cancel", {"entry_nos": [e.pk for e in entries[:2]]}
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            api, "/api/v1/interaction-log-entries/delete-canceled", {"background": True}
        )
    assert response.status_code == 202, response.content
    job = api.get(f"/api/v1/jobs/{response.json()['job_id']}").json()
    assert job["status"] == "succeeded" and job["result"] == {"deleted": 2}
    assert list(InteractionLogEntry.objects.values_list("pk", flat=True)) == [entries[2].pk]


def test_delete_canceled_with_an_unknown_code_is_a_422(api) -> None:
    response = post(api, "/api/v1/interaction-log-entries/delete-canceled", {"group_code": "NOPE"})
    assert error(response)[:2] == (422, "group_code")


# --- phone calls and the template setup --------------------------------------------------------


def test_a_phone_call_needs_the_outgoing_calls_template(
    api, as_bob, company, call_template
) -> None:
    url = f"/api/v1/contacts/{company.no}/phone-calls"
    assert error(post(as_bob, url, {"phone_no": "+358 40 123 4567"})) == (
        422,
        "outgoing_calls_code",
        "Outg. Calls must have a value in Interaction Template Setup. It cannot be zero or empty.",
    )
    setup_url = "/api/v1/interaction-template-setup"
    assert api.get(setup_url).json()["outgoing_calls_code"] == ""
    bad = patch(api, setup_url, {"outgoing_calls_code": "NOPE"})
    assert error(bad)[:2] == (422, "outgoing_calls_code")
    setup = patch(api, setup_url, {"outgoing_calls_code": "call"})
    assert setup.json()["outgoing_calls_code"] == "CALL"

    response = post(
        as_bob,
        url,
        {
            "phone_no": "+358 40 123 4567",
            "duration": 4,
            "attempt_failed": True,
            "comments": ["No answer"],
        },
    )
    assert response.status_code == 201, response.content
    entry = response.json()
    assert (entry["template_code"], entry["contact_via"]) == ("CALL", "+358 40 123 4567")
    assert Decimal(entry["duration"]) == 4 and entry["attempt_failed"] is True
    assert entry["description"] == "Phone call" and entry["correspondence_type"] == ""
    assert [c["comment"] for c in entry["comments"]] == ["No answer"]
    no_number = post(as_bob, url, {})
    assert error(no_number) == (422, "phone_no", "You must fill in the phone number.")


# --- permissions -------------------------------------------------------------------------------


def test_a_viewer_can_read_but_gets_403_on_every_write(
    alice, as_carol, company, call_template, interact
) -> None:
    entry = interact(company, call_template)
    postponed = interact(company, call_template, postpone=True)
    services.save_template_language(
        actor=alice, template=call_template, language=None, upload=upload()
    )
    for url in (
        "/api/v1/interaction-groups",
        "/api/v1/interaction-templates",
        "/api/v1/interaction-templates/CALL/languages",
        "/api/v1/interaction-log-entries",
        f"/api/v1/interaction-log-entries/{entry.pk}",
        "/api/v1/postponed-interactions",
        f"/api/v1/contacts/{company.no}/statistics",
        "/api/v1/interaction-template-setup",
    ):
        assert as_carol.get(url).status_code == 200, url
    interaction = {"contact_no": company.no, "template_code": "CALL"}
    one = {"entry_nos": [entry.pk]}
    writes = [
        ("post", "/api/v1/interaction-groups", {"code": "X"}),
        ("patch", "/api/v1/interaction-groups/LETTER", {"description": "X"}),
        ("delete", "/api/v1/interaction-groups/LETTER", None),
        ("post", "/api/v1/interaction-templates", {"code": "X", "group_code": "LETTER"}),
        ("patch", "/api/v1/interaction-templates/CALL", {"description": "X"}),
        ("delete", "/api/v1/interaction-templates/CALL", None),
        ("delete", "/api/v1/interaction-templates/CALL/languages/-/attachment", None),
        ("delete", "/api/v1/interaction-templates/CALL/languages/-", None),
        ("patch", "/api/v1/interaction-template-setup", {"outgoing_calls_code": "CALL"}),
        ("post", "/api/v1/interactions", interaction),
        ("post", "/api/v1/interaction-log-entries/cancel", one),
        ("post", "/api/v1/interaction-log-entries/restore", one),
        ("post", "/api/v1/interaction-log-entries/evaluate", {**one, "evaluation": "positive"}),
        ("post", f"/api/v1/interaction-log-entries/{entry.pk}/comments", {"comment": "X"}),
        ("post", f"/api/v1/interaction-log-entries/{entry.pk}/opportunity", {}),
        ("post", "/api/v1/interaction-log-entries/delete-canceled", {}),
        ("post", f"/api/v1/postponed-interactions/{postponed.pk}/resume", {}),
        ("delete", f"/api/v1/postponed-interactions/{postponed.pk}", None),
        ("post", "/api/v1/postponed-interactions/delete", {"entry_nos": [postponed.pk]}),
        ("post", f"/api/v1/contacts/{company.no}/phone-calls", {"phone_no": "1"}),
    ]
    for method, url, data in writes:
        if method == "delete":
            response = as_carol.delete(url)
        else:
            response = getattr(as_carol, method)(url, data, content_type=JSON)
        assert response.status_code == 403, (method, url, response.content)
        assert response.json()["code"] == "permission_denied"
    multipart = [
        (
            "/api/v1/interaction-templates/CALL/languages",
            {"file": SimpleUploadedFile("a.txt", b"a"), "replace": "true"},
        ),
        (
            "/api/v1/interactions/with-attachment",
            {"data": json.dumps(interaction), "file": SimpleUploadedFile("a.txt", b"a")},
        ),
    ]
    for url, data in multipart:
        assert as_carol.post(url, data).status_code == 403, url
    assert InteractionLogEntry.objects.count() == 2


def test_anonymous_calls_get_401(db) -> None:
    client = Client()
    for url in (
        "/api/v1/interaction-groups",
        "/api/v1/interaction-templates",
        "/api/v1/interaction-log-entries",
        "/api/v1/postponed-interactions",
        "/api/v1/attachments/1",
        "/api/v1/opportunities/OP000001",
    ):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.json()["code"] == "not_authenticated"
    assert post(client, "/api/v1/interactions", {}).status_code == 401
    assert (
        post(client, "/api/v1/interaction-log-entries/cancel", {"entry_nos": [1]}).status_code
        == 401
    )


def test_the_openapi_schema_lists_the_interaction_endpoints(api) -> None:
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/interaction-groups/{interaction_group_code}/statistics",
        "/api/v1/interaction-templates/{template_code}/languages",
        "/api/v1/interactions/with-attachment",
        "/api/v1/interaction-log-entries/delete-canceled",
        "/api/v1/postponed-interactions/{entry_no}/resume",
        "/api/v1/contacts/{contact_no}/phone-calls",
        "/api/v1/attachments/{attachment_no}",
        "/api/v1/salespeople/{salesperson_code}/statistics",
    ):
        assert path in paths, path
