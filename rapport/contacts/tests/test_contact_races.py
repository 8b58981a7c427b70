"""Races between changing or deleting a contact and logging an interaction for it."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from rapport.accounts.services import create_salesperson
from rapport.contacts import services as contact_services
from rapport.contacts.models import Contact
from rapport.contacts.services import create_contact, delete_contact, update_contact
from rapport.interactions import services
from rapport.interactions.models import InteractionLogEntry


def _template(alice: Any) -> Any:
    group = services.create_interaction_group(actor=alice, code="CALLS", description="Calls")
    return services.create_interaction_template(
        actor=alice, code="CALL", group=group, description="Call", correspondence_type=""
    )


def test_logging_for_a_contact_deleted_meanwhile_names_the_contact(alice, bob) -> None:
    template = _template(alice)
    contact = create_contact(actor=alice, name="Gone Oy")
    stale = Contact.objects.get(pk=contact.pk)
    delete_contact(actor=alice, contact=contact)
    with pytest.raises(ValidationError) as caught:
        services.create_interaction(
            actor=bob, data=services.InteractionInput(contact=stale, template=template)
        )
    assert caught.value.error_dict["contact"][0].code == "does_not_exist"
    assert not InteractionLogEntry.objects.exists()


def _wait_for_a_lock_wait(deadline: float) -> None:
    """Poll PostgreSQL until another session waits on a row lock (or the deadline passes)."""
    with connections["default"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the interaction never waited for the contact change")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_type_change_racing_an_interaction_never_leaves_a_person_as_its_own_company(
    alice, bob, monkeypatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers with BEGIN IMMEDIATE; the race needs PostgreSQL")
    template = _template(alice)
    salesperson = create_salesperson(actor=alice, code="AH", name="Aino Heikkinen")
    company = create_contact(actor=alice, name="Kesko Oyj", salesperson=salesperson)
    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    real_change_type = contact_services._change_type

    def slow_change_type(contact: Contact, new_type: str) -> None:
        real_change_type(contact, new_type)
        locked.set()  # update_contact holds the contact's row lock now
        release.wait(timeout=30)

    monkeypatch.setattr(contact_services, "_change_type", slow_change_type)

    def change_type() -> None:
        try:
            update_contact(actor=alice, contact=company, type="person")
        except BaseException as exc:  # asserted below
            errors.append(exc)
        finally:
            locked.set()
            connections.close_all()

    def log() -> None:
        try:
            services.create_interaction(
                actor=bob, data=services.InteractionInput(contact=company, template=template)
            )
        except BaseException as exc:  # asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    changer = threading.Thread(target=change_type)
    changer.start()
    assert locked.wait(timeout=30)
    logger = threading.Thread(target=log)
    logger.start()
    try:
        _wait_for_a_lock_wait(time.monotonic() + 30)
    finally:
        release.set()
        changer.join(timeout=60)
        logger.join(timeout=60)
    assert errors == []
    entry = InteractionLogEntry.objects.get()
    contact = Contact.objects.get(pk=company.pk)
    assert contact.type == "person" and contact.company_id is None
    assert entry.contact_company_id is None, "a person's entry points at itself as company"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_sixteen_concurrent_creators_on_one_number_series_get_sixteen_consecutive_numbers(
    alice,
) -> None:
    """Issue 14 point 4: the real service (not only the allocator), one connection per thread,
    on SQLite and PostgreSQL."""
    barrier = threading.Barrier(16)
    errors: list[BaseException] = []
    made: list[str] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        try:
            barrier.wait()
            contact = create_contact(actor=alice, name=f"Racer {n}", type="person")
            with lock:
                made.append(contact.no)
        except BaseException as exc:  # asserted below
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(made) == [f"CT{n:06d}" for n in range(1, 17)], "unique and without a gap"
    stored = dict(Contact.objects.values_list("name", "no"))
    assert len(stored) == 16 and sorted(stored.values()) == sorted(made)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_person_created_while_its_company_is_renamed_gets_the_new_company_name(
    alice, monkeypatch
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes writers with BEGIN IMMEDIATE; the race needs PostgreSQL")
    company = create_contact(actor=alice, no="ACME", name="Acme Oy")
    locked, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []
    real_propagate = contact_services._propagate_to_persons

    def slow_propagate(*args: Any) -> None:
        locked.set()  # the rename holds the company's row lock, its persons not yet updated
        release.wait(timeout=30)
        real_propagate(*args)

    monkeypatch.setattr(contact_services, "_propagate_to_persons", slow_propagate)

    def rename() -> None:
        try:
            update_contact(actor=alice, contact=company, name="Acme Group Oy")
        except BaseException as exc:  # asserted below
            errors.append(exc)
        finally:
            locked.set()
            connections.close_all()

    def add_person() -> None:
        try:
            create_contact(actor=alice, name="Anna Virtanen", type="person", company=company)
        except BaseException as exc:  # asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    renamer = threading.Thread(target=rename)
    renamer.start()
    assert locked.wait(timeout=30)
    adder = threading.Thread(target=add_person)
    adder.start()
    try:
        _wait_for_a_lock_wait(time.monotonic() + 30)
    finally:
        release.set()
        renamer.join(timeout=60)
        adder.join(timeout=60)
    assert errors == []
    person = Contact.objects.get(name="Anna Virtanen")
    assert (person.company_no, person.company_name) == ("ACME", "Acme Group Oy")
