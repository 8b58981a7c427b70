"""The audit trail of the interaction log and the templates: who, what, when, before/after;
one event per set-based change."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from rapport.core.models import AuditEvent
from rapport.interactions import services
from rapport.interactions.models import InteractionLogEntry

pytestmark = pytest.mark.django_db

ENTRY = "interactions.interactionlogentry"
TEMPLATE = "interactions.interactiontemplate"


def events(object_type: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_type=object_type).order_by("pk"))


def test_creating_an_interaction_records_who_what_and_the_values(
    bob: Any, interact: Any, company: Any, call_template: Any
) -> None:
    entry = interact(company, call_template, description="Called about the fair")
    (event,) = events(ENTRY)
    assert (event.action, event.actor, event.object_key) == ("create", bob, str(entry.pk))
    assert event.changes["description"] == [None, "Called about the fair"]
    assert event.changes["contact"] == [None, company.no]
    assert event.changes["template"] == [None, "CALL"]


def test_a_refused_interaction_records_nothing(
    bob: Any, company: Any, call_template: Any, alice: Any
) -> None:
    from rapport.contacts.services import update_contact

    update_contact(actor=alice, contact=company, privacy_blocked=True)
    with pytest.raises(ValidationError):
        services.create_interaction(
            actor=bob,
            data=services.InteractionInput(contact=company, template=call_template),
        )
    assert events(ENTRY) == []


def test_cancel_and_restore_of_many_entries_write_one_event_each_with_the_range(
    bob: Any, interact: Any, company: Any, person: Any, call_template: Any
) -> None:
    made = [interact(c, call_template) for c in (company, person, company)]
    nos = sorted(e.pk for e in made)
    entries = InteractionLogEntry.objects.filter(pk__in=nos)
    assert services.cancel_entries(actor=bob, entries=entries) == 3
    assert services.cancel_entries(actor=bob, entries=entries) == 0  # nothing changed: no event
    services.restore_entries(actor=bob, entries=entries)
    cancel, restore = [e for e in events(ENTRY) if e.action != "create"]
    assert cancel.action == "cancel" and restore.action == "restore"
    assert cancel.object_key == f"{nos[0]}..{nos[-1]}"
    assert cancel.details == {"count": 3, "first": nos[0], "last": nos[-1]}
    assert cancel.actor == bob


def test_deleting_a_canceled_entry_keeps_its_values_in_the_trail(
    alice: Any, interact: Any, company: Any, call_template: Any
) -> None:
    entry = interact(company, call_template, description="Wrong number")
    services.cancel_entries(actor=alice, entries=InteractionLogEntry.objects.filter(pk=entry.pk))
    services.delete_canceled_entry(actor=alice, entry=entry)
    deleted = events(ENTRY)[-1]
    assert deleted.action == "delete"
    assert deleted.object_key == str(entry.pk)
    assert deleted.changes["description"] == ["Wrong number", None]
    assert deleted.changes["canceled"] == [True, None]


def test_purging_canceled_entries_writes_one_event_with_count_and_range(
    alice: Any, interact: Any, company: Any, call_template: Any, settings: Any
) -> None:
    settings.RAPPORT_BATCH_SIZE = 2  # several batches, still one event
    made = [interact(company, call_template) for _ in range(5)]
    nos = sorted(e.pk for e in made)
    services.cancel_entries(actor=alice, entries=InteractionLogEntry.objects.filter(pk__in=nos))
    deleted = services.delete_canceled_entries(actor=alice, filters=services.PurgeFilter())
    assert deleted == 5
    purges = [e for e in events(ENTRY) if e.action == "purge"]
    assert len(purges) == 1
    assert purges[0].details["count"] == 5
    assert (purges[0].details["first"], purges[0].details["last"]) == (nos[0], nos[-1])


def test_comments_and_evaluations_are_in_the_entry_history(
    bob: Any, interact: Any, company: Any, call_template: Any
) -> None:
    entry = interact(company, call_template)
    comment = services.add_entry_comment(actor=bob, entry=entry, comment="Call back Monday")
    services.delete_entry_comment(actor=bob, comment=comment)
    services.evaluate_entries(
        actor=bob, entries=InteractionLogEntry.objects.filter(pk=entry.pk), evaluation="positive"
    )
    history = [e for e in events(ENTRY) if e.object_key == str(entry.pk)]
    assert [e.action for e in history] == ["create", "change", "change", "change"]
    assert history[1].details["comment_added"] == "Call back Monday"
    assert history[2].details["comment_deleted"] == "Call back Monday"
    assert history[3].details["evaluation"] == "positive"


def test_template_changes_record_before_and_after(
    alice: Any, dave: Any, group: Any, call_template: Any
) -> None:
    services.update_interaction_template(
        actor=dave, template=call_template, unit_cost=Decimal("3.75"), description="Call"
    )
    created, changed = events(TEMPLATE)
    assert created.action == "create" and created.actor == alice
    assert changed.actor == dave
    assert changed.object_key == "CALL"
    assert changed.changes == {
        "description": ["Phone call", "Call"],
        "unit_cost": ["2.50", "3.75"],
    }
    services.delete_interaction_template(actor=dave, template=call_template)
    assert events(TEMPLATE)[-1].action == "delete"


def test_template_languages_and_the_setup_are_audited(
    alice: Any, call_template: Any, group: Any
) -> None:
    from rapport.core.models import Language

    fin = Language.objects.get(code="FI")
    row = services.save_template_language(
        actor=alice, template=call_template, language=fin, description="Puhelu"
    )
    services.delete_template_language(actor=alice, row=row)
    change, delete = events(TEMPLATE)[1:]
    assert change.details["template_language"] == "FI"
    assert change.details["description"] == "Puhelu"
    assert delete.details == {"template_language_deleted": "FI"}

    services.update_template_setup(actor=alice, meeting_invitation=call_template)
    (setup,) = events("interactions.interactiontemplatesetup")
    assert setup.changes["meeting_invitation"] == [None, "CALL"]


def test_the_entry_card_and_template_card_show_their_history(
    alice: Any, client_for: Any, interact: Any, company: Any, call_template: Any
) -> None:
    entry = interact(company, call_template, description="Met at the fair")
    client = client_for(alice)
    html = client.get(f"/interactions/entries/{entry.pk}/").content.decode()
    assert "History" in html and "Met at the fair" in html
    html = client.get("/interactions/templates/CALL/").content.decode()
    assert "History" in html


def test_a_purge_run_as_a_job_says_so_in_the_trail(
    alice: Any,
    interact: Any,
    company: Any,
    call_template: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    entry = interact(company, call_template)
    services.cancel_entries(actor=alice, entries=InteractionLogEntry.objects.filter(pk=entry.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.start_delete_canceled_entries(actor=alice, filters=services.PurgeFilter())
    (purge,) = [e for e in events(ENTRY) if e.action == "purge"]
    assert purge.source == "job"
    assert purge.actor == alice
