"""Issue #12: logging a segment with merge and delivery over a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import pytest

from rapport.contacts.services import create_contact, update_contact
from rapport.core.jobs import execute_job
from rapport.core.models import JobStatus, Language
from rapport.interactions import services as interactions
from rapport.interactions.models import (
    Attachment,
    DeliveryStatus,
    InteractionLogEntry,
    StoredFile,
)
from rapport.interactions.snapshots import snapshot_values
from rapport.interactions.tests.documents import layout_upload
from rapport.segments import services
from rapport.segments.models import SegmentLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def mailing(alice, letter):
    """The newsletter template as an e-mail merge in English (default) and Finnish."""
    en, fi = Language.objects.get(code="EN"), Language.objects.get(code="FI")
    interactions.update_interaction_template(
        actor=alice,
        template=letter,
        correspondence_type="email",
        ignore_contact_corres_type=True,
        language=en,
    )
    interactions.save_template_language(
        actor=alice,
        template=letter,
        language=en,
        upload=layout_upload(
            "News for {{ contact.name }}",
            "<p>{{ contact.salutation }},</p><p>{{ remarks }}</p><p>{{ salesperson.name }}</p>",
        ),
    )
    interactions.save_template_language(
        actor=alice,
        template=letter,
        language=fi,
        upload=layout_upload("Uutiset: {{ contact.name }}", "<p>{{ contact.salutation }}</p>"),
    )
    letter.refresh_from_db()
    return letter


@pytest.fixture
def readers(alice, world):
    """Three persons with languages of their own (a new person first inherits the company's
    language and communication details)."""
    fi, sv, en = (Language.objects.get(code=c) for c in ("FI", "SV", "EN"))

    def person(name, company, **fields):
        contact = create_contact(actor=alice, name=name, type="person", company=company)
        return update_contact(actor=alice, contact=contact, **fields)

    return [
        person(
            "Aino Aalto",
            world["kesko"],
            first_name="Aino",
            surname="Aalto",
            email="aino@kesko.fi",
            language=fi,
        ),
        person("Sven Svensson", world["equinor"], email="sven@eq.no", language=sv),
        person("Bea Bounce", world["equinor"], email="bounce@eq.no", language=en),
    ]


def segment_of(alice, anna, template, contacts):
    segment = services.create_segment(
        actor=alice, description="Winter news", template=template, salesperson=anna
    )
    services.add_contacts(
        actor=alice,
        segment=segment,
        filters={"contact": {"no": "|".join(c.no for c in contacts)}},
    )
    return segment


def test_logging_with_deliver_sends_each_contact_its_document_in_its_language(
    alice, anna, mailing, readers, smtp
):
    segment = segment_of(alice, anna, mailing, readers)
    aino_line = SegmentLine.objects.get(segment=segment, contact=readers[0])
    services.update_segment_line(actor=alice, line=aino_line, remarks="Nähdään messuilla!")
    smtp.refuse.add("bounce@eq.no")
    result = services.log_segment(actor=alice, segment=segment, deliver=True)
    assert result.delivery_job is not None
    job = execute_job(result.delivery_job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error

    [aino] = smtp.messages_to("aino@kesko.fi")
    assert aino["Subject"] == "Uutiset: Aino Aalto"  # Finnish row
    assert "Hyvä Aino Aalto" in aino.get_body(("html",)).get_content()
    [sven] = smtp.messages_to("sven@eq.no")
    assert sven["Subject"] == "News for Sven Svensson"  # no Swedish row: the default
    assert "Anna Ahonen" in sven.get_body(("plain",)).get_content()
    assert smtp.messages_to("bounce@eq.no") == []

    entries = InteractionLogEntry.objects.filter(logged_segment_entry_no=result.logged_segment.pk)
    counts = interactions.delivery_counts(entries)
    assert counts["sent"] == 2 and counts["error"] == 1

    # Resend all failed entries of the logged segment: only the bounced one goes again.
    smtp.refuse.clear()
    again = interactions.resend_entries(actor=alice, entries=entries, failed_only=True)
    execute_job(again.pk)
    assert interactions.delivery_counts(entries)["sent"] == 3
    assert len(smtp.messages_to("bounce@eq.no")) == 1
    assert len(smtp.messages_to("aino@kesko.fi")) == 1
    assert entries.count() == 3  # resending logs nothing


def test_the_logged_merge_values_equal_what_one_interaction_would_keep(
    alice, anna, mailing, readers
):
    segment = segment_of(alice, anna, mailing, readers)
    line = SegmentLine.objects.get(segment=segment, contact=readers[0])
    services.update_segment_line(actor=alice, line=line, remarks="<b>Hei</b> & tervetuloa")
    lines = {
        line.contact_id: line
        for line in SegmentLine.objects.filter(segment=segment).select_related(
            "contact__company", "contact__language", "salesperson", "language"
        )
    }
    result = services.log_segment(actor=alice, segment=segment, deliver=False)
    entries = InteractionLogEntry.objects.filter(logged_segment_entry_no=result.logged_segment.pk)
    assert entries.count() == 3
    for entry in entries:
        line = lines[entry.contact_id or 0]
        expected = snapshot_values(
            contact=line.contact,
            salesperson=line.salesperson,
            description=line.description,
            subject=line.subject or line.description,
            date=line.date,
            remarks=line.remarks,
            language=line.language,
        )
        assert entry.merge_data == expected
    aino = entries.get(contact=readers[0]).merge_data
    assert aino is not None and aino["contact"]["salutation"] == "Hyvä Aino Aalto"


def test_logging_a_segment_writes_no_files(alice, anna, mailing, world, readers):
    segment = segment_of(alice, anna, mailing, [*readers, world["matti"], world["kari"]])
    attachments, stored = Attachment.objects.count(), StoredFile.objects.count()
    result = services.log_segment(actor=alice, segment=segment, deliver=False)
    assert result.interactions == 5
    # Entries share the segment's (now read-only) template files; no file per line.
    assert Attachment.objects.count() == attachments
    assert StoredFile.objects.count() == stored
    shared = InteractionLogEntry.objects.filter(logged_segment_entry_no=result.logged_segment.pk)
    assert shared.order_by().values("attachment_id").distinct().count() == 2  # EN and FI


def test_without_deliver_nothing_is_sent_and_no_job_starts(alice, anna, mailing, readers, smtp):
    segment = segment_of(alice, anna, mailing, readers)
    result = services.log_segment(actor=alice, segment=segment, deliver=False)
    assert result.delivery_job is None
    entries = InteractionLogEntry.objects.filter(logged_segment_entry_no=result.logged_segment.pk)
    assert set(entries.values_list("delivery_status", flat=True)) == {DeliveryStatus.BLANK}
    assert smtp.received == []
