"""Issue 14 point 6: export everything about one contact; erase a contact by anonymising it
while its entries keep counting."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db.models import Q
from django.utils import timezone

from rapport.accounts.services import update_salesperson
from rapport.contacts.models import Contact, ContactAltAddress
from rapport.contacts.services import (
    create_contact,
    create_contact_alt_address,
    update_contact,
)
from rapport.documents import services as documents
from rapport.interactions import queries
from rapport.interactions import services as interactions
from rapport.interactions.attachments import Upload, read_content
from rapport.interactions.models import (
    Delivery,
    DeliveryBundle,
    InteractionLogEntry,
    InteractionLogEntryComment,
    StoredFile,
)
from rapport.interactions.tests.delivery_fixtures import log, run_jobs
from rapport.mailbox import services as mailbox
from rapport.mailbox.imap import MessageInfo
from rapport.mailbox.models import LoggedMessage, UnmatchedMessage
from rapport.mailbox.parse import parse_message
from rapport.privacy import services
from rapport.privacy.models import Erasure
from rapport.segments import services as segments

pytestmark = pytest.mark.django_db

# What must be gone from the whole database after erasing maija (case-insensitive). Covers her
# name, both e-mail addresses, her home page, her addresses and her phone number.
NEEDLES = ["maija", "mehil", "satamakatu", "kotipolku", "123 4567"]


def raw_email(sender: str, to: str, subject: str, message_id: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
        "Date: Tue, 01 Dec 2026 09:30:00 +0000\r\n"
        f"Message-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\nHello, Maija Mehiläinen here.\r\n"
    ).encode()


@pytest.fixture
def history(alice, maija, call_template, mail_template, word_template, salesperson, smtp):
    """Maija's history: a call with a personal file and comments, a canceled call, a postponed
    one, a merged e-mail that was sent, a letter that went to a print bundle, a logged segment,
    an e-mail logged from the mailbox, one left unmatched, and a document event with a PDF."""
    call = log(
        alice,
        maija,
        call_template,
        deliver=False,
        description="Call with Maija about her move",
        contact_via="+358 40 123 4567",
        upload=Upload(b"Notes: Maija Mehilainen moves to Kotipolku 7", "maija notes.txt"),
        comments=["Maija prefers mornings"],
    )
    canceled = log(alice, maija, call_template, deliver=False, description="Canceled call")
    interactions.cancel_entries(
        actor=alice, entries=InteractionLogEntry.objects.filter(pk=canceled.pk)
    )
    postponed = interactions.create_interaction(
        actor=alice,
        data=interactions.InteractionInput(
            contact=maija, template=call_template, description="Call Maija back"
        ),
        postpone=True,
    )
    mailed = log(alice, maija, mail_template, salesperson=salesperson, remarks="Dear Maija!")
    letter = log(alice, maija, word_template, salesperson=salesperson, remarks="For Maija")
    run_jobs()

    segment = segments.create_segment(
        actor=alice, description="Autumn calls", template=call_template, salesperson=salesperson
    )
    segments.add_segment_line(actor=alice, segment=segment, contact=maija, remarks="Hi Maija")
    segments.log_segment(actor=alice, segment=segment)

    email_template = interactions.create_interaction_template(
        actor=alice,
        code="EMAIL",
        group=call_template.group,
        description="E-mail",
        correspondence_type="email",
        ignore_contact_corres_type=True,
    )
    update_salesperson(actor=alice, salesperson=salesperson, email="aino@rapport.test")
    raw = raw_email("maija.mehilainen@example.org", "aino@rapport.test", "Moving", "m1@mail.test")
    parsed = parse_message(raw)
    mailbox.log_email_message(
        actor=alice,
        template=email_template,
        raw=raw,
        parsed=parsed,
        match=mailbox.match_message(parsed),
    )
    stray = raw_email("maija.koti@example.net", "nobody@example.com", "Hello", "m2@mail.test")
    # The mailbox job's own bookkeeping for a message nobody matched.
    mailbox._unmatched(
        parse_message(stray), MessageInfo("7", len(stray), None), "no_salesperson", "no one"
    )

    interactions.update_template_setup(actor=alice, sales_invoices=call_template)
    documents.record_document_event(
        actor=alice,
        data=documents.DocumentEventInput(
            document_type="sales_invoice",
            document_no="INV1001",
            event="posted",
            contact_no=maija.no,
            document_date=timezone.localdate(),
            amount=Decimal("120.00"),
            pdf=Upload(b"%PDF-1.4 Invoice for Maija Mehilainen", "INV1001.pdf", "application/pdf"),
        ),
    )
    return {
        "call": call,
        "canceled": canceled,
        "postponed": postponed,
        "mailed": mailed,
        "letter": letter,
    }


def zip_members(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# --- export --------------------------------------------------------------------------------


def test_the_export_holds_the_contact_entries_attachments_and_segments(alice, maija, history):
    path = services.export_contact_data(actor=alice, contact=maija)
    members = zip_members(path)
    path.unlink()

    for name in (
        "README.txt",
        "contact.json",
        "entries.json",
        "entries.csv",
        "segments.json",
        "campaigns.json",
        "documents.json",
        "mailbox.json",
        "deliveries.json",
    ):
        assert name in members, name
        assert name in members["README.txt"].decode()

    contact = json.loads(members["contact.json"])
    assert contact["contact"]["name"] == "Maija Mehiläinen"
    assert contact["contact"]["email"] == "maija.mehilainen@example.org"
    assert contact["alt_addresses"][0]["email"] == "maija.koti@example.net"
    assert contact["company"]["name"] == "Kesko Oyj"

    entries = json.loads(members["entries.json"])
    all_entries = InteractionLogEntry.objects.filter(contact=maija)
    assert sorted(e["entry_no"] for e in entries) == sorted(
        all_entries.values_list("pk", flat=True)
    )
    by_no = {e["entry_no"]: e for e in entries}
    assert by_no[history["canceled"].pk]["canceled"] is True
    assert by_no[history["postponed"].pk]["postponed"] is True
    call = by_no[history["call"].pk]
    assert call["template_code"] == "CALL"
    assert Decimal(call["cost"]) == Decimal("2.50") and Decimal(call["duration"]) == 10
    assert call["comments"][0]["comment"] == "Maija prefers mornings"
    assert by_no[history["mailed"].pk]["merge_data"]["contact"]["name"] == "Maija Mehiläinen"

    # Each entry's attachment, byte for byte, under a safe unique name.
    assert call["attachment"] == f"attachments/{history['call'].pk}-maija notes.txt"
    assert members[call["attachment"]] == b"Notes: Maija Mehilainen moves to Kotipolku 7"
    for entry in all_entries.exclude(attachment=None):
        row = by_no[entry.pk]
        assert members[row["attachment"]] == read_content(entry.attachment)
    assert all("/" not in n.removeprefix("attachments/") for n in members if n.startswith("att"))

    rows = list(csv.DictReader(io.StringIO(members["entries.csv"].decode())))
    assert len(rows) == len(entries)

    seg = json.loads(members["segments.json"])
    assert [s["segment_no"] for s in seg["logged_segments"]] == [
        InteractionLogEntry.objects.get(contact=maija, segment_no__gt="").segment_no
    ]
    mail = json.loads(members["mailbox.json"])
    assert [m["message_id"] for m in mail["logged_messages"]] == ["m1@mail.test"]
    assert [m["message_id"] for m in mail["unmatched_messages"]] == ["m2@mail.test"]
    docs = json.loads(members["documents.json"])
    assert [d["document_no"] for d in docs] == ["INV1001"]
    deliveries = json.loads(members["deliveries.json"])
    assert "maija.mehilainen@example.org" in [d["recipient"] for d in deliveries]


def test_the_export_is_the_same_bytes_for_the_same_data(alice, maija, history):
    first = services.export_contact_data(actor=alice, contact=maija)
    second = services.export_contact_data(actor=alice, contact=maija)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    first.unlink()
    second.unlink()


def test_the_csv_export_neutralises_formulas(alice, maija, call_template):
    log(alice, maija, call_template, deliver=False, description='=HYPERLINK("http://x","y")')
    path = services.export_contact_data(actor=alice, contact=maija)
    rows = list(csv.DictReader(io.StringIO(zip_members(path)["entries.csv"].decode())))
    path.unlink()
    assert rows[0]["description"] == '\'=HYPERLINK("http://x","y")'


def test_only_admins_may_export_or_erase(bob, carol, maija):
    for actor in (bob, carol):
        with pytest.raises(PermissionDenied):
            services.export_contact_data(actor=actor, contact=maija)
        with pytest.raises(PermissionDenied):
            services.erase_contact(actor=actor, contact=maija)


# --- erase ---------------------------------------------------------------------------------


def statistics(maija: Any, history: Any) -> dict[str, Any]:
    call = history["call"]
    return {
        "template": queries.template_statistics(call.template),
        "group": queries.group_statistics(call.group),
        "salesperson": queries.salesperson_statistics(history["mailed"].salesperson),
        "contact": queries.contact_statistics(maija),
        "company": queries.contact_statistics(maija.company),
        "rows": sorted(
            InteractionLogEntry.objects.values_list(
                "pk",
                "template_id",
                "group_id",
                "date",
                "cost",
                "duration",
                "information_flow",
                "initiated_by",
                "salesperson_id",
                "canceled",
                "postponed",
                "campaign_id",
                "logged_segment_entry_no",
                "contact_id",
                "contact_company_id",
            )
        ),
    }


def _texts(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    if isinstance(value, list):
        return [t for v in value for t in _texts(v)]
    return [str(value)] if value is not None else []


def _file_texts(content: bytes) -> list[str]:
    """A stored file as text, and every member of a zip (a .docx, a print bundle) too."""
    texts = [content.decode("utf-8", "replace")]
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            for name in archive.namelist():
                texts += _file_texts(archive.read(name))
    return texts


def database_hits(needles: list[str]) -> list[str]:
    """Every row of the whole database (dumpdata of every app) and every stored file that
    still holds one of `needles`."""
    out = io.StringIO()
    call_command("dumpdata", stdout=out)
    hits = []
    for row in json.loads(out.getvalue()):
        for text in _texts(row["fields"]):
            if any(n in text.lower() for n in needles):
                hits.append(f"{row['model']} {row['pk']}: {text[:80]}")
    for stored in StoredFile.objects.all():
        for text in _file_texts(read_content(stored)):
            if any(n in text.lower() for n in needles):
                names = list(stored.attachments.values_list("file_name", flat=True))
                hits.append(f"stored file {stored.pk} {names}: {text[:60]!r}")
    return hits


def test_erasing_keeps_every_statistic_and_leaves_no_personal_data_anywhere(alice, maija, history):
    assert database_hits(NEEDLES)  # the search finds her before
    assert DeliveryBundle.objects.exists()
    before = statistics(maija, history)

    erasure = services.erase_contact(actor=alice, contact=maija)

    maija.refresh_from_db()
    assert statistics(maija, history) == before
    # No exceptions: nothing in the database may keep her personal data (the erasure record
    # and the audit trail hold only numbers).
    assert database_hits(NEEDLES) == []
    assert maija.name == f"Erased contact {maija.no}"
    assert maija.privacy_blocked and maija.erased_at is not None and maija.exclude_from_segment
    assert not ContactAltAddress.objects.filter(contact=maija).exists()
    assert not InteractionLogEntryComment.objects.filter(entry__contact=maija).exists()
    assert not Delivery.objects.filter(entry__contact=maija).exclude(recipient="").exists()
    assert not UnmatchedMessage.objects.exists()
    assert LoggedMessage.objects.get().subject == ""
    assert erasure.contact_no == maija.no and erasure.erased_by == alice
    assert erasure.counts["entries"] == InteractionLogEntry.objects.filter(contact=maija).count()


def test_erasing_keeps_who_did_what_when_in_the_audit_trail_but_not_her_values(
    alice, maija, history
):
    from rapport.core.audit import ERASED
    from rapport.core.models import AuditEvent

    call = history["call"]
    mine = AuditEvent.objects.filter(
        Q(object_type="contacts.contact", object_key=maija.no)
        | Q(object_type="interactions.interactionlogentry", object_key=str(call.pk))
    )
    before = list(mine.order_by("pk").values_list("pk", "actor_name", "action", "at"))
    assert before, "her contact and entries have audit events"

    services.erase_contact(actor=alice, contact=maija)

    # Every event is still there with who, what and when; the erasure is one more.
    after = list(mine.order_by("pk").values_list("pk", "actor_name", "action", "at"))
    assert after[: len(before)] == before
    assert [e[1:3] for e in after[len(before) :]] == [("alice", "erase")]
    created = mine.filter(object_type="interactions.interactionlogentry", action="create").get()
    fields = {**created.changes, **created.details}
    text = json.dumps(fields)
    assert ERASED in text and "maija" not in text.lower()
    # What statistics count stays readable.
    kept = {k: v for k, v in fields.items() if k in {"template", "cost", "duration"}}
    assert kept and ERASED not in json.dumps(kept)
    # Outside an erasure the trail is still unchangeable.
    from django.db import DatabaseError, connection, transaction

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET object_repr = 'x'")


def test_erasing_keeps_the_templates_shared_files(alice, maija, history, mail_template):
    layout = mail_template.languages.get().attachment
    services.erase_contact(actor=alice, contact=maija)
    assert read_content(layout)  # the template's file is untouched
    mailed = InteractionLogEntry.objects.get(pk=history["mailed"].pk)
    assert mailed.attachment is not None and mailed.merge_data is None


def test_erasing_twice_is_refused(alice, maija):
    services.erase_contact(actor=alice, contact=maija)
    with pytest.raises(ValidationError, match=f"Contact {maija.no} was erased already."):
        services.erase_contact(actor=alice, contact=maija)
    assert Erasure.objects.count() == 1


def test_a_contact_on_an_unlogged_segment_is_not_erased(alice, maija, call_template):
    segment = segments.create_segment(actor=alice, description="Calls", template=call_template)
    segments.add_segment_line(actor=alice, segment=segment, contact=maija)
    with pytest.raises(ValidationError, match="assigned one or more unlogged segments"):
        services.erase_contact(actor=alice, contact=maija)
    assert Contact.objects.get(pk=maija.pk).name == "Maija Mehiläinen"


def test_a_contact_with_an_open_opportunity_is_not_erased(alice, maija):
    opportunity = interactions.create_opportunity(actor=alice, contact=maija)
    with pytest.raises(ValidationError, match="opportunities are in not started or progress"):
        services.erase_contact(actor=alice, contact=maija)
    interactions.close_opportunity(
        actor=alice, opportunity=opportunity, action="lost", date_closed=timezone.localdate()
    )
    services.erase_contact(actor=alice, contact=maija)
    opportunity.refresh_from_db()
    assert "Maija" not in opportunity.description


def test_a_company_is_erased_only_after_its_persons(alice, maija, company):
    with pytest.raises(ValidationError, match=f"Erase the persons of company {company.no} first."):
        services.erase_contact(actor=alice, contact=company)
    services.erase_contact(actor=alice, contact=maija)
    services.erase_contact(actor=alice, contact=company)
    assert Contact.objects.get(pk=company.pk).erased_at is not None


def test_an_erased_contact_can_never_be_used_again(alice, maija, call_template, mail_template):
    services.erase_contact(actor=alice, contact=maija)
    maija.refresh_from_db()
    with pytest.raises(ValidationError, match="was erased. It cannot be changed."):
        update_contact(actor=alice, contact=maija, privacy_blocked=False)
    with pytest.raises(ValidationError, match="was erased. It cannot be changed."):
        create_contact_alt_address(actor=alice, contact=maija, code="NEW", city="Turku")
    with pytest.raises(ValidationError, match="blocked due to privacy"):
        log(alice, maija, call_template, deliver=False)
    segment = segments.create_segment(actor=alice, description="Calls", template=call_template)
    with pytest.raises(ValidationError):
        segments.add_segment_line(actor=alice, segment=segment, contact=maija)


def test_a_failed_erasure_changes_nothing(alice, maija, history, monkeypatch):
    before = database_hits(NEEDLES)

    def boom(**kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(services.Erasure.objects, "create", boom)
    with pytest.raises(RuntimeError):
        services.erase_contact(actor=alice, contact=maija)
    assert database_hits(NEEDLES) == before
    assert Contact.objects.get(pk=maija.pk).erased_at is None


def test_an_unrelated_contact_is_left_alone(alice, maija, company, call_template):
    other = create_contact(actor=alice, name="Matti Virtanen", type="person", company=company)
    entry = log(alice, other, call_template, deliver=False, description="Matti's call")
    services.erase_contact(actor=alice, contact=maija)
    entry.refresh_from_db()
    assert entry.description == "Matti's call"
    assert Contact.objects.get(pk=other.pk).name == "Matti Virtanen"


def test_a_contact_without_history_exports_empty_lists(alice, maija):
    path = services.export_contact_data(actor=alice, contact=maija)
    files = zip_members(path)
    path.unlink()
    assert json.loads(files["entries.json"]) == []
    assert files["entries.csv"].decode().splitlines() == [",".join(services.ENTRY_COLUMNS)]
    assert not [name for name in files if name.startswith("attachments/")]
