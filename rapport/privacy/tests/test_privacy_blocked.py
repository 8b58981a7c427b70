"""Privacy-blocked contacts are never added to a segment and never sent anything, whichever
path is taken. (Adding by criteria, with and without "ignore exclusion", and adding a line by
hand are tested in rapport/segments/tests/test_criteria.py; a single interaction with delivery
in rapport/interactions/tests/test_create_interaction.py and test_delivery.py.)"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from rapport.contacts.services import create_contact, update_contact
from rapport.documents import services as documents
from rapport.documents.models import DocumentEvent
from rapport.interactions import services as interactions
from rapport.interactions.attachments import Upload
from rapport.interactions.models import DeliveryStatus, InteractionLogEntry
from rapport.interactions.tests.delivery_fixtures import log, run_jobs
from rapport.privacy import services as privacy
from rapport.segments import services as segments
from rapport.segments.models import SegmentLine

pytestmark = pytest.mark.django_db


def block(actor: Any, contact: Any) -> None:
    update_contact(actor=actor, contact=contact, privacy_blocked=True)


def names(segment: Any) -> list[str]:
    return sorted(
        SegmentLine.objects.filter(segment=segment).values_list("contact__name", flat=True)
    )


@pytest.fixture
def matti(alice, company):
    return create_contact(
        actor=alice,
        name="Matti Virtanen",
        type="person",
        company=company,
        email="matti@kesko.example",
        city="Helsinki",
    )


@pytest.fixture
def logged(alice, maija, matti, call_template, salesperson):
    """A logged segment with Maija and Matti."""
    segment = segments.create_segment(
        actor=alice, description="Calls", template=call_template, salesperson=salesperson
    )
    for contact in (maija, matti):
        segments.add_segment_line(actor=alice, segment=segment, contact=contact)
    return segments.log_segment(actor=alice, segment=segment).logged_segment


def new_segment(alice: Any, template: Any, salesperson: Any) -> Any:
    return segments.create_segment(
        actor=alice, description="Again", template=template, salesperson=salesperson
    )


# --- segments ------------------------------------------------------------------------------


def test_reuse_segment_leaves_privacy_blocked_contacts_out(
    alice, maija, logged, call_template, salesperson
):
    block(alice, maija)
    segment = new_segment(alice, call_template, salesperson)
    result = segments.reuse_logged_segment(actor=alice, segment=segment, logged_segment=logged)
    assert names(segment) == ["Matti Virtanen"]
    assert (result.added, result.privacy_blocked) == (1, 1)
    assert result.step is not None and result.step.privacy_blocked_skipped == 1


def test_a_follow_up_segment_leaves_privacy_blocked_contacts_out(alice, maija, logged):
    block(alice, maija)
    follow_up = segments.create_follow_up_segment(actor=alice, logged_segment=logged)
    assert names(follow_up) == ["Matti Virtanen"]


def test_replayed_criteria_leave_privacy_blocked_contacts_out(
    alice, maija, matti, call_template, salesperson
):
    first = new_segment(alice, call_template, salesperson)
    segments.add_contacts(
        actor=alice, segment=first, filters={"contact": {"city": "Helsinki", "type": "person"}}
    )
    assert names(first) == ["Maija Mehiläinen", "Matti Virtanen"]
    saved = segments.save_criteria(actor=alice, segment=first, code="HKI")
    block(alice, maija)
    second = new_segment(alice, call_template, salesperson)
    [result] = segments.reuse_criteria(actor=alice, segment=second, criteria=saved)
    assert names(second) == ["Matti Virtanen"]
    assert result.privacy_blocked == 1


def test_expanding_companies_leaves_privacy_blocked_persons_out(
    alice, maija, matti, company, call_template, salesperson
):
    block(alice, maija)
    segment = new_segment(alice, call_template, salesperson)
    segments.add_contacts(
        actor=alice, segment=segment, filters={"contact": {"no": matti.no}}, expand_companies=True
    )
    assert names(segment) == ["Kesko Oyj", "Matti Virtanen"]


def test_a_privacy_blocked_related_company_is_not_added(
    alice, matti, company, call_template, salesperson
):
    block(alice, company)
    segment = new_segment(alice, call_template, salesperson)
    segments.add_contacts(
        actor=alice,
        segment=segment,
        filters={"contact": {"no": matti.no}},
        allow_related_companies=True,
    )
    assert names(segment) == ["Matti Virtanen"]


def test_a_line_cannot_be_changed_to_a_privacy_blocked_contact(
    alice, maija, matti, call_template, salesperson
):
    segment = new_segment(alice, call_template, salesperson)
    line = segments.add_segment_line(actor=alice, segment=segment, contact=matti)
    block(alice, maija)
    with pytest.raises(ValidationError, match="it is marked Privacy Blocked"):
        segments.update_segment_line(actor=alice, line=line, contact=maija)
    assert names(segment) == ["Matti Virtanen"]


def test_a_segment_with_a_contact_blocked_meanwhile_is_not_logged(
    alice, maija, matti, call_template, salesperson
):
    segment = new_segment(alice, call_template, salesperson)
    for contact in (maija, matti):
        segments.add_segment_line(actor=alice, segment=segment, contact=contact)
    block(alice, maija)
    with pytest.raises(ValidationError, match="marked as Privacy Blocked"):
        segments.log_segment(actor=alice, segment=segment)
    assert not InteractionLogEntry.objects.exists()


# --- sending -------------------------------------------------------------------------------


def test_a_logged_segment_sends_nothing_to_a_contact_blocked_before_the_job_runs(
    alice, maija, matti, mail_template, salesperson, smtp
):
    segment = segments.create_segment(
        actor=alice, description="Offer", template=mail_template, salesperson=salesperson
    )
    for contact in (maija, matti):
        segments.add_segment_line(actor=alice, segment=segment, contact=contact)
    segments.log_segment(actor=alice, segment=segment, deliver=True)
    block(alice, maija)
    run_jobs()
    assert smtp.messages_to("maija.mehilainen@example.org") == []
    assert len(smtp.messages_to("matti@kesko.example")) == 1
    entry = InteractionLogEntry.objects.get(contact=maija)
    assert entry.delivery_status == DeliveryStatus.ERROR


def test_resending_to_a_privacy_blocked_contact_sends_nothing(alice, maija, mail_template, smtp):
    entry = log(alice, maija, mail_template)
    run_jobs()
    assert smtp.count == 1
    block(alice, maija)
    interactions.resend_entries(
        actor=alice, entries=InteractionLogEntry.objects.filter(pk=entry.pk)
    )
    run_jobs()
    entry.refresh_from_db()
    assert smtp.count == 1
    assert entry.delivery_status == DeliveryStatus.ERROR
    assert "Privacy Blocked" in entry.delivery.error


@pytest.fixture
def invoice(alice, maija, call_template):
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
            pdf=Upload(b"%PDF-1.4 invoice", "INV1001.pdf", "application/pdf"),
        ),
    )
    return DocumentEvent.objects.get(document_no="INV1001")


def test_a_document_is_never_sent_to_a_privacy_blocked_contact(alice, maija, invoice, smtp):
    block(alice, maija)
    with pytest.raises(ValidationError, match="Privacy Blocked"):
        documents.send_document(actor=alice, event=invoice)
    assert DocumentEvent.objects.count() == 1


def test_a_document_to_an_erased_contact_is_refused_for_privacy(alice, maija, invoice, smtp):
    privacy.erase_contact(actor=alice, contact=maija)
    with pytest.raises(ValidationError, match="Privacy Blocked"):
        documents.send_document(actor=alice, event=invoice)
    assert smtp.count == 0
