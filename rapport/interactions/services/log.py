"""The interaction log: cancel, restore, evaluate, comments, postponed entries, purges."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import CASCADE, SET_NULL, ForeignObjectRel, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.contacts.models import Contact
from rapport.core import services as core_services
from rapport.core.audit import record_audit, record_set_audit, snapshot
from rapport.core.events import emit
from rapport.core.validation import (
    PermissionDenied,
    field_error,
    require_perm,
    validate_instance,
)
from rapport.interactions.models import (
    InteractionGroup,
    InteractionLogEntry,
    InteractionLogEntryComment,
    InteractionTemplate,
    StoredFile,
)
from rapport.interactions.services.common import TODAY, Progress, fill_in
from rapport.interactions.services.setup import delete_unreferenced_attachments

# --- the log: cancel, restore, evaluate, comments ----------------------------------------------

# Later apps (segments, campaigns) register checks that forbid restoring an entry whose logged
# segment or campaign entry is canceled (rules 2).
restore_checks: list[Callable[[QuerySet[InteractionLogEntry]], None]] = []

# "Delete Canceled Interaction Log Entries" grows its batches up to this many times
# RAPPORT_BATCH_SIZE.
PURGE_BATCH_GROWTH = 10


@transaction.atomic
def cancel_entries(*, actor: Any, entries: QuerySet[InteractionLogEntry]) -> int:
    """Mark entries canceled; statistics stop counting them. Returns how many changed."""
    require_perm(actor, "interactions.cancel_interactionlogentry")
    changing = entries.filter(canceled=False, postponed=False)
    # Locked in Entry No. order, as every cancel/restore does: concurrent ones never deadlock.
    ids = list(
        InteractionLogEntry.objects.select_for_update()
        .filter(pk__in=changing.values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    changed = InteractionLogEntry.objects.filter(pk__in=ids, canceled=False).update(canceled=True)
    if ids:
        emit("entry.canceled", {"entry_nos": ids})
    record_set_audit(actor=actor, action="cancel", model=InteractionLogEntry, keys=ids)
    return changed


@transaction.atomic
def restore_entries(*, actor: Any, entries: QuerySet[InteractionLogEntry]) -> int:
    require_perm(actor, "interactions.cancel_interactionlogentry")
    changing = entries.filter(canceled=True, postponed=False)
    # Lock first, then check: a parent (a logged segment) canceled meanwhile is either seen
    # here or waits for these locks and cancels the entries again after this restore.
    ids = list(
        InteractionLogEntry.objects.select_for_update()
        .filter(pk__in=changing.values("pk"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for check in restore_checks:
        check(InteractionLogEntry.objects.filter(pk__in=ids))
    changed = InteractionLogEntry.objects.filter(pk__in=ids, canceled=True).update(canceled=False)
    if ids:
        emit("entry.restored", {"entry_nos": ids})
    record_set_audit(actor=actor, action="restore", model=InteractionLogEntry, keys=ids)
    return changed


@transaction.atomic
def evaluate_entries(*, actor: Any, entries: QuerySet[InteractionLogEntry], evaluation: str) -> int:
    require_perm(actor, "interactions.change_interactionlogentry")
    from rapport.interactions.models import Evaluation

    if evaluation not in Evaluation.values:
        raise field_error("evaluation", _("Choose a valid evaluation."), "invalid_choice")
    ids = list(entries.filter(postponed=False).values_list("pk", flat=True))
    changed = entries.filter(postponed=False).update(evaluation=evaluation)
    record_set_audit(
        actor=actor,
        action="change",
        model=InteractionLogEntry,
        keys=ids,
        details={"evaluation": evaluation},
    )
    return changed


@transaction.atomic
def add_entry_comment(
    *,
    actor: Any,
    entry: InteractionLogEntry,
    comment: str,
    code: str = "",
    date: datetime.date | object | None = TODAY,
) -> InteractionLogEntryComment:
    """Add a comment line to a log entry or a postponed interaction, dated `date` (default
    today; None leaves the date empty). Rapport dates every line; BC dates only the first
    line of a day."""
    require_perm(actor, "interactions.change_interactionlogentry")
    if not (comment or "").strip():
        raise fill_in("comment", _("Comment"))
    entry = InteractionLogEntry.objects.select_for_update().get(pk=entry.pk)
    last = entry.comments.order_by("-line_no").values_list("line_no", flat=True).first() or 0
    row = InteractionLogEntryComment(
        entry=entry,
        line_no=last + 10000,
        code=code,
        comment=comment.strip(),
        date=date if isinstance(date, datetime.date) or date is None else timezone.localdate(),
    )
    validate_instance(row)
    row.save()
    record_audit(
        actor=actor,
        action="change",
        obj=entry,
        details={"comment_added": row.comment, "line_no": row.line_no},
    )
    return row


@transaction.atomic
def delete_entry_comment(*, actor: Any, comment: InteractionLogEntryComment) -> None:
    require_perm(actor, "interactions.change_interactionlogentry")
    entry = comment.entry
    comment.delete()
    record_audit(
        actor=actor, action="change", obj=entry, details={"comment_deleted": comment.comment}
    )


def _entry_references() -> list[tuple[type[Any], str, bool]]:
    """The tables that point at log entries: (model, column, cascade). A cascading reference
    (comments, deliveries) goes with the entry; any other (document events) is emptied."""
    out: list[tuple[type[Any], str, bool]] = []
    for rel in InteractionLogEntry._meta.get_fields(include_hidden=True):
        if isinstance(rel, ForeignObjectRel) and not rel.many_to_many:
            cascade = rel.on_delete is CASCADE
            if not cascade and rel.on_delete is not SET_NULL:
                raise ImproperlyConfigured(f"{rel!r}: the purge handles CASCADE and SET_NULL")
            out.append((cast(type[Any], rel.related_model), rel.field.column, cascade))
    return out


def _delete_entries(entries: QuerySet[InteractionLogEntry]) -> int:
    """Delete a set of entries with their comments, deliveries and unshared attachments (the
    set is a WHERE clause, never a list of ids pulled into Python); document events that
    named them keep their row without the entry."""
    attachment_ids = list(
        entries.exclude(attachment=None)
        .order_by()
        .values_list("attachment_id", flat=True)
        .distinct()
    )
    keys = entries.order_by().values("pk")
    for model, column, cascade in _entry_references():
        rows = model._default_manager.filter(**{f"{column}__in": keys})
        if cascade:
            rows._raw_delete(rows.db)
        else:
            rows.update(**{column: None})
    doomed = entries.order_by()
    count = doomed._raw_delete(doomed.db)  # type: ignore[attr-defined]
    delete_unreferenced_attachments(attachment_ids)
    return int(count)


def _purge_batch(
    base: QuerySet[InteractionLogEntry], *, after: int, size: int
) -> tuple[list[int], int | None]:
    """Delete the first `size` entries of `base` numbered above `after`, with everything
    `_delete_entries` removes. Returns the deleted Entry Nos. and the last one looked at
    (None: nothing left). The batch is read from the partial index of canceled entries."""
    page = base.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:size]
    if connection.vendor == "postgresql":
        ids, looked_at, seen = _purge_batch_postgresql(base, page, after)
        return ids, looked_at if seen == size else None
    ids = list(page)
    if ids:
        _delete_entries(base.filter(pk__gte=ids[0], pk__lte=ids[-1]))
    return ids, ids[-1] if len(ids) == size else None


def _purge_batch_postgresql(
    base: QuerySet[InteractionLogEntry], page: QuerySet[InteractionLogEntry, int], after: int
) -> tuple[list[int], int | None, int]:
    """One statement: the page's last Entry No. (from the partial index), the entries of
    `base` up to it deleted as one range (`base`'s conditions are checked again on the locked
    rows, so an entry restored meanwhile stays), their references; then the unshared
    attachments. Returns the deleted Entry Nos., the page's last one and its size. (Table
    and column names come from the models.)"""
    table = connection.ops.quote_name(InteractionLogEntry._meta.db_table)
    page_sql, page_params = page.query.sql_with_params()
    where_sql, where_params = base.query.get_compiler(connection=connection).compile(
        base.query.where
    )
    steps = [
        f"page(id) AS ({page_sql})",
        "bound AS (SELECT max(id) AS last, count(*) AS seen FROM page)",
        f"gone AS (DELETE FROM {table} WHERE id > %s AND id <= (SELECT last FROM bound) "  # noqa: S608
        f"AND {where_sql} RETURNING id, attachment_id)",
    ]
    for n, (model, column, cascade) in enumerate(_entry_references()):
        other = connection.ops.quote_name(model._meta.db_table)
        name = connection.ops.quote_name(column)
        action = f"DELETE FROM {other}" if cascade else f"UPDATE {other} SET {name} = NULL"  # noqa: S608
        steps.append(f"r{n} AS ({action} WHERE {name} IN (SELECT id FROM gone))")  # noqa: S608
    sql = (
        f"WITH {', '.join(steps)} SELECT id, attachment_id, false FROM gone "  # noqa: S608
        "UNION ALL SELECT last, seen, true FROM bound"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*page_params, after, *where_params])
        rows = cursor.fetchall()
    ids = sorted(pk for pk, _attachment, last in rows if not last)
    [(looked_at, seen)] = [(pk, count) for pk, count, last in rows if last]
    attachments = {attachment for _pk, attachment, last in rows if attachment and not last}
    if attachments:
        delete_unreferenced_attachments(attachments)
    return ids, looked_at, int(seen)


def _require_purge(actor: Any) -> None:
    if actor is None or not actor.has_perm("interactions.purge_interactionlogentry"):
        raise PermissionDenied(_("You do not have permission to do this."))


@transaction.atomic
def delete_canceled_entry(*, actor: Any, entry: InteractionLogEntry) -> None:
    """Delete one canceled entry with its comments and its unshared attachment: the rules of
    "Delete Canceled Interaction Log Entries" (2.7) for a single entry."""
    _require_purge(actor)
    entry = InteractionLogEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.postponed or not entry.canceled:
        raise field_error(
            "canceled",
            _(
                "Canceled must be equal to 'Yes' in Interaction Log Entry: Entry No.=%(no)s. "
                "Current value is 'No'."
            )
            % {"no": entry.pk},
            "not_canceled",
        )
    _delete_entries(InteractionLogEntry.objects.filter(pk=entry.pk))
    emit("entry.deleted", {"entry_nos": [entry.pk]})
    record_audit(actor=actor, action="delete", obj=entry, before=snapshot(entry))


@transaction.atomic
def delete_postponed_interactions(*, actor: Any, entries: QuerySet[InteractionLogEntry]) -> int:
    require_perm(actor, "interactions.delete_interactionlogentry")
    ids = list(entries.filter(postponed=True).values_list("pk", flat=True))
    deleted = _delete_entries(InteractionLogEntry.objects.filter(pk__in=ids)) if ids else 0
    record_set_audit(
        actor=actor,
        action="delete",
        model=InteractionLogEntry,
        keys=ids,
        details={"postponed": True},
    )
    return deleted


@dataclass
class PurgeFilter:
    """Optional filters of "Delete Canceled Interaction Log Entries" (2.7)."""

    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    entry_from: int | None = None
    entry_to: int | None = None
    contact: Contact | None = None
    template: InteractionTemplate | None = None
    group: InteractionGroup | None = None
    salesperson: Salesperson | None = None
    campaign: Campaign | None = None

    def queryset(self) -> QuerySet[InteractionLogEntry]:
        qs = InteractionLogEntry.objects.filter(canceled=True)
        if self.date_from:
            qs = qs.filter(date__gte=self.date_from)
        if self.date_to:
            qs = qs.filter(date__lte=self.date_to)
        if self.entry_from:
            qs = qs.filter(pk__gte=self.entry_from)
        if self.entry_to:
            qs = qs.filter(pk__lte=self.entry_to)
        for name in ("contact", "template", "group", "salesperson", "campaign"):
            value = getattr(self, name)
            if value is not None:
                qs = qs.filter(**{name: value})
        return qs

    def as_params(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value:
                out[name] = value.isoformat()
        for name in ("entry_from", "entry_to"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        for name in ("contact", "template", "group", "salesperson", "campaign"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.pk
        return out

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> PurgeFilter:
        models = {
            "contact": Contact,
            "template": InteractionTemplate,
            "group": InteractionGroup,
            "salesperson": Salesperson,
            "campaign": Campaign,
        }
        kwargs: dict[str, Any] = {}
        for name in ("date_from", "date_to"):
            if params.get(name):
                kwargs[name] = datetime.date.fromisoformat(params[name])
        for name in ("entry_from", "entry_to"):
            if params.get(name):
                kwargs[name] = int(params[name])
        for name, model in models.items():
            if params.get(name):
                kwargs[name] = model._default_manager.get(pk=params[name])  # type: ignore[attr-defined]
        return cls(**kwargs)


def delete_canceled_entries(
    *,
    actor: Any,
    filters: PurgeFilter,
    progress: Progress | None = None,
    total: int | None = None,
) -> int:
    """Delete canceled entries matching `filters`, with their comments and the attachments no
    remaining entry uses. All or nothing, in batches; returns how many entries were deleted.
    `total`: how many `progress` counts towards (the job counted them when it was queued);
    counted here when not given and `progress` is."""
    _require_purge(actor)
    # Batches start at RAPPORT_BATCH_SIZE and grow to PURGE_BATCH_GROWTH times that: a
    # small first batch reports progress soon, larger ones keep the per-batch work (event,
    # progress report, round trips) small beside the rows deleted.
    size = limit = max(1, settings.RAPPORT_BATCH_SIZE)
    limit *= PURGE_BATCH_GROWTH
    base = filters.queryset()
    with transaction.atomic():
        if progress and total is None:
            total = base.count()
        deleted, last = 0, 0
        first_no = last_no = None
        while True:
            # Keyset batches: the next `size` canceled Entry Nos. above the last one seen.
            ids, looked_at = _purge_batch(base, after=last, size=size)
            deleted += len(ids)
            if ids:  # one event per batch, with its entry numbers
                emit("entry.deleted", {"entry_nos": ids})
                first_no = ids[0] if first_no is None else first_no
                last_no = ids[-1]
            if progress and total is not None:
                progress(min(deleted, total), total)
            if looked_at is None:
                break
            last, size = looked_at, min(size * 2, limit)
        if deleted:  # one audit event for the whole purge
            record_audit(
                actor=actor,
                action="purge",
                object_type="interactions.interactionlogentry",
                object_key=f"{first_no}..{last_no}",
                details={
                    "count": deleted,
                    "first": first_no,
                    "last": last_no,
                    "filters": filters.as_params(),
                },
            )
    return deleted


def start_delete_canceled_entries(*, actor: Any, filters: PurgeFilter) -> Any:
    """Queue the purge as a background job (the job page shows its progress)."""
    _require_purge(actor)
    total = filters.queryset().count()
    return core_services.start_job(
        actor=actor,
        kind="interactions.delete_canceled",
        description=_("Delete Canceled Interaction Log Entries"),
        params=filters.as_params(),
        total=total,
    )


def start_relocate_attachments(*, actor: Any) -> Any:
    require_perm(actor, "contacts.change_marketingsetup")
    return core_services.start_job(
        actor=actor,
        kind="interactions.relocate_attachments",
        description=_("Relocate Attachments"),
        total=StoredFile.objects.count(),
    )
