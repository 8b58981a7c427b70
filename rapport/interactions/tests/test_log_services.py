from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rapport.contacts.services import create_contact, delete_contact, update_contact
from rapport.core.jobs import execute_job
from rapport.core.models import JobStatus
from rapport.interactions import queries, services
from rapport.interactions.models import (
    Attachment,
    InteractionLogEntry,
    InteractionLogEntryComment,
)
from rapport.interactions.services import InteractionInput, PurgeFilter
from rapport.interactions.services import log as log_services
from rapport.interactions.tests.conftest import upload


def entries(*items):
    return InteractionLogEntry.objects.filter(pk__in=[i.pk for i in items])


def test_postponed_entries_stay_out_of_the_log_and_the_statistics(
    company, call_template, interact
) -> None:
    interact(company, call_template)
    later = interact(company, call_template, postpone=True)
    assert later.postponed
    assert list(InteractionLogEntry.objects.logged()) != [later]
    assert queries.contact_statistics(company).count == 1
    assert queries.template_statistics(call_template).count == 1
    assert queries.group_statistics(call_template.group).count == 1


def test_resuming_finishes_the_same_entry(bob, company, call_template, interact) -> None:
    later = interact(
        company, call_template, postpone=True, comments=["first"], upload=upload("notes.txt", b"v1")
    )
    done = services.create_interaction(
        actor=bob,
        data=InteractionInput(contact=company, template=call_template, description="Finished"),
        resume=later,
    )
    assert done.pk == later.pk and not done.postponed and done.description == "Finished"
    assert done.attachment_id == later.attachment_id, "re-saving keeps the file content"
    assert list(done.comments.values_list("comment", flat=True)) == ["first"]
    assert InteractionLogEntry.objects.count() == 1


def test_resuming_with_a_new_file_replaces_the_old_one_without_orphans(
    bob, company, call_template, interact
) -> None:
    later = interact(company, call_template, postpone=True, upload=upload("a.txt", b"old"))
    old = later.attachment_id
    done = services.create_interaction(
        actor=bob,
        data=InteractionInput(
            contact=company, template=call_template, upload=upload("b.txt", b"new"), comments=["c2"]
        ),
        resume=later,
    )
    assert done.attachment_id != old
    assert not Attachment.objects.filter(pk=old).exists()
    assert list(done.comments.values_list("comment", flat=True)) == ["c2"]


def test_only_postponed_entries_can_be_resumed(bob, company, call_template, interact) -> None:
    entry = interact(company, call_template)
    with pytest.raises(ValidationError, match="Only postponed interactions can be resumed"):
        services.create_interaction(
            actor=bob, data=InteractionInput(contact=company, template=call_template), resume=entry
        )


def test_deleting_a_postponed_interaction_removes_comments_and_unshared_attachment(
    bob, company, call_template, interact
) -> None:
    later = interact(company, call_template, postpone=True, comments=["x"], upload=upload())
    logged = interact(company, call_template)
    assert services.delete_postponed_interactions(actor=bob, entries=entries(later, logged)) == 1
    assert list(InteractionLogEntry.objects.all()) == [logged]
    assert not InteractionLogEntryComment.objects.exists()
    assert not Attachment.objects.exists()


def test_cancel_and_restore_change_what_statistics_count(
    bob, company, person, call_template, interact
) -> None:
    a = interact(company, call_template)
    b = interact(person, call_template, cost=Decimal("7.25"), duration=Decimal(5))
    stats = queries.contact_statistics(company)
    assert (stats.count, stats.cost, stats.duration) == (2, Decimal("9.75"), Decimal(15))
    assert queries.contact_statistics(person).count == 1, "a person counts only itself"
    assert services.cancel_entries(actor=bob, entries=entries(a, b)) == 2
    assert services.cancel_entries(actor=bob, entries=entries(a, b)) == 0
    assert queries.contact_statistics(company).count == 0
    assert services.restore_entries(actor=bob, entries=entries(b)) == 1
    stats = queries.contact_statistics(company)
    assert (stats.count, stats.cost) == (1, Decimal("7.25"))


def test_statistics_respect_a_date_range(company, call_template, interact) -> None:
    interact(company, call_template, date=datetime.date(2026, 1, 10))
    interact(company, call_template, date=datetime.date(2026, 3, 10))
    stats = queries.contact_statistics(company, date_from=datetime.date(2026, 2, 1))
    assert stats.count == 1


def test_a_viewer_cannot_cancel(carol, company, call_template, interact) -> None:
    entry = interact(company, call_template)
    with pytest.raises(PermissionDenied):
        services.cancel_entries(actor=carol, entries=entries(entry))


def test_delete_canceled_entries_deletes_only_canceled_and_shared_files_last(
    alice, bob, company, call_template, interact
) -> None:
    keep = interact(company, call_template, upload=upload("keep.txt"))
    gone = interact(company, call_template, upload=upload("gone.txt"), comments=["bye"])
    shared = interact(company, call_template)
    # Two entries share one attachment (as logged segments do): the file goes with the last.
    InteractionLogEntry.objects.filter(pk=shared.pk).update(attachment=keep.attachment)
    services.cancel_entries(actor=bob, entries=entries(gone, keep))
    deleted = services.delete_canceled_entries(actor=alice, filters=PurgeFilter())
    assert deleted == 2
    assert list(InteractionLogEntry.objects.all()) == [shared]
    assert Attachment.objects.filter(pk=keep.attachment_id).exists(), "still used by `shared`"
    assert not Attachment.objects.filter(pk=gone.attachment_id).exists()
    assert not InteractionLogEntryComment.objects.exists()


def test_delete_canceled_entries_honours_filters(
    alice, bob, company, person, call_template, interact
) -> None:
    a = interact(company, call_template, date=datetime.date(2026, 1, 1))
    b = interact(person, call_template, date=datetime.date(2026, 6, 1))
    services.cancel_entries(actor=bob, entries=entries(a, b))
    assert (
        services.delete_canceled_entries(
            actor=alice, filters=PurgeFilter(date_from=datetime.date(2026, 5, 1))
        )
        == 1
    )
    assert services.delete_canceled_entries(actor=alice, filters=PurgeFilter(contact=person)) == 0
    assert list(InteractionLogEntry.objects.all()) == [a]


def test_only_admins_delete_canceled_entries(bob, dave) -> None:
    for actor in (bob, dave):
        with pytest.raises(PermissionDenied):
            services.delete_canceled_entries(actor=actor, filters=PurgeFilter())


def test_delete_canceled_entries_runs_as_a_job_with_progress(
    alice, bob, company, call_template, interact, settings, django_capture_on_commit_callbacks
) -> None:
    settings.RAPPORT_BATCH_SIZE = 2
    made = [interact(company, call_template) for _ in range(5)]
    services.cancel_entries(actor=bob, entries=entries(*made))
    with django_capture_on_commit_callbacks(execute=False):
        job = services.start_delete_canceled_entries(actor=alice, filters=PurgeFilter())
    assert job.total == 5
    job = execute_job(job.pk)
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result == {"deleted": 5} and (job.done, job.total) == (5, 5)
    assert not InteractionLogEntry.objects.exists()


def test_a_failing_purge_writes_nothing(
    alice, bob, company, call_template, interact, monkeypatch, settings
) -> None:
    settings.RAPPORT_BATCH_SIZE = 1
    made = [interact(company, call_template) for _ in range(3)]
    services.cancel_entries(actor=bob, entries=entries(*made))
    calls = {"n": 0}
    real = log_services._purge_batch

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(log_services, "_purge_batch", flaky)
    with pytest.raises(RuntimeError):
        services.delete_canceled_entries(actor=alice, filters=PurgeFilter())
    assert InteractionLogEntry.objects.count() == 3, "all or nothing"


def test_create_opportunity_from_an_entry_once(bob, company, call_template, interact) -> None:
    entry = interact(company, call_template, comments=["Needs 40 licences"])
    opportunity = services.create_opportunity_from_entry(actor=bob, entry=entry)
    entry.refresh_from_db()
    assert entry.opportunity == opportunity and opportunity.no == "OP000001"
    assert opportunity.description == entry.description
    assert (opportunity.contact, opportunity.contact_company) == (company, company)
    assert list(opportunity.comments.values_list("comment", flat=True)) == ["Needs 40 licences"]
    with pytest.raises(ValidationError, match="Opportunity No. must be equal to ''"):
        services.create_opportunity_from_entry(actor=bob, entry=entry)


def test_no_opportunity_from_a_canceled_entry(bob, company, call_template, interact) -> None:
    entry = interact(company, call_template)
    services.cancel_entries(actor=bob, entries=entries(entry))
    with pytest.raises(ValidationError, match="Canceled must be equal to 'No'"):
        services.create_opportunity_from_entry(actor=bob, entry=entry)


def test_phone_call_uses_the_outgoing_calls_template(alice, bob, company, call_template) -> None:
    with pytest.raises(ValidationError) as exc:
        services.make_phone_call(actor=bob, contact=company)
    assert exc.value.message_dict["outgoing_calls"] == [
        "Outg. Calls must have a value in Interaction Template Setup. It cannot be zero or empty."
    ]
    services.update_template_setup(actor=alice, outgoing_calls=call_template)
    with pytest.raises(ValidationError, match="You must fill in the phone number."):
        services.make_phone_call(actor=bob, contact=company)
    entry = services.make_phone_call(
        actor=bob, contact=company, phone_no="040 123", duration=Decimal(12), attempt_failed=True
    )
    assert entry.template == call_template and entry.contact_via == "040 123"
    assert entry.duration == 12 and entry.attempt_failed and entry.time.second >= 0


def test_contacts_with_entries_cannot_change_type(
    alice, salesperson, call_template, interact
) -> None:
    person = create_contact(actor=alice, name="Solo", type="person", salesperson=salesperson)
    interact(person, call_template)
    with pytest.raises(ValidationError, match="interaction log entries are linked"):
        update_contact(actor=alice, contact=person, type="company")


def test_deleting_a_person_moves_its_entries_to_the_company(
    alice, company, person, call_template, interact
) -> None:
    entry = interact(person, call_template)
    delete_contact(actor=alice, contact=person)
    entry.refresh_from_db()
    assert entry.contact == company and entry.contact_company == company


def test_deleting_a_company_keeps_its_entries_unlinked(
    alice, company, person, call_template, interact
) -> None:
    a, b = interact(company, call_template), interact(person, call_template)
    delete_contact(actor=alice, contact=company)
    for entry in (a, b):
        entry.refresh_from_db()
        assert entry.contact is None and entry.contact_company is None


def test_deleting_a_template_deletes_its_language_attachments(alice, group) -> None:
    template = services.create_interaction_template(
        actor=alice, code="T", group=group, correspondence_type=""
    )
    services.save_template_language(actor=alice, template=template, language=None, upload=upload())
    assert Attachment.objects.count() == 1
    services.delete_interaction_template(actor=alice, template=template)
    assert not Attachment.objects.exists()


def test_templates_in_use_are_protected(alice, company, call_template, interact) -> None:
    interact(company, call_template)
    with pytest.raises(ValidationError, match="because it is in use"):
        services.delete_interaction_template(actor=alice, template=call_template)
    with pytest.raises(ValidationError, match="templates or interaction log entries use it"):
        services.delete_interaction_group(actor=alice, group=call_template.group)


def test_merge_needs_an_html_attachment_on_the_default_language(alice, group) -> None:
    template = services.create_interaction_template(
        actor=alice, code="M", group=group, correspondence_type=""
    )
    services.save_template_language(
        actor=alice, template=template, language=None, upload=upload("x.docx", b"doc")
    )
    with pytest.raises(ValidationError) as exc:
        services.update_interaction_template(actor=alice, template=template, wizard_action="merge")
    assert exc.value.messages == [
        "Wizard Action = Merge can not be specified for Interaction Template M."
    ]
    services.save_template_language(
        actor=alice,
        template=template,
        language=None,
        upload=upload("mail.html", b"<p>Hi</p>"),
        replace=True,
    )
    template.refresh_from_db()
    assert template.wizard_action == "merge", "an e-mail-merge (HTML) attachment forces Merge"
    with pytest.raises(ValidationError, match="Wizard Action = Open can not be specified"):
        services.update_interaction_template(actor=alice, template=template, wizard_action="open")


def test_replacing_a_template_attachment_needs_confirmation_and_leaves_no_orphan(
    alice, group
) -> None:
    template = services.create_interaction_template(
        actor=alice, code="R", group=group, correspondence_type=""
    )
    row = services.save_template_language(
        actor=alice, template=template, language=None, upload=upload("a.txt", b"a")
    )
    with pytest.raises(ValidationError, match="Replace existing attachment"):
        services.save_template_language(
            actor=alice, template=template, language=None, upload=upload("b.txt", b"b")
        )
    old = row.attachment_id
    row = services.save_template_language(
        actor=alice, template=template, language=None, upload=upload("b.txt", b"b"), replace=True
    )
    assert row.attachment_id != old and Attachment.objects.count() == 1


def test_hostile_file_names_never_reach_the_file_system(alice, group, settings, tmp_path) -> None:
    from rapport.contacts.services import update_marketing_setup
    from rapport.interactions.attachments import attachment_storage, read_content

    settings.RAPPORT_ATTACHMENT_ROOT = tmp_path
    update_marketing_setup(
        actor=alice, attachment_storage_type="disk_file", attachment_storage_location="att"
    )
    template = services.create_interaction_template(
        actor=alice, code="H", group=group, correspondence_type=""
    )
    row = services.save_template_language(
        actor=alice,
        template=template,
        language=None,
        upload=upload("../../../etc/passwd\x00.sh", b"root:x"),
    )
    att = row.attachment
    assert att.file_name == "passwd.sh" and att.file.storage_key.startswith("att/")
    assert ".." not in att.file.storage_key and "passwd" not in att.file.storage_key
    assert attachment_storage().exists(att.file.storage_key)
    assert read_content(att) == b"root:x"
    assert list(tmp_path.rglob("*")) == [tmp_path / "att", tmp_path / att.file.storage_key]


def test_oversize_uploads_are_refused_and_nothing_is_stored(
    alice, bob, company, call_template, settings
) -> None:
    settings.RAPPORT_MAX_UPLOAD_BYTES = 10
    with pytest.raises(ValidationError) as exc:
        services.create_interaction(
            actor=bob,
            data=InteractionInput(
                contact=company, template=call_template, upload=upload(content=b"x" * 11)
            ),
        )
    assert "attachment" in exc.value.message_dict
    assert not InteractionLogEntry.objects.exists() and not Attachment.objects.exists()


def test_relocating_attachments_moves_content_both_ways_without_loss(
    alice,
    bob,
    company,
    call_template,
    interact,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
) -> None:
    from rapport.contacts.services import update_marketing_setup
    from rapport.interactions.attachments import read_content

    settings.RAPPORT_ATTACHMENT_ROOT = tmp_path
    entry = interact(company, call_template, upload=upload("a.txt", b"payload"))
    update_marketing_setup(
        actor=alice, attachment_storage_type="disk_file", attachment_storage_location="files"
    )
    result = services.relocate_attachments(actor=alice)
    att = Attachment.objects.get(pk=entry.attachment_id)
    assert result["attachments"] == 1
    assert att.storage_type == "disk_file" and att.file.content is None
    assert read_content(att) == b"payload"
    update_marketing_setup(actor=alice, attachment_storage_type="embedded")
    with django_capture_on_commit_callbacks(execute=True):
        services.relocate_attachments(actor=alice)
    att.refresh_from_db()
    assert att.storage_type == "embedded" and read_content(att) == b"payload"
    assert not any(p.is_file() for p in tmp_path.rglob("*")), "old files removed after commit"


def test_monthly_figures_cover_exactly_the_last_twelve_months(
    company, call_template, interact
) -> None:
    interact(company, call_template, date=datetime.date(2026, 11, 2))
    interact(company, call_template, date=datetime.date(2025, 12, 31))
    interact(company, call_template, date=datetime.date(2025, 11, 30))  # 13 months back
    rows = queries.monthly(queries.contact_entries(company), today=datetime.date(2026, 11, 23))
    assert rows[0]["month"] == datetime.date(2025, 12, 1)
    assert len(rows) == 12
    assert [r["count"] for r in rows] == [1] + [0] * 10 + [1]


def test_a_salesperson_card_offers_create_interaction_and_their_entries(
    alice, client_for, company, call_template, interact, salesperson
) -> None:
    interact(company, call_template)
    html = client_for(alice).get(f"/accounts/salespeople/{salesperson.code}/").content.decode()
    assert f"/interactions/new/?salesperson={salesperson.code}" in html
    assert "Interaction Log Entries (1)" in html
    form = client_for(alice).get(f"/interactions/new/?salesperson={salesperson.code}")
    assert form.status_code == 200


def test_a_new_template_with_merge_and_no_html_attachment_is_refused(alice, group) -> None:
    from rapport.core.models import Language
    from rapport.interactions.models import InteractionTemplate

    with pytest.raises(ValidationError, match="Wizard Action = Merge can not be specified"):
        services.create_interaction_template(
            actor=alice,
            code="NEWM",
            group=group,
            wizard_action="merge",
            language=Language.objects.get(code="FI"),
            correspondence_type="",
        )
    assert not InteractionTemplate.objects.filter(code="NEWM").exists()


def test_a_viewer_cannot_log_phone_calls(carol, company) -> None:
    with pytest.raises(PermissionDenied):
        services.make_phone_call(actor=carol, contact=company)


def test_finnish_users_type_decimal_commas(alice, client_for, company, call_template) -> None:
    client = client_for(alice)
    client.post("/language/", {"language": "fi", "next": "/"})
    response = client.post(
        f"/interactions/templates/{call_template.code}/edit/",
        {
            "group": call_template.group_id,
            "description": "Puhelu",
            "unit_cost": "1,75",
            "unit_duration": "12",
            "correspondence_type": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    call_template.refresh_from_db()
    assert call_template.unit_cost == Decimal("1.75")
