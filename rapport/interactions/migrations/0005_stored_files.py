# Attachments share their bytes: one StoredFile per distinct content (SHA-256), attachments point
# at it. Existing attachments are merged by content; see `share_contents`.

import hashlib

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import migrations, models
import django.db.models.deletion


def _storage():
    # The same place rapport.interactions.attachments.attachment_storage() uses (inlined so the
    # migration does not depend on application code that may change later).
    root = getattr(settings, "RAPPORT_ATTACHMENT_ROOT", settings.MEDIA_ROOT / "attachments")
    return FileSystemStorage(location=root, base_url=None)


def share_contents(apps, schema_editor):
    """One StoredFile per distinct content; every attachment points at its content's file.

    The first attachment (lowest pk) with a given content gives its bytes: embedded bytes are
    copied into the StoredFile, a disk file is adopted under its existing key. Disk files of the
    later duplicates stay on disk unreferenced (harmless; removing them here could not be undone
    if the migration's transaction rolled back)."""
    Attachment = apps.get_model("interactions", "Attachment")
    StoredFile = apps.get_model("interactions", "StoredFile")
    db = schema_editor.connection.alias
    storage = None
    file_of: dict[str, int] = {}
    pending = []
    rows = (
        Attachment.objects.using(db)
        .order_by("pk")
        .values_list("pk", "sha256", "storage_type", "storage_key", "created_at")
    )
    for pk, sha, storage_type, key, created_at in rows.iterator(chunk_size=500):
        content = None
        if storage_type == "disk_file":
            if not sha:
                storage = storage or _storage()
                try:
                    with storage.open(key, "rb") as handle:
                        content = bytes(handle.read())
                except OSError:
                    # A missing file cannot be hashed; keep it as its own (broken) content.
                    sha = hashlib.sha256(f"missing disk file {key}".encode()).hexdigest()
        else:
            if not sha or sha not in file_of:
                raw = Attachment.objects.using(db).filter(pk=pk).values_list("content", flat=True)
                content = bytes(raw[0] or b"")
        if not sha:
            sha = hashlib.sha256(content or b"").hexdigest()
        if sha not in file_of:
            size = len(content) if content is not None else None
            if size is None:
                size = Attachment.objects.using(db).filter(pk=pk).values_list("size", flat=True)[0]
            stored = StoredFile.objects.using(db).create(
                sha256=sha,
                size=size,
                storage_type=storage_type,
                content=content if storage_type != "disk_file" else None,
                storage_key=key if storage_type == "disk_file" else "",
            )
            StoredFile.objects.using(db).filter(pk=stored.pk).update(created_at=created_at)
            file_of[sha] = stored.pk
        pending.append(Attachment(pk=pk, file_id=file_of[sha]))
        if len(pending) >= 500:
            Attachment.objects.using(db).bulk_update(pending, ["file"])
            pending = []
    if pending:
        Attachment.objects.using(db).bulk_update(pending, ["file"])
    if schema_editor.connection.vendor == "postgresql":
        # Check the new foreign keys now, so the ALTER TABLEs below find no pending trigger events.
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):

    dependencies = [
        ('interactions', '0004_entry_campaign_entry'),
    ]

    operations = [
        migrations.CreateModel(
            name='StoredFile',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('sha256', models.CharField(max_length=64, unique=True)),
                ('size', models.PositiveBigIntegerField(default=0, verbose_name='Size')),
                ('storage_type', models.CharField(choices=[('embedded', 'Embedded'), ('disk_file', 'Disk File')], default='embedded', max_length=10, verbose_name='Storage Type')),
                ('content', models.BinaryField(blank=True, null=True, verbose_name='Content')),
                ('storage_key', models.CharField(blank=True, max_length=250, verbose_name='Storage Pointer')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='Created at')),
            ],
            options={
                'verbose_name': 'stored file',
                'verbose_name_plural': 'stored files',
                'base_manager_name': 'objects',
                'indexes': [models.Index(fields=['storage_type'], name='storedfile_storage_type')],
            },
        ),
        migrations.AddField(
            model_name='attachment',
            name='file',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='attachments', to='interactions.storedfile'),
        ),
        migrations.AddField(
            model_name='attachment',
            name='merge_kind',
            field=models.CharField(blank=True, max_length=10),
        ),
        migrations.RunPython(share_contents, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='attachment',
            name='file',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='attachments', to='interactions.storedfile'),
        ),
        migrations.RemoveIndex(
            model_name='attachment',
            name='attachment_storage_type',
        ),
        migrations.RemoveField(model_name='attachment', name='content'),
        migrations.RemoveField(model_name='attachment', name='sha256'),
        migrations.RemoveField(model_name='attachment', name='size'),
        migrations.RemoveField(model_name='attachment', name='storage_key'),
        migrations.RemoveField(model_name='attachment', name='storage_type'),
    ]
