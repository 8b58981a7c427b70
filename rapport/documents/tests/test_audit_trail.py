"""A batch of document events is one audit event with its counts, never one per document."""

from __future__ import annotations

from typing import Any

import pytest

from rapport.core.models import AuditEvent
from rapport.documents import services
from rapport.documents.tests.conftest import event

pytestmark = pytest.mark.django_db


def test_a_batch_of_documents_writes_one_audit_event_with_counts_and_entry_range(
    bob: Any, templates: Any, customer: Any
) -> None:
    before = AuditEvent.objects.count()
    results = services.record_document_events(
        actor=bob,
        events=[event(document_no="D-1"), event(document_no="D-2"), event(document_no="D-1")],
    )
    new = list(AuditEvent.objects.order_by("pk")[before:])
    assert len(new) == 1
    (audit,) = new
    assert (audit.action, audit.actor, audit.object_type) == (
        "record",
        bob,
        "documents.documentevent",
    )
    assert audit.details["recorded"] == 2
    assert audit.details["duplicates"] == 1
    nos = sorted(r.entry_no or 0 for r in results[:2])
    assert (audit.details["first_entry_no"], audit.details["last_entry_no"]) == tuple(nos)
    assert audit.object_key == f"{nos[0]}..{nos[1]}"


def test_a_batch_that_records_nothing_writes_no_audit_event(
    bob: Any, templates: Any, customer: Any
) -> None:
    services.record_document_events(actor=bob, events=[event(document_no="D-1")])
    before = AuditEvent.objects.count()
    services.record_document_events(actor=bob, events=[event(document_no="D-1")])  # duplicate
    assert AuditEvent.objects.count() == before
