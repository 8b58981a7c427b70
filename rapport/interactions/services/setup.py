"""Interaction groups, templates, template languages, attachments and the template setup."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _

from rapport.contacts.queries import marketing_setup
from rapport.core.audit import audited, record_audit, snapshot
from rapport.core.models import Language
from rapport.core.validation import (
    field_error,
    require_perm,
    validate_instance,
)
from rapport.interactions import attachments as files
from rapport.interactions import merge
from rapport.interactions.attachments import Upload
from rapport.interactions.models import (
    DOCUMENT_SETUP_FIELDS,
    SETUP_TEMPLATE_FIELDS,
    Attachment,
    DeliveryBundle,
    DocumentType,
    ExtraDocumentType,
    InteractionGroup,
    InteractionLogEntry,
    InteractionTemplate,
    InteractionTemplateLanguage,
    InteractionTemplateSetup,
    StoredFile,
    WizardAction,
)
from rapport.interactions.services.common import Progress, fill_in

# --- interaction groups ------------------------------------------------------------------------


@transaction.atomic
@audited("create")
def create_interaction_group(*, actor: Any, code: str, description: str = "") -> InteractionGroup:
    require_perm(actor, "interactions.add_interactiongroup")
    group = InteractionGroup(code=(code or "").strip().upper(), description=description)
    if not group.code:
        raise fill_in("code", _("Code"))
    validate_instance(group)
    group.save()
    return group


@transaction.atomic
@audited("change", "group")
def update_interaction_group(
    *, actor: Any, group: InteractionGroup, description: str = ""
) -> InteractionGroup:
    require_perm(actor, "interactions.change_interactiongroup")
    group.description = description
    validate_instance(group)
    group.save()
    return group


@transaction.atomic
@audited("delete", "group")
def delete_interaction_group(*, actor: Any, group: InteractionGroup) -> None:
    """Rapport protects a group while templates or log entries use it (BC does not)."""
    require_perm(actor, "interactions.delete_interactiongroup")
    if group.templates.exists() or group.entries.exists():
        raise field_error(
            "code",
            _(
                "You cannot delete interaction group %(code)s because templates or interaction "
                "log entries use it."
            )
            % {"code": group.code},
            "in_use",
        )
    group.delete()


# --- interaction templates ---------------------------------------------------------------------

TEMPLATE_FIELDS = (
    "group",
    "description",
    "unit_cost",
    "unit_duration",
    "information_flow",
    "initiated_by",
    "campaign",
    "campaign_target",
    "campaign_response",
    "correspondence_type",
    "ignore_contact_corres_type",
    "wizard_action",
    "language",
)


def default_language_row(template: InteractionTemplate) -> InteractionTemplateLanguage | None:
    return (
        InteractionTemplateLanguage.objects.select_related("attachment")
        .filter(template=template, language=template.language)
        .first()
        if template.pk
        else None
    )


def check_wizard_action(template: InteractionTemplate) -> None:
    """Rules 5: wizard action vs. the default language's attachment (when that row exists)."""
    row = default_language_row(template)
    if row is None:
        return
    attachment = row.attachment
    html = attachment is not None and attachment.is_html
    # A .docx merge template is Rapport's Word template: Merge is allowed with it.
    word = attachment is not None and attachment.merge_kind == "docx"
    action = template.wizard_action
    bad = (html and action != WizardAction.MERGE) or (
        not html and not word and action == WizardAction.MERGE
    )
    if bad:
        raise field_error(
            "wizard_action",
            _("Wizard Action = %(value)s can not be specified for Interaction Template %(code)s.")
            % {"value": WizardAction(action).label if action else "' '", "code": template.code},
            "wizard_action_invalid",
        )


def _sync_merge_with_language(template: InteractionTemplate) -> None:
    """Changing the default language sets or clears Merge by itself (rules 5)."""
    row = default_language_row(template)
    if row is None:
        return
    if row.attachment is not None and row.attachment.is_html:
        template.wizard_action = WizardAction.MERGE
    elif template.wizard_action == WizardAction.MERGE:
        template.wizard_action = WizardAction.BLANK


@transaction.atomic
def create_interaction_template(*, actor: Any, code: str, **fields: Any) -> InteractionTemplate:
    require_perm(actor, "interactions.add_interactiontemplate")
    template = InteractionTemplate(
        code=(code or "").strip().upper(),
        **{k: v for k, v in fields.items() if k in TEMPLATE_FIELDS},
    )
    if not template.code:
        raise fill_in("code", _("Code"))
    if template.group_id is None:
        raise fill_in("group", _("Interaction Group Code"))
    validate_instance(template)
    template.save()
    if template.language_id is not None:
        _ensure_language_row(template, template.language)
    check_wizard_action(template)
    record_audit(actor=actor, action="create", obj=template, after=snapshot(template))
    return template


def _ensure_language_row(
    template: InteractionTemplate, language: Language | None
) -> InteractionTemplateLanguage:
    row = InteractionTemplateLanguage.objects.filter(template=template, language=language).first()
    if row is None:
        refuse_language_for_document_template(template, language)
        row = InteractionTemplateLanguage.objects.create(
            template=template, language=language, description=template.description
        )
    return row


@transaction.atomic
def update_interaction_template(
    *, actor: Any, template: InteractionTemplate, **fields: Any
) -> InteractionTemplate:
    require_perm(actor, "interactions.change_interactiontemplate")
    template = InteractionTemplate.objects.select_for_update().get(pk=template.pk)
    before = snapshot(template)
    old_language = template.language_id
    for key, value in fields.items():
        if key in TEMPLATE_FIELDS:
            setattr(template, key, value)
    if template.group_id is None:
        raise fill_in("group", _("Interaction Group Code"))
    if template.language_id != old_language:
        # BC asks "Do you want to create Interaction Tmpl. Language ...?"; Rapport creates it.
        _ensure_language_row(template, template.language)
        if "wizard_action" not in fields:
            _sync_merge_with_language(template)
    check_wizard_action(template)
    validate_instance(template)
    template.save()
    record_audit(
        actor=actor, action="change", obj=template, before=before, after=snapshot(template)
    )
    return template


@transaction.atomic
def delete_interaction_template(*, actor: Any, template: InteractionTemplate) -> None:
    """Deletes the template's language rows and their attachments (rules 3). Rapport protects
    templates that log entries or the template setup still use."""
    require_perm(actor, "interactions.delete_interactiontemplate")
    if template.entries.exists() or setup_uses(template, SETUP_TEMPLATE_FIELDS):
        raise field_error(
            "code",
            _("You cannot delete interaction template %(code)s because it is in use.")
            % {"code": template.code},
            "in_use",
        )
    attachment_ids = list(
        template.languages.exclude(attachment=None).values_list("attachment_id", flat=True)
    )
    before = snapshot(template)
    template.languages.all().delete()
    template.delete()
    delete_unreferenced_attachments(attachment_ids)
    record_audit(actor=actor, action="delete", obj=template, before=before)


@transaction.atomic
def save_template_language(
    *,
    actor: Any,
    template: InteractionTemplate,
    language: Language | None,
    description: str = "",
    upload: Upload | None = None,
    replace: bool = False,
) -> InteractionTemplateLanguage:
    """Add or change a template language; an upload becomes (or replaces) its attachment."""
    require_perm(actor, "interactions.change_interactiontemplate")
    row = InteractionTemplateLanguage.objects.filter(template=template, language=language).first()
    if row is None:
        refuse_language_for_document_template(template, language)
        row = InteractionTemplateLanguage(template=template, language=language)
    row.description = description or row.description or template.description
    validate_instance(row)
    old_attachment_id = row.attachment_id
    if upload is not None:
        if row.attachment is not None and row.attachment.read_only:
            raise field_error(
                "attachment", _("Read Only must be equal to 'No' in Attachment."), "read_only"
            )
        if row.attachment is not None and not replace:
            raise field_error(
                "attachment", _("Replace existing attachment?"), "replace_not_confirmed"
            )
        row.attachment = new_template_attachment(actor=actor, upload=upload)
    row.save()
    if upload is not None and old_attachment_id:
        delete_unreferenced_attachments([old_attachment_id])
    if template.language_id == row.language_id:
        _sync_merge_with_language(template)
        template.save(update_fields=["wizard_action"])
    record_audit(
        actor=actor,
        action="change",
        obj=template,
        details={
            "template_language": _language_code(row),
            "description": row.description,
            **({"attachment": row.attachment.file_name} if upload is not None else {}),  # type: ignore[union-attr]
        },
    )
    return row


def _language_code(row: InteractionTemplateLanguage) -> str:
    return row.language.code if row.language_id and row.language else ""


def check_merge_template(upload: Upload, field_name: str = "attachment") -> str:
    """A .docx or .html upload is a merge template: refused at upload when it has a syntax
    error, an unknown field or anything unsafe (the message names the field or line).
    Returns its merge kind ("docx", "html" or "" for any other file)."""
    kind = merge.classify(upload.name, upload.content)
    if kind:
        try:
            merge.check_template(kind, upload.content)
        except merge.MergeTemplateError as exc:
            raise field_error(field_name, exc.message, "merge_template_invalid") from None
    return kind


def new_template_attachment(*, actor: Any, upload: Upload, field_name: str = "attachment") -> Any:
    """Store an uploaded template file (checked as a merge template) under Marketing Setup's
    storage type."""
    kind = check_merge_template(upload, field_name)
    setup = marketing_setup()
    return files.new_attachment(
        upload=upload,
        storage_type=setup.attachment_storage_type,
        folder=setup.attachment_storage_location,
        created_by=actor,
        merge_kind=kind,
    )


def save_email_layout(
    *,
    actor: Any,
    template: InteractionTemplate,
    language: Language | None,
    subject: str,
    body: str,
    replace: bool = True,
) -> InteractionTemplateLanguage:
    """Write a template language's e-mail merge layout (subject and HTML body, both with merge
    fields) as its HTML attachment; Rapport's counterpart of BC's e-mail merge layout."""
    upload = Upload(merge.make_email_layout(subject, body), f"{template.code}.html", "text/html")
    return save_template_language(
        actor=actor, template=template, language=language, upload=upload, replace=replace
    )


def preview_template_language(row: InteractionTemplateLanguage) -> Any:
    """The row's merge template rendered with sample values (the Open/Preview action)."""
    from rapport.interactions.services.delivery import no_attachment_message, preview_document
    from rapport.interactions.snapshots import render_language

    if row.attachment is None:
        raise field_error("attachment", no_attachment_message(), "no_attachment")
    return preview_document(
        row.attachment,
        merge.sample_snapshot(),
        language=render_language(row.language),
        subject=row.description or row.template.description,
    )


@transaction.atomic
def remove_template_attachment(*, actor: Any, row: InteractionTemplateLanguage) -> None:
    require_perm(actor, "interactions.change_interactiontemplate")
    old = row.attachment_id
    row.attachment = None
    row.save(update_fields=["attachment"])
    if old:
        delete_unreferenced_attachments([old])
    template = row.template
    if template.language_id == row.language_id and template.wizard_action == WizardAction.MERGE:
        template.wizard_action = WizardAction.BLANK
        template.save(update_fields=["wizard_action"])
    record_audit(
        actor=actor,
        action="change",
        obj=template,
        details={"template_language": _language_code(row), "attachment_removed": True},
    )


@transaction.atomic
def delete_template_language(*, actor: Any, row: InteractionTemplateLanguage) -> None:
    require_perm(actor, "interactions.change_interactiontemplate")
    old = row.attachment_id
    template = row.template
    row.delete()
    if old:
        delete_unreferenced_attachments([old])
    if template.language_id == row.language_id:
        template.language = None
        template.save(update_fields=["language"])
    record_audit(
        actor=actor,
        action="change",
        obj=template,
        details={"template_language_deleted": _language_code(row)},
    )


# --- Interaction Template Setup ----------------------------------------------------------------

DOCUMENT_LOGGING_FIELDS = list(DOCUMENT_SETUP_FIELDS.values())


def setup_uses(template: InteractionTemplate, fields: Iterable[str]) -> bool:
    """Whether the setup names `template` in one of `fields` (or an extra document type does,
    when the document fields are asked about)."""
    names = list(fields)
    match = Q()
    for name in names:
        match |= Q(**{name: template})
    if names and InteractionTemplateSetup.objects.filter(match).exists():
        return True
    return bool(set(names) & set(DOCUMENT_LOGGING_FIELDS)) and (
        ExtraDocumentType.objects.filter(template=template).exists()
    )


def language_rule_error(field: str, template: InteractionTemplate, language_code: str) -> Any:
    """Rules 13: BC's words when a template for document logging has a template language."""
    return field_error(
        field,
        _(
            "Interaction Template %(template)s has assigned Interaction Template Language "
            "%(language)s.\nIt is not allowed to have languages assigned to templates used for "
            "system document logging."
        )
        % {"template": template.code, "language": language_code},
        "template_has_languages",
    )


def check_document_template(template: InteractionTemplate, field: str) -> None:
    """A template used for document logging may have no template languages (BC 5.1)."""
    row = template.languages.select_related("language").order_by("language__code").first()
    if row is not None:
        raise language_rule_error(field, template, row.language.code if row.language else "")


def refuse_language_for_document_template(
    template: InteractionTemplate, language: Language | None
) -> None:
    """The other side of the rule: no language row for a template the setup uses for documents."""
    if template.pk and setup_uses(template, DOCUMENT_LOGGING_FIELDS):
        raise language_rule_error("language", template, language.code if language else "")


@dataclass
class ExtraDocumentTypeInput:
    code: str
    description: str = ""
    template: InteractionTemplate | None = None


@transaction.atomic
def update_template_setup(
    *,
    actor: Any,
    extra_document_types: list[ExtraDocumentTypeInput] | None = None,
    **fields: Any,
) -> InteractionTemplateSetup:
    """Change the fields given (a template, or None for none; `skip_unrecorded_documents`).
    `extra_document_types`, when given, replaces the extra document types (Rapport)."""
    require_perm(actor, "interactions.change_interactiontemplatesetup")
    setup = InteractionTemplateSetup.objects.select_for_update().filter(
        pk=1
    ).first() or InteractionTemplateSetup(pk=1)
    before = snapshot(setup)
    for key, value in fields.items():
        if key in SETUP_TEMPLATE_FIELDS:
            if value is not None and key in DOCUMENT_LOGGING_FIELDS:
                check_document_template(value, key)
            setattr(setup, key, value)
        elif key == "skip_unrecorded_documents":
            setup.skip_unrecorded_documents = bool(value)
    validate_instance(setup)
    setup.save()
    if extra_document_types is not None:
        _replace_extra_document_types(extra_document_types)
    record_audit(
        actor=actor,
        action="change",
        obj=setup,
        before=before,
        after=snapshot(setup),
        details=(
            {"extra_document_types": [(r.code or "").strip().upper() for r in extra_document_types]}
            if extra_document_types is not None
            else None
        ),
    )
    return setup


def _replace_extra_document_types(rows: list[ExtraDocumentTypeInput]) -> None:
    field = "extra_document_types"
    seen: set[str] = set()
    kept: list[int] = []
    for row in rows:
        code = (row.code or "").strip().upper()
        if not code:
            raise fill_in(field, _("Code"))
        if code.lower() in DocumentType.values or code in seen:
            raise field_error(
                field,
                _("The document type %(code)s already exists.") % {"code": code},
                "duplicate",
            )
        seen.add(code)
        if row.template is not None:
            check_document_template(row.template, field)
        item = ExtraDocumentType.objects.filter(code=code).first() or ExtraDocumentType(code=code)
        item.description = row.description or ""
        item.template = row.template
        validate_instance(item)
        item.save()
        kept.append(item.pk)
    ExtraDocumentType.objects.exclude(pk__in=kept).delete()


# --- attachments -------------------------------------------------------------------------------


# Rows that refer to attachments, as (model, foreign key field). Later apps add theirs (segment
# lines and segment languages share attachments too), so no file goes while something uses it.
extra_attachment_references: list[tuple[Any, str]] = []


def attachment_references() -> list[tuple[Any, str]]:
    return [
        (InteractionLogEntry, "attachment"),
        (InteractionTemplateLanguage, "attachment"),
        (DeliveryBundle, "attachment"),
        *extra_attachment_references,
    ]


def delete_unreferenced_attachments(ids: Iterable[int | None]) -> int:
    """Delete those of `ids` that no entry, template language or segment refers to any more
    (rules 3: the last reference deletes), then the stored files no attachment uses any more.
    Set-based; disk files go after commit."""
    wanted = [i for i in set(ids) if i]
    if not wanted:
        return 0
    deleted = 0
    file_ids: set[int] = set()
    for start in range(0, len(wanted), 1000):
        batch = wanted[start : start + 1000]
        orphans = Attachment.objects.filter(pk__in=batch)
        for model, field in attachment_references():
            orphans = orphans.exclude(Exists(model.objects.filter(**{field: OuterRef("pk")})))
        doomed = dict(orphans.values_list("pk", "file_id"))
        if doomed:
            file_ids.update(doomed.values())
            rows = Attachment.objects.filter(pk__in=list(doomed))
            deleted += rows._raw_delete(rows.db)  # type: ignore[attr-defined]
    delete_unused_files(file_ids)
    return deleted


def delete_unused_files(ids: Iterable[int]) -> int:
    """Delete those stored files of `ids` that no attachment refers to. Each is locked first and
    checked again afterwards, so a concurrent upload that reuses it keeps it (that upload locks
    it too). Disk files are removed after commit."""
    wanted = sorted(set(ids))
    deleted = 0
    keys: list[str] = []
    for start in range(0, len(wanted), 1000):
        locked = list(
            StoredFile.objects.select_for_update()
            .filter(pk__in=wanted[start : start + 1000])
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        # A new statement after the locks are held: it sees attachments committed meanwhile.
        unused = StoredFile.objects.filter(pk__in=locked).exclude(
            Exists(Attachment.objects.filter(file=OuterRef("pk")))
        )
        keys += [k for k in unused.values_list("storage_key", flat=True) if k]
        deleted += unused._raw_delete(unused.db)  # type: ignore[attr-defined]
    if keys:
        transaction.on_commit(lambda: files.delete_files(keys))
    return deleted


def relocate_attachments(*, actor: Any, progress: Progress | None = None) -> dict[str, int]:
    """Move every stored file to the storage type and folder now in Marketing Setup, without
    loss: all rows move in one transaction; old disk files are removed only after commit.
    Shared files stay shared (attachments point at stored files, which move)."""
    require_perm(actor, "contacts.change_marketingsetup")
    setup = marketing_setup()
    target, folder = setup.attachment_storage_type, setup.attachment_storage_location
    ids = list(StoredFile.objects.order_by("pk").values_list("pk", flat=True))
    moved = 0
    old_keys: list[str] = []
    with transaction.atomic():
        for start in range(0, len(ids), 200):
            batch = StoredFile.objects.select_for_update().filter(pk__in=ids[start : start + 200])
            for stored in batch.order_by("pk"):
                old_key = files.move_content(stored, target, folder)
                if old_key is not None:
                    moved += 1
                    if old_key:
                        old_keys.append(old_key)
            if progress:
                progress(min(start + 200, len(ids)), len(ids))
        if old_keys:
            transaction.on_commit(lambda: files.delete_files(old_keys))
        attachments = Attachment.objects.count()
    return {"attachments": attachments, "moved": moved}
