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
    """The events, oldest first (without the test users' own creation)."""
    qs = AuditEvent.objects.filter(**filters).exclude(object_type="accounts.user")
    return list(qs.order_by("pk"))


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


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_flush_still_empties_the_database() -> None:
    record_audit(actor=None, action="create", object_type="x.y", object_key="1")
    # Sequences stay where they are: later tests restore rows with their old ids.
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)
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
    assert list(AuditEvent.objects.filter(object_type="x.y")) == [second, first]
    assert first is not None and first.at <= datetime.datetime.now(datetime.UTC)


# --- the Audit Trail page and API -------------------------------------------------------------


@pytest.fixture
def trail(alice: Any) -> None:
    """Three events: alice creates FIN and SWE, then changes FIN."""
    fin = LANGUAGES.create(actor=alice, code="FIN", name="Finnish")
    LANGUAGES.create(actor=alice, code="SWE", name="Swedish")
    LANGUAGES.update(alice, fin, {"name": "Suomi"})


def test_an_admin_reads_the_audit_trail_with_before_and_after(
    alice: Any, client_for: Any, trail: None
) -> None:
    response = client_for(alice).get("/core/audit/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Audit Trail" in html
    assert "Finnish" in html and "Suomi" in html
    assert html.count("<tr>") >= 3


def test_the_audit_trail_is_in_the_navigation_for_admins_only(
    alice: Any, carol: Any, client_for: Any
) -> None:
    assert 'href="/core/audit/"' in client_for(alice).get("/core/jobs/").content.decode()
    assert 'href="/core/audit/"' not in client_for(carol).get("/core/jobs/").content.decode()


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ("", ["FIN", "SWE", "FIN"]),
        ("?action=change", ["FIN"]),
        ("?object_key=swe", ["SWE"]),
        ("?actor=alice&action=create", ["SWE", "FIN"]),
        ("?actor=bob", []),
        ("?object_type=core.language&q=Swed", ["SWE"]),
        ("?date_from=2000-01-01&date_to=9998-12-31", ["FIN", "SWE", "FIN"]),
        ("?date_to=2000-01-01", []),
        ("?sort=at", ["FIN", "SWE", "FIN"]),
    ],
)
def test_the_audit_trail_api_filters_like_the_page(
    alice: Any, client_for: Any, trail: None, query: str, keys: list[str]
) -> None:
    response = client_for(alice).get("/api/v1/audit-events" + query)
    assert response.status_code == 200, response.content
    body = response.json()
    got = [item["object_key"] for item in body["items"] if item["object_type"] == "core.language"]
    assert got == keys


def test_the_api_returns_who_what_when_and_the_changes(
    alice: Any, client_for: Any, trail: None
) -> None:
    body = client_for(alice).get("/api/v1/audit-events?action=change").json()
    (item,) = body["items"]
    assert item["actor_name"] == "alice"
    assert item["object_type"] == "core.language"
    assert item["changes"] == {"name": ["Finnish", "Suomi"]}
    assert item["at"]


def test_an_invalid_audit_filter_is_a_422_naming_it(alice: Any, client_for: Any) -> None:
    for query, field in [
        ("?action=frobnicate", "action"),
        ("?object_type=nope.nothing", "object_type"),
        ("?date_from=yesterday", "date_from"),
        ("?colour=red", "colour"),
    ]:
        response = client_for(alice).get("/api/v1/audit-events" + query)
        assert response.status_code == 422, query
        assert response.json()["field"] == field


def test_the_page_filters_by_action_and_key(alice: Any, client_for: Any, trail: None) -> None:
    html = client_for(alice).get("/core/audit/?action=change").content.decode()
    assert "Suomi" in html and "Swedish" not in html
    html = client_for(alice).get("/core/audit/?object_key=SWE").content.decode()
    assert "Swedish" in html and "Suomi" not in html
    htmx = client_for(alice).get("/core/audit/?object_key=SWE", HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert "<h1>" not in htmx.content.decode()


def test_a_viewer_cannot_read_the_whole_audit_trail(
    carol: Any, client_for: Any, trail: None
) -> None:
    client = client_for(carol)
    assert client.get("/core/audit/").status_code == 403
    assert client.get("/api/v1/audit-events").status_code == 403


def test_a_viewer_reads_the_history_of_a_record_they_may_view(
    carol: Any, client_for: Any, trail: None
) -> None:
    client = client_for(carol)
    response = client.get("/core/audit/?object_type=core.language&object_key=FIN")
    assert response.status_code == 200
    assert "Suomi" in response.content.decode()
    body = client.get("/api/v1/audit-events?object_type=core.language&object_key=FIN").json()
    assert [item["action"] for item in body["items"]] == ["change", "create"]
    # ...but not the history of records they may not view (users are for admins).
    assert client.get("/core/audit/?object_type=accounts.user").status_code == 403


def test_a_code_table_card_shows_its_history(alice: Any, client_for: Any, trail: None) -> None:
    html = client_for(alice).get("/core/languages/FIN/").content.decode()
    assert "History" in html
    assert "Suomi" in html
    assert "/core/audit/?object_type=core.language&amp;object_key=FIN" in html


def test_audit_events_are_not_editable_in_the_django_admin() -> None:
    from django.contrib import admin

    assert AuditEvent not in admin.site._registry


def test_events_say_whether_a_page_or_the_api_made_the_change(alice: Any, client_for: Any) -> None:
    from django.urls import reverse

    client = client_for(alice)
    response = client.post(reverse(f"core:{LANGUAGES.key}_new"), {"code": "FIN", "name": "Finnish"})
    assert response.status_code == 302, response.content.decode()[:500]
    response = client.post(
        "/api/v1/languages", {"code": "SWE", "name": "Swedish"}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    sources = {e.object_key: e.source for e in events(object_type="core.language")}
    assert sources == {"FIN": "page", "SWE": "api"}
