"""E-mail logging against a real IMAP server (dovecot on loopback, see conftest.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, transaction

from rapport.accounts.services import create_salesperson
from rapport.contacts.services import create_contact, create_contact_alt_address
from rapport.core.models import JobStatus
from rapport.interactions import services as interactions
from rapport.interactions.attachments import read_content
from rapport.interactions.models import InteractionLogEntry
from rapport.mailbox import services
from rapport.mailbox.models import LoggedMessage, UnmatchedMessage
from rapport.mailbox.tests.conftest import Dovecot, append, folder_messages, message

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(alice: Any) -> dict[str, Any]:
    group = interactions.create_interaction_group(actor=alice, code="EMAIL")
    template = interactions.create_interaction_template(
        actor=alice,
        code="EMAIL",
        group=group,
        description="E-mail",
        unit_cost=Decimal(0),
        information_flow="",
        initiated_by="",
        correspondence_type="email",
        ignore_contact_corres_type=True,
    )
    aino = create_salesperson(
        actor=alice, code="AH", name="Aino Heikkinen", email="Aino@Rapport.test"
    )
    kesko = create_contact(actor=alice, name="Kesko Oyj", email="info@kesko.fi")
    matti = create_contact(
        actor=alice, name="Matti Virtanen", type="person", email="matti@kesko.fi"
    )
    return {"template": template, "aino": aino, "kesko": kesko, "matti": matti}


@pytest.fixture
def setup(alice: Any, imap: Dovecot, world: dict[str, Any]) -> Any:
    return services.update_mailbox_setup(
        actor=alice,
        host=imap.host,
        port=imap.port,
        security="none",
        username=imap.user,
        password=imap.password,
        queue_folder="INBOX",
        storage_folder="Logged",
        template=world["template"],
        enabled=True,
    )


def run(alice: Any) -> dict[str, Any]:
    return services.log_mailbox(actor=alice)


def test_an_email_from_a_contact_to_a_salesperson_is_logged_inbound_and_moved(
    alice: Any, setup: Any, imap: Dovecot, world: dict[str, Any]
) -> None:
    append(imap, message(sender="Kesko <INFO@kesko.fi>", to="aino@rapport.test"))

    result = run(alice)

    assert result["logged"] == 1 and result["entries"] == 1
    entry = InteractionLogEntry.objects.get()
    assert entry.contact == world["kesko"]
    assert entry.salesperson == world["aino"]
    assert (entry.information_flow, entry.initiated_by) == ("inbound", "them")
    assert entry.correspondence_type == "email"
    assert entry.template == world["template"]
    assert entry.description == "Offer for spring"
    assert folder_messages(imap, "INBOX") == []
    assert len(folder_messages(imap, "Logged")) == 1
    logged = LoggedMessage.objects.get()
    assert logged.message_id == "offer-1@kesko.fi" and logged.moved_at is not None
    assert logged.entry_nos == [entry.pk]


def test_an_email_from_a_salesperson_is_logged_outbound_once_per_contact(
    alice: Any, setup: Any, imap: Dovecot, world: dict[str, Any]
) -> None:
    append(
        imap,
        message(
            sender="aino@rapport.test",
            to="Matti <matti@kesko.fi>, stranger@example.com",
            cc="info@kesko.fi",
            subject="Re: offer",
        ),
    )

    result = run(alice)

    assert result["entries"] == 2
    entries = InteractionLogEntry.objects.order_by("contact__name")
    assert [e.contact for e in entries] == [world["kesko"], world["matti"]]
    assert {(e.information_flow, e.initiated_by, e.salesperson_id) for e in entries} == {
        ("outbound", "us", world["aino"].pk)
    }


def test_a_contact_is_matched_through_an_alternative_address(
    alice: Any, setup: Any, imap: Dovecot, world: dict[str, Any]
) -> None:
    create_contact_alt_address(
        actor=alice, contact=world["matti"], code="home", email="Matti.Private@example.com"
    )
    append(imap, message(sender="matti.private@example.com", to="aino@rapport.test"))

    result = run(alice)

    assert result["logged"] == 1
    assert InteractionLogEntry.objects.get().contact == world["matti"]


def test_an_alternative_address_of_a_privacy_blocked_contact_never_matches(
    alice: Any, setup: Any, imap: Dovecot, world: dict[str, Any]
) -> None:
    blocked = create_contact(actor=alice, name="Liisa Blocked", privacy_blocked=True)
    create_contact_alt_address(actor=alice, contact=blocked, code="HOME", email="liisa@example.com")
    append(imap, message(sender="liisa@example.com", to="aino@rapport.test"))

    result = run(alice)

    assert result["logged"] == 0 and result["unmatched"] == 1


def test_an_alternative_address_shared_by_two_contacts_matches_the_first_by_no(
    alice: Any, world: dict[str, Any]
) -> None:
    first, second = sorted([world["kesko"], world["matti"]], key=lambda c: c.no)
    create_contact_alt_address(actor=alice, contact=second, code="A", email="shared@example.com")
    create_contact_alt_address(actor=alice, contact=first, code="B", email="shared@example.com")

    found = services.alt_address_email(["SHARED@EXAMPLE.COM"])

    assert found == {"SHARED@EXAMPLE.COM": first}


def test_an_unmatched_email_stays_in_the_queue_and_is_listed(
    alice: Any, setup: Any, imap: Dovecot, client_for: Any
) -> None:
    append(imap, message(sender="stranger@example.com", to="aino@rapport.test"))
    append(
        imap,
        message(
            sender="aino@rapport.test", to="someone@example.com", message_id="<two@rapport.test>"
        ),
    )

    result = run(alice)

    assert result["unmatched"] == 2 and result["logged"] == 0
    assert InteractionLogEntry.objects.count() == 0
    assert len(folder_messages(imap, "INBOX")) == 2
    reasons = dict(UnmatchedMessage.objects.values_list("message_id", "reason_code"))
    assert reasons == {"offer-1@kesko.fi": "unknown_sender", "two@rapport.test": "no_contact"}
    client = client_for(alice)
    page = client.get("/mailbox/unmatched/")
    assert page.status_code == 200
    assert "stranger@example.com" in page.content.decode()
    body = client.get("/api/v1/email-logging/unmatched").json()
    assert body["count"] == 2
    assert {row["reason_code"] for row in body["items"]} == {"unknown_sender", "no_contact"}

    run(alice)  # seen again: still one row each
    assert UnmatchedMessage.objects.count() == 2


def test_a_message_that_later_matches_is_logged_and_leaves_the_unmatched_list(
    alice: Any, setup: Any, imap: Dovecot
) -> None:
    append(imap, message(sender="new@customer.fi", to="aino@rapport.test"))
    run(alice)
    assert UnmatchedMessage.objects.count() == 1

    create_contact(actor=alice, name="New Customer", email="new@customer.fi")
    result = run(alice)

    assert result["logged"] == 1
    assert UnmatchedMessage.objects.count() == 0


def test_a_message_taken_out_of_the_queue_leaves_the_unmatched_list(
    alice: Any, setup: Any, imap: Dovecot
) -> None:
    append(imap, message(sender="stranger@example.com", to="aino@rapport.test"))
    run(alice)
    assert UnmatchedMessage.objects.count() == 1
    conn = imap.connect()
    conn.select("INBOX")
    conn.store("1:*", "+FLAGS.SILENT", r"(\Deleted)")
    conn.expunge()
    conn.logout()

    run(alice)

    assert UnmatchedMessage.objects.count() == 0


def test_running_twice_logs_a_message_once(alice: Any, setup: Any, imap: Dovecot) -> None:
    append(imap, message(sender="info@kesko.fi", to="aino@rapport.test"))
    run(alice)
    # The same message arrives again (e.g. a second copy put into the queue).
    append(imap, message(sender="info@kesko.fi", to="aino@rapport.test"))

    result = run(alice)

    assert result["logged"] == 0 and result["moved_already_logged"] == 1
    assert InteractionLogEntry.objects.count() == 1
    assert folder_messages(imap, "INBOX") == []


def test_a_crash_between_logging_and_moving_does_not_log_twice(
    alice: Any, setup: Any, imap: Dovecot, monkeypatch: Any
) -> None:
    append(imap, message(sender="info@kesko.fi", to="aino@rapport.test"))

    def crash(self: Any, uid: str, folder: str) -> None:
        raise OSError("connection reset")

    monkeypatch.setattr("rapport.mailbox.imap.Mailbox.move", crash)
    first = run(alice)
    assert first["failed"] == 1
    assert InteractionLogEntry.objects.count() == 1  # logged, then the move failed
    assert len(folder_messages(imap, "INBOX")) == 1
    monkeypatch.undo()

    second = run(alice)

    assert second["moved_already_logged"] == 1 and second["logged"] == 0
    assert InteractionLogEntry.objects.count() == 1
    assert folder_messages(imap, "INBOX") == []
    assert LoggedMessage.objects.get().moved_at is not None


def test_the_message_id_is_unique_in_the_database(alice: Any, world: dict[str, Any]) -> None:
    LoggedMessage.objects.create(message_id="x@y", direction="inbound")
    with pytest.raises(IntegrityError), transaction.atomic():
        LoggedMessage.objects.create(message_id="x@y", direction="inbound")


def test_the_stored_eml_is_byte_identical_to_the_message(
    alice: Any, setup: Any, imap: Dovecot
) -> None:
    raw = message(
        sender="info@kesko.fi",
        to="aino@rapport.test",
        subject="=?utf-8?q?Tarjous_k=C3=A4ytt=C3=B6=C3=B6n?=",
        body="Hyvää päivää\r\n".encode().decode(),
    )
    append(imap, raw)

    run(alice)

    entry = InteractionLogEntry.objects.get()
    assert entry.description == "Tarjous käyttöön"
    assert entry.attachment is not None and entry.attachment.read_only
    assert entry.attachment.file_extension == "eml"
    assert read_content(entry.attachment) == raw


def test_an_oversize_message_is_refused_with_an_error_and_stays(
    alice: Any, setup: Any, imap: Dovecot
) -> None:
    services.update_mailbox_setup(actor=alice, max_message_bytes=2048)
    append(imap, message(sender="info@kesko.fi", to="aino@rapport.test", body="x" * 5000))
    append(
        imap,
        message(sender="info@kesko.fi", to="aino@rapport.test", message_id="<small@kesko.fi>"),
    )

    result = run(alice)

    assert result["too_large"] == 1 and result["logged"] == 1
    assert "too large" in result["message_errors"]
    row = UnmatchedMessage.objects.get(reason_code="too_large")
    assert row.message_id == "offer-1@kesko.fi"
    assert len(folder_messages(imap, "INBOX")) == 1


def test_hostile_messages_get_an_error_each_and_never_stop_the_run(
    alice: Any, setup: Any, imap: Dovecot
) -> None:
    broken = (
        b"From: info@kesko.fi\r\nTo: aino@rapport.test\r\nMessage-ID: <broken@kesko.fi>\r\n"
        b"Subject: =?x-unknown?q?=FF=FE?=\r\nContent-Type: multipart/mixed; boundary=\r\n\r\n"
        b"--\r\n\xff\xfe garbage without an end\r\n"
    )
    append(imap, broken)
    injected = message(
        sender="info@kesko.fi",
        to="aino@rapport.test",
        subject="=?utf-8?q?Hi=0D=0ABcc:_evil@example.com?=",
        message_id="<inject@kesko.fi>",
    )
    append(imap, injected)
    append(imap, b"garbage that is no e-mail at all")

    result = run(alice)

    assert result["logged"] == 2
    descriptions = set(InteractionLogEntry.objects.values_list("description", flat=True))
    assert "Hi Bcc: evil@example.com" in descriptions
    assert all("\n" not in d and "\r" not in d for d in descriptions)
    assert UnmatchedMessage.objects.filter(reason_code="no_sender").count() == 1


def test_a_refused_entry_is_a_per_message_error(
    alice: Any, setup: Any, imap: Dovecot, world: dict[str, Any]
) -> None:
    from rapport.contacts.services import update_contact

    person = create_contact(
        actor=alice, name="Liisa", type="person", company=world["kesko"], email="liisa@kesko.fi"
    )
    update_contact(actor=alice, contact=world["kesko"], privacy_blocked=True)
    append(imap, message(sender="liisa@kesko.fi", to="aino@rapport.test"))

    result = run(alice)

    assert result["failed"] == 1, result
    assert "blocked due to privacy" in result["message_errors"]
    assert person.pk and InteractionLogEntry.objects.count() == 0
    assert UnmatchedMessage.objects.get().reason_code == "error"
    assert LoggedMessage.objects.count() == 0  # rolled back with the entry


def test_the_move_falls_back_to_copy_and_expunge_without_move(
    alice: Any, setup: Any, imap: Dovecot, monkeypatch: Any
) -> None:
    from rapport.mailbox import imap as imap_module

    original = imap_module.Mailbox.__init__

    def without_move(self: Any, setup: Any) -> None:
        original(self, setup)
        self.capabilities.discard("MOVE")

    monkeypatch.setattr(imap_module.Mailbox, "__init__", without_move)
    append(imap, message(sender="info@kesko.fi", to="aino@rapport.test"))

    run(alice)

    assert folder_messages(imap, "INBOX") == []
    assert len(folder_messages(imap, "Logged")) == 1


def test_bad_credentials_fail_the_job_with_a_clear_error(
    alice: Any, setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    services.update_mailbox_setup(actor=alice, password="wrong")
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_mailbox_run(actor=alice)
    job.refresh_from_db()

    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Connecting to the mailbox : The mailbox rapport at 127.0.0.1")
    assert "uthentication failed" in job.error


def test_run_now_runs_the_job_and_reports_counts(
    alice: Any, setup: Any, imap: Dovecot, client_for: Any, django_capture_on_commit_callbacks: Any
) -> None:
    append(imap, message(sender="info@kesko.fi", to="aino@rapport.test"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(alice).post("/api/v1/email-logging-setup/run")
    assert response.status_code == 202
    from rapport.core.models import Job

    job = Job.objects.get(pk=response.json()["job_id"])
    assert job.status == JobStatus.SUCCEEDED
    assert job.result["logged"] == 1
    page = client_for(alice).get(f"/core/jobs/{job.pk}/").content.decode()
    assert "Log email messages from the mailbox" in page and "Messages logged" in page


def test_the_scheduler_starts_a_run_when_due_and_only_then(
    alice: Any, setup: Any, imap: Dovecot, django_capture_on_commit_callbacks: Any
) -> None:
    import datetime

    from django.utils import timezone

    append(imap, message(sender="info@kesko.fi", to="aino@rapport.test"))
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        first = services.schedule_mailbox_run(now)
    assert first is not None
    assert InteractionLogEntry.objects.count() == 1
    assert services.schedule_mailbox_run(now + datetime.timedelta(minutes=5)) is None
    services.update_mailbox_setup(actor=alice, enabled=False)
    assert services.schedule_mailbox_run(now + datetime.timedelta(hours=1)) is None


def test_the_connection_test_says_what_is_wrong(alice: Any, setup: Any, imap: Dovecot) -> None:
    assert "ready to use" in services.test_mailbox_connection(actor=alice)
    services.update_mailbox_setup(actor=alice, storage_folder="Archive/Missing")
    with pytest.raises(ValidationError) as caught:
        services.test_mailbox_connection(actor=alice)
    assert "The Archive/Missing folder does not exist" in caught.value.messages[0]
    assert caught.value.messages[0].startswith("Opening storage folder : ")


def test_the_log_mailbox_command_logs_the_queue(
    alice: Any, setup: Any, imap: Dovecot, capsys: Any
) -> None:
    append(imap, message(sender="info@kesko.fi", to="aino@rapport.test"))
    call_command("log_mailbox", "--user", "alice")
    assert json.loads(capsys.readouterr().out)["logged"] == 1
