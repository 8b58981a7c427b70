"""The audit trail of contacts, the marketing setup and imports (one event per file)."""

from __future__ import annotations

from typing import Any

import pytest

from rapport.contacts import services
from rapport.contacts.models import Contact
from rapport.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_contact_edit_records_before_and_after(alice: Any, bob: Any) -> None:
    contact = services.create_contact(actor=bob, name="Kesko Oyj", city="Helsinki")
    services.update_contact(actor=bob, contact=contact, city="Espoo")
    services.delete_contact(actor=bob, contact=Contact.objects.get(pk=contact.pk))
    created, changed, deleted = AuditEvent.objects.filter(
        object_type="contacts.contact", object_key=contact.no
    ).order_by("pk")
    assert created.action == "create" and created.actor == bob
    assert changed.changes == {"city": ["Helsinki", "Espoo"]}
    assert deleted.action == "delete" and deleted.changes["name"] == ["Kesko Oyj", None]


def test_a_marketing_setup_change_is_recorded(alice: Any) -> None:
    services.update_marketing_setup(actor=alice, inherit_address=False)
    (event,) = AuditEvent.objects.filter(object_type="contacts.marketingsetup")
    assert event.actor == alice
    assert event.changes == {"inherit_address": [True, False]}


def test_an_import_writes_one_event_for_the_file(alice: Any) -> None:
    content = b"type,name,city\ncompany,Kesko Oyj,Helsinki\ncompany,Valio Oy,Helsinki\n"
    before = AuditEvent.objects.count()
    result = services.import_contacts(actor=alice, content=content, filename="c.csv", dry_run=False)
    assert result["created"] == 2, result
    new = list(AuditEvent.objects.order_by("pk")[before:])
    assert [(e.action, e.object_type) for e in new] == [("import", "contacts.contact")]
    assert new[0].details["count"] == 2
    assert new[0].details["filename"] == "c.csv"


def test_a_dry_run_import_records_nothing(alice: Any) -> None:
    content = b"type,name\ncompany,Kesko Oyj\n"
    before = AuditEvent.objects.count()
    services.import_contacts(actor=alice, content=content, filename="c.csv", dry_run=True)
    assert AuditEvent.objects.count() == before
