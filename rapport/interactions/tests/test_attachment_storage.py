"""Attachments are immutable and stored once per content (issue #12, point 3): a shared file is
stored once and deleted only when the last reference goes."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from rapport.contacts.services import update_marketing_setup
from rapport.core.models import Language
from rapport.interactions import services
from rapport.interactions.attachments import attachment_storage, read_content
from rapport.interactions.models import Attachment, InteractionLogEntry, StoredFile
from rapport.interactions.tests.conftest import upload


@pytest.fixture
def letter(alice, group):
    return services.create_interaction_template(
        actor=alice, code="LTR", group=group, description="Letter", correspondence_type=""
    )


def _disk(alice, settings, tmp_path, folder: str = "att") -> None:
    settings.RAPPORT_ATTACHMENT_ROOT = tmp_path
    update_marketing_setup(
        actor=alice, attachment_storage_type="disk_file", attachment_storage_location=folder
    )


def _files_on_disk(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_the_same_bytes_on_two_template_languages_are_stored_once(alice, letter) -> None:
    fi = Language.objects.get(code="FI")
    nb = Language.objects.get(code="NB")
    one = services.save_template_language(
        actor=alice, template=letter, language=fi, upload=upload("kirje.txt", b"Hello")
    )
    two = services.save_template_language(
        actor=alice, template=letter, language=nb, upload=upload("brev.txt", b"Hello")
    )
    assert one.attachment_id != two.attachment_id, "two attachments, each with its own name"
    assert one.attachment.file_id == two.attachment.file_id
    assert StoredFile.objects.count() == 1 and Attachment.objects.count() == 2
    assert two.attachment.file_name == "brev.txt" and read_content(two.attachment) == b"Hello"
    assert one.attachment.size == 5 and len(one.attachment.sha256) == 64


def test_an_interaction_from_a_template_shares_the_template_file_in_a_new_read_only_row(
    alice, bob, company, letter, interact, settings, tmp_path
) -> None:
    _disk(alice, settings, tmp_path)
    row = services.save_template_language(
        actor=alice, template=letter, language=None, upload=upload("letter.txt", b"Dear")
    )
    written = _files_on_disk(tmp_path)
    entry = interact(company, letter)
    assert entry.attachment_id and entry.attachment_id != row.attachment_id
    assert entry.attachment.read_only and not row.attachment.read_only
    assert entry.attachment.file_id == row.attachment.file_id, "no byte copy"
    assert StoredFile.objects.count() == 1
    assert _files_on_disk(tmp_path) == written, "nothing written to disk"
    assert read_content(entry.attachment) == b"Dear"


def test_the_bytes_go_with_the_last_reference_and_the_disk_file_after_commit(
    alice, bob, company, letter, interact, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    _disk(alice, settings, tmp_path)
    services.save_template_language(
        actor=alice, template=letter, language=None, upload=upload("letter.txt", b"Dear")
    )
    entry = interact(company, letter)
    stored = StoredFile.objects.get()
    assert attachment_storage().exists(stored.storage_key)

    with django_capture_on_commit_callbacks(execute=True):
        row = letter.languages.get()
        services.remove_template_attachment(actor=alice, row=row)
    assert Attachment.objects.filter(pk=entry.attachment_id).exists()
    assert StoredFile.objects.filter(pk=stored.pk).exists(), "the entry still uses the bytes"
    assert attachment_storage().exists(stored.storage_key)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.cancel_entries(
            actor=alice, entries=InteractionLogEntry.objects.filter(pk=entry.pk)
        )
        services.delete_canceled_entry(actor=alice, entry=entry)
    assert not Attachment.objects.exists() and not StoredFile.objects.exists()
    assert attachment_storage().exists(stored.storage_key), "removed only after commit"
    for callback in callbacks:
        callback()
    assert not attachment_storage().exists(stored.storage_key)
    assert _files_on_disk(tmp_path) == []


def test_relocation_keeps_every_attachment_and_shared_files_stay_shared(
    alice, bob, company, letter, interact, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    settings.RAPPORT_ATTACHMENT_ROOT = tmp_path
    fi = Language.objects.get(code="FI")
    services.save_template_language(
        actor=alice, template=letter, language=None, upload=upload("a.txt", b"shared")
    )
    services.save_template_language(
        actor=alice, template=letter, language=fi, upload=upload("b.txt", b"own")
    )
    entry = interact(company, letter)
    contents = {a.pk: read_content(a) for a in Attachment.objects.all()}
    assert len(contents) == 3 and StoredFile.objects.count() == 2

    update_marketing_setup(
        actor=alice, attachment_storage_type="disk_file", attachment_storage_location="files"
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = services.relocate_attachments(actor=alice)
    assert result == {"attachments": 3, "moved": 2}
    assert set(StoredFile.objects.values_list("storage_type", flat=True)) == {"disk_file"}
    assert len(_files_on_disk(tmp_path)) == 2, "one disk file per content"
    assert {a.pk: read_content(a) for a in Attachment.objects.all()} == contents

    update_marketing_setup(actor=alice, attachment_storage_type="embedded")
    with django_capture_on_commit_callbacks(execute=True):
        services.relocate_attachments(actor=alice)
    assert set(StoredFile.objects.values_list("storage_type", flat=True)) == {"embedded"}
    assert {a.pk: read_content(a) for a in Attachment.objects.all()} == contents
    entry.refresh_from_db()
    template_row = letter.languages.get(language_id=entry.language_id)
    assert entry.attachment.file_id == template_row.attachment.file_id, "still shared"
    assert StoredFile.objects.count() == 2
    assert _files_on_disk(tmp_path) == [], "old disk files removed after commit"


def test_a_replaced_template_attachment_leaves_no_orphan_stored_file(
    alice, letter, settings, tmp_path, django_capture_on_commit_callbacks
) -> None:
    _disk(alice, settings, tmp_path)
    services.save_template_language(
        actor=alice, template=letter, language=None, upload=upload("a.txt", b"first")
    )
    with django_capture_on_commit_callbacks(execute=True):
        row = services.save_template_language(
            actor=alice,
            template=letter,
            language=None,
            upload=upload("b.txt", b"second"),
            replace=True,
        )
    stored = StoredFile.objects.get()
    assert stored.pk == row.attachment.file_id and read_content(stored) == b"second"
    assert Attachment.objects.count() == 1
    assert _files_on_disk(tmp_path) == [tmp_path / stored.storage_key]


def test_replacing_a_file_with_the_same_bytes_keeps_the_stored_file(
    alice, letter, django_capture_on_commit_callbacks
) -> None:
    first = services.save_template_language(
        actor=alice, template=letter, language=None, upload=upload("a.txt", b"same")
    )
    old_attachment, old_file = first.attachment_id, first.attachment.file_id
    row = services.save_template_language(
        actor=alice, template=letter, language=None, upload=upload("b.txt", b"same"), replace=True
    )
    assert row.attachment_id != old_attachment, "an attachment is never changed in place"
    assert not Attachment.objects.filter(pk=old_attachment or 0).exists()
    assert StoredFile.objects.get().pk == old_file


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_uploads_of_the_same_bytes_store_them_once(alice, group) -> None:
    templates = [
        services.create_interaction_template(
            actor=alice, code=code, group=group, correspondence_type=""
        )
        for code in ("RACE1", "RACE2")
    ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def work(template) -> None:
        try:
            barrier.wait()
            services.save_template_language(
                actor=alice, template=template, language=None, upload=upload(content=b"twin")
            )
            result = "saved"
        except BaseException as exc:  # reported below
            result = f"{type(exc).__name__}: {exc}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=work, args=(t,)) for t in templates]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes == ["saved", "saved"], outcomes
    assert Attachment.objects.count() == 2 and StoredFile.objects.count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_stores_existing_duplicate_contents_once(settings, tmp_path) -> None:
    import hashlib

    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    settings.RAPPORT_ATTACHMENT_ROOT = tmp_path
    before = [("interactions", "0004_entry_campaign_entry")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("interactions", "Attachment")
        (tmp_path / "att").mkdir()
        (tmp_path / "att" / "one.txt").write_bytes(b"disk")
        (tmp_path / "att" / "two.txt").write_bytes(b"disk")
        made = [
            old.objects.create(
                file_name="a.txt",
                content=b"same",
                size=4,
                sha256=hashlib.sha256(b"same").hexdigest(),
            ),
            old.objects.create(file_name="b.txt", content=b"same", size=4, sha256=""),
            old.objects.create(file_name="c.txt", content=b"other", size=5, sha256=""),
            old.objects.create(
                file_name="d.txt", storage_type="disk_file", storage_key="att/one.txt", size=4
            ),
            old.objects.create(
                file_name="e.txt", storage_type="disk_file", storage_key="att/two.txt", size=4
            ),
        ]
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        rows = {a.file_name: a for a in Attachment.objects.filter(pk__in=[m.pk for m in made])}
        assert rows["a.txt"].file_id == rows["b.txt"].file_id != rows["c.txt"].file_id
        assert rows["d.txt"].file_id == rows["e.txt"].file_id
        assert StoredFile.objects.count() == 3
        assert {name: read_content(a) for name, a in rows.items()} == {
            "a.txt": b"same",
            "b.txt": b"same",
            "c.txt": b"other",
            "d.txt": b"disk",
            "e.txt": b"disk",
        }
        disk = StoredFile.objects.get(pk=rows["d.txt"].file_id)
        assert (disk.storage_type, disk.storage_key, disk.size) == ("disk_file", "att/one.txt", 4)
        assert disk.sha256 == hashlib.sha256(b"disk").hexdigest()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
