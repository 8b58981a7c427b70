"""The audit trail: who changed what and when, before and after, never edited afterwards."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from rapport.core.audit import record_audit, snapshot
from rapport.core.models import AuditEvent, Language
from rapport.core.tables import LANGUAGES, NUMBER_SERIES

pytestmark = pytest.mark.django_db


def events(**filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("pk"))


def test_a_code_table_row_created_changed_and_deleted_records_who_what_and_before_after(
    alice: Any,
) -> None:
    series = NUMBER_SERIES.create(actor=alice, code="T", starting_no="T0001", description="One")
    series = NUMBER_SERIES.update(alice, series, {"description": "Two", "increment_by": 5})
    NUMBER_SERIES.delete(alice, series)

    created, changed, deleted = events(object_type="core.numberseries")
    assert (created.action, created.actor, created.actor_name) == ("create", alice, "alice")
    assert created.object_key == "T"
    assert created.changes["starting_no"] == [None, "T0001"]
    assert changed.action == "change"
    assert changed.changes == {"description": ["One", "Two"], "increment_by": [1, 5]}
    assert deleted.action == "delete"
    assert deleted.changes["description"] == ["Two", None]
    assert deleted.at >= created.at


def test_an_edit_that_changes_nothing_records_nothing(alice: Any) -> None:
    language = LANGUAGES.create(actor=alice, code="FIN", name="Finnish")
    LANGUAGES.update(alice, language, {"name": "Finnish"})
    assert [e.action for e in events(object_type="core.language")] == ["create"]


def test_a_rolled_back_change_records_nothing(alice: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        LANGUAGES.create(actor=alice, code="FIN", name="Finnish")
        raise RuntimeError("boom")
    assert not Language.objects.filter(code="FIN").exists()
    assert events() == []


def test_a_refused_change_records_nothing(alice: Any, carol: Any) -> None:
    with pytest.raises(PermissionDenied):
        LANGUAGES.create(actor=carol, code="FIN", name="Finnish")
    assert events() == []


def test_the_system_is_recorded_as_system_without_a_user(db: None) -> None:
    from rapport.accounts.services import system_actor

    LANGUAGES.create(actor=system_actor(), code="FIN", name="Finnish")
    (event,) = events()
    assert event.actor_id is None
    assert event.actor_name == "system"


def test_sensitive_values_are_never_written_only_that_they_changed(alice: Any) -> None:
    event = record_audit(
        actor=alice,
        action="change",
        object_type="mailbox.mailboxsetup",
        object_key="1",
        before={"password": "old", "server": "a"},
        after={"password": "new", "server": "a"},
    )
    assert event is not None
    assert event.changes == {"password": ["***", "***"]}


def test_snapshot_gives_json_values_and_related_rows_by_their_key(alice: Any) -> None:
    from rapport.accounts.services import create_salesperson
    from rapport.contacts.services import create_contact

    salesperson = create_salesperson(actor=alice, code="AH", name="Aino")
    contact = create_contact(actor=alice, name="Kesko", salesperson=salesperson)
    values = snapshot(contact, ["name", "salesperson"])
    assert values == {"name": "Kesko", "salesperson": "AH"}
    json.dumps(snapshot(contact))


def test_an_audit_event_cannot_be_saved_again_or_deleted_through_the_orm(alice: Any) -> None:
    event = record_audit(actor=alice, action="create", object_type="x.y", object_key="1")
    assert event is not None
    event.action = "delete"
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.filter(pk=event.pk).update(action="delete")
    with pytest.raises(PermissionDenied):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == "create"


def test_the_database_refuses_a_raw_update_of_an_audit_event(alice: Any) -> None:
    event = record_audit(actor=alice, action="create", object_type="x.y", object_key="1")
    assert event is not None
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditevent SET action = 'delete' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).action == "create"


def test_the_database_refuses_a_raw_delete_of_an_audit_event(alice: Any) -> None:
    event = record_audit(actor=alice, action="create", object_type="x.y", object_key="1")
    assert event is not None
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_flush_still_empties_the_database(alice: Any) -> None:
    record_audit(actor=alice, action="create", object_type="x.y", object_key="1")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    # ...and the table refuses deletes again afterwards.
    record_audit(actor=None, action="create", object_type="x.y", object_key="2")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditevent")


def test_deleting_a_user_keeps_their_events_and_name(db: None) -> None:
    from rapport.conftest import make_user

    erin = make_user("erin", "admin")
    LANGUAGES.create(actor=erin, code="FIN", name="Finnish")
    erin.delete()
    (event,) = events(object_type="core.language")
    assert event.actor_name == "erin"


def test_events_are_ordered_newest_first(alice: Any) -> None:
    first = record_audit(actor=alice, action="create", object_type="x.y", object_key="1")
    second = record_audit(actor=alice, action="create", object_type="x.y", object_key="2")
    assert list(AuditEvent.objects.all()) == [second, first]
    assert first is not None and first.at <= datetime.datetime.now(datetime.UTC)
