"""The e-mail logging setup: service rules, page and API (no IMAP server needed)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rapport.interactions import services as interactions
from rapport.mailbox import services
from rapport.mailbox.queries import mailbox_setup

pytestmark = pytest.mark.django_db


def test_queue_and_storage_folders_cannot_be_the_same(alice: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.update_mailbox_setup(actor=alice, queue_folder="INBOX", storage_folder="inbox")
    assert caught.value.message_dict["storage_folder"] == [
        "The queue and storage folders cannot be the same. Choose a different folder."
    ]


def test_logging_cannot_be_enabled_without_a_template(alice: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        services.update_mailbox_setup(
            actor=alice,
            host="imap.example.com",
            username="u",
            storage_folder="Logged",
            enabled=True,
        )
    assert "template" in caught.value.message_dict


def test_only_admins_change_the_setup(bob: Any, carol: Any) -> None:
    for user in (bob, carol):
        with pytest.raises(PermissionDenied):
            services.update_mailbox_setup(actor=user, host="imap.example.com")


def test_the_password_is_stored_but_never_shown(alice: Any, client_for: Any) -> None:
    client = client_for(alice)
    response = client.patch(
        "/api/v1/email-logging-setup",
        json.dumps(
            {"host": "imap.example.com", "password": "s3cret-pass", "storage_folder": "Logged"}
        ),
        "application/json",
    )
    assert response.status_code == 200
    body = response.json()
    assert "password" not in body and body["has_password"] is True
    assert "s3cret-pass" not in response.content.decode()
    assert mailbox_setup().password == "s3cret-pass"
    page = client.get("/mailbox/")
    assert page.status_code == 200 and "s3cret-pass" not in page.content.decode()
    # Saving the page with a blank password keeps the stored one.
    form = {
        "host": "imap.example.com",
        "port": "993",
        "security": "tls",
        "username": "",
        "password": "",
        "queue_folder": "INBOX",
        "storage_folder": "Logged",
        "template": "",
        "batch_size": "50",
        "interval_minutes": "10",
        "max_message_bytes": "1048576",
    }
    assert client.post("/mailbox/", form).status_code == 302
    assert mailbox_setup().password == "s3cret-pass"


def test_the_api_names_an_unknown_template(alice: Any, client_for: Any) -> None:
    response = client_for(alice).patch(
        "/api/v1/email-logging-setup", json.dumps({"template_code": "NOPE"}), "application/json"
    )
    assert response.status_code == 422
    assert response.json()["field"] == "template_code"


def test_the_api_sets_the_template(alice: Any, client_for: Any) -> None:
    group = interactions.create_interaction_group(actor=alice, code="EMAIL")
    interactions.create_interaction_template(
        actor=alice, code="EMAIL", group=group, description="E-mail", unit_cost=Decimal(0)
    )
    response = client_for(alice).patch(
        "/api/v1/email-logging-setup", json.dumps({"template_code": "email"}), "application/json"
    )
    assert response.status_code == 200 and response.json()["template_code"] == "EMAIL"


def test_run_now_needs_an_enabled_setup(alice: Any, client_for: Any) -> None:
    response = client_for(alice).post("/api/v1/email-logging-setup/run")
    assert response.status_code == 422
    assert response.json()["code"] == "no_template"


def test_the_pages_answer_with_and_without_htmx(alice: Any, client_for: Any, carol: Any) -> None:
    client = client_for(alice)
    for url in ("/mailbox/", "/mailbox/unmatched/", "/mailbox/logged/"):
        assert client.get(url).status_code == 200
        assert client.get(url, headers={"HX-Request": "true"}).status_code == 200
    assert client_for(carol).get("/mailbox/").status_code == 403


def test_without_a_template_of_its_own_the_mailbox_uses_the_setups_e_mails_template(
    alice: Any,
) -> None:
    group = interactions.create_interaction_group(actor=alice, code="MAIL")
    template = interactions.create_interaction_template(
        actor=alice, code="EMAIL", group=group, correspondence_type=""
    )
    interactions.update_template_setup(actor=alice, emails=template)
    setup = services.update_mailbox_setup(
        actor=alice, host="imap.example.com", username="u", storage_folder="Logged", enabled=True
    )
    assert setup.template is None
    assert services.mailbox_template(setup) == template
