"""A document event keeps its row when "Delete Canceled Interaction Log Entries" removes the
entry it logged (issue 14 point 8: the purge takes every reference to an entry along)."""

from __future__ import annotations

import pytest

from rapport.documents import services
from rapport.documents.models import DocumentEvent
from rapport.documents.tests.conftest import event
from rapport.interactions import services as interactions
from rapport.interactions.models import InteractionLogEntry

pytestmark = pytest.mark.django_db


def test_purging_a_documents_canceled_entry_keeps_the_event_without_it(
    alice, templates, customer
) -> None:
    entry_no = services.record_document_event(actor=alice, data=event()).entry_no
    assert entry_no is not None
    entries = InteractionLogEntry.objects.filter(pk=entry_no)
    [stored] = DocumentEvent.objects.filter(entry_id=entry_no)
    interactions.cancel_entries(actor=alice, entries=entries)
    purge = interactions.PurgeFilter()
    assert interactions.delete_canceled_entries(actor=alice, filters=purge) == 1
    assert not entries.exists()
    stored.refresh_from_db()
    assert stored.entry_id is None
