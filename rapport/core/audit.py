"""The audit trail: `record_audit(...)` from a service, inside its transaction.

A service that changes the ledger, segments, templates or setup calls `record_audit` once,
after the change, in the same transaction: a change that is rolled back leaves no event. An
edit gives `before` and `after` (`snapshot(instance)` of the row before and after the change)
and the event keeps only the fields that changed, as {field: [before, after]}. A set-based
operation (logging a segment, deleting canceled entries, a batch of documents, an import)
writes ONE event with its counts and ranges in `details`, never one per row.

Events are never changed or deleted: the model refuses it, and so does the database (triggers
from migration core 0005), except `manage.py flush` and a privacy erasure, which blanks the
erased person's values in the events of their records (`redact_audit_events`).
"""

from __future__ import annotations

import contextlib
import datetime
import decimal
import functools
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from contextvars import ContextVar
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import FieldDoesNotExist
from django.db import connection, models

from rapport.core.models import AuditEvent

# Values of these fields are never written to the trail, only that they changed.
SENSITIVE = ("password", "secret", "token_hash", "key_hash", "digest")
MASK = "***"
# Fields that change on every save and say nothing (timestamps kept by the model itself), or
# that are too large to copy (an entry's merge values are kept on the entry itself).
SKIPPED = {"modified_at", "updated_at", "last_modified", "last_used_at", "merge_data"}
MAX_TEXT = 500
# What a privacy erasure leaves of a personal value in the trail.
ERASED = "[erased]"

_source: ContextVar[str] = ContextVar("rapport_audit_source", default="")
_unlocked = 0


@contextlib.contextmanager
def audit_source(source: str) -> Iterator[None]:
    """Events recorded inside are marked with `source` (page, api, job, command)."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def current_source() -> str:
    return _source.get()


def audit_locked() -> int:
    """1 while the audit table refuses DELETE (always, except inside `audit_unlocked`)."""
    return 0 if _unlocked else 1


@contextlib.contextmanager
def audit_unlocked(connection: Any) -> Iterator[None]:
    """Let the audit table be emptied or changed: for `manage.py flush` (tests, a demo reset)
    and `redact_audit_events` (a privacy erasure) only."""
    global _unlocked
    _unlocked += 1
    postgres = connection.vendor == "postgresql"
    try:
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("SET rapport.audit_unlocked = 'on'")
        yield
    finally:
        _unlocked -= 1
        if postgres:
            with connection.cursor() as cursor:
                cursor.execute("RESET rapport.audit_unlocked")


def object_type_of(obj: models.Model | type[models.Model]) -> str:
    return obj._meta.label_lower


def object_key_of(obj: Any) -> str:
    """What the user calls the row: its No., Entry No. or Code, else its id."""
    if obj is None:
        return ""
    if not isinstance(obj, models.Model):
        return str(obj)
    custom = getattr(obj, "audit_key", None)
    if custom:
        return str(custom() if callable(custom) else custom)
    names = {f.name for f in obj._meta.concrete_fields}
    for name in ("no", "entry_no", "code", "username"):
        value = getattr(obj, name, None) if name in names else None
        if value not in (None, ""):
            return str(value)
    return str(obj.pk)


def json_value(value: Any) -> Any:
    """A field value as JSON keeps it (dates as ISO text, decimals as text, files by name)."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "…"
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return object_key_of(value)
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_value(v) for v in value]
    if hasattr(value, "name") and hasattr(value, "storage"):  # a FieldFile
        return value.name or ""
    return str(value)


def _sensitive(name: str) -> bool:
    return any(word in name for word in SENSITIVE)


def snapshot(instance: models.Model | None, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The row's values as JSON: the given fields, or every concrete field but the id.

    A foreign key is given by the related row's key (its code or No.)."""
    if instance is None:
        return {}
    opts = instance._meta
    if fields is None:
        names = [
            f.name
            for f in opts.concrete_fields
            if not f.primary_key and f.name not in SKIPPED and not f.name.endswith("_ptr")
        ]
    else:
        names = list(fields)
    values: dict[str, Any] = {}
    for name in names:
        try:
            field = opts.get_field(name)
        except FieldDoesNotExist:
            values[name] = json_value(getattr(instance, name, None))
            continue
        attname = getattr(field, "attname", name)
        if field.is_relation and field.many_to_one:
            raw = getattr(instance, attname)
            if raw is None:
                values[name] = None
            else:
                try:
                    values[name] = object_key_of(getattr(instance, name))
                except models.ObjectDoesNotExist:  # the related row is gone
                    values[name] = json_value(raw)
        elif field.is_relation:
            continue
        else:
            value = getattr(instance, attname)
            places = getattr(field, "decimal_places", None)
            if places is not None and value is not None:
                # 0 and 0.00 are the same amount: compare as the database stores them.
                with contextlib.suppress(decimal.InvalidOperation, TypeError, ValueError):
                    value = decimal.Decimal(value).quantize(decimal.Decimal(1).scaleb(-places))
            values[name] = json_value(value)
    return values


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, list[Any]]:
    """{field: [before, after]} of the fields whose value differs (masked where sensitive)."""
    before = before or {}
    after = after or {}
    changes: dict[str, list[Any]] = {}
    for name in list(before) + [n for n in after if n not in before]:
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if _sensitive(name):
            old = MASK if old not in (None, "") else old
            new = MASK if new not in (None, "") else new
        changes[name] = [old, new]
    return changes


def record_audit(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_key: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Write one audit event; call it inside the service's transaction, after the change.

    `obj` names the record (its type and key are taken from it unless given). For an edit pass
    `before` and `after` snapshots: only changed fields are kept, and an edit that changed
    nothing records nothing (returns None). `details` holds counts and ranges of a set-based
    operation. `actor` None (or the unsaved system actor) is the system.
    """
    if obj is not None:
        object_type = object_type or object_type_of(obj)
        object_key = object_key or object_key_of(obj)
        if not object_repr:
            object_repr = str(obj)
    changes = diff(before, after)
    if action == "change" and not changes and not details:
        return None
    actor_id = getattr(actor, "pk", None)
    name = getattr(actor, "username", "") if actor is not None else ""
    return AuditEvent.objects.create(
        actor_id=actor_id,
        actor_name=name or "system",
        action=action,
        object_type=object_type,
        object_key=str(object_key)[:100],
        object_repr=str(object_repr)[:250],
        changes=changes,
        details=json_value(details or {}),
        source=current_source(),
    )


def record_set_audit(
    *,
    actor: Any,
    action: str,
    model: type[models.Model],
    keys: Iterable[Any],
    details: dict[str, Any] | None = None,
    object_repr: str = "",
) -> AuditEvent | None:
    """ONE event for a set-based change of many rows of `model` (cancel 5,000 entries, a purge):
    the count and the first and last key in `details`, the key the single row's when there is
    one, else "first..last". Nothing is recorded when no row changed."""
    ordered = sorted(keys)
    if not ordered:
        return None
    first, last = ordered[0], ordered[-1]
    return record_audit(
        actor=actor,
        action=action,
        object_type=object_type_of(model),
        object_key=str(first) if len(ordered) == 1 else f"{first}..{last}",
        object_repr=object_repr,
        details={"count": len(ordered), "first": first, "last": last, **(details or {})},
    )


P = ParamSpec("P")
R = TypeVar("R")


def audited(action: str, arg: str = "") -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Record a plain create/change/delete service's event: put it under `@transaction.atomic`.

    "create" records the returned row with its values; "change" and "delete" snapshot the row
    passed as keyword `arg` before the call and record what changed (or what was deleted)."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            actor = kwargs.get("actor")
            target = kwargs.get(arg) if arg else None
            before = None
            if isinstance(target, models.Model):
                # As stored now: the caller's copy may be stale.
                stored = type(target)._default_manager.filter(pk=target.pk).first()
                before = snapshot(stored or target)
            key = object_key_of(target) if target is not None else ""
            text = str(target) if target is not None else ""
            result = func(*args, **kwargs)
            if action == "create" and isinstance(result, models.Model):
                record_audit(actor=actor, action=action, obj=result, after=snapshot(result))
            elif action == "delete" and isinstance(target, models.Model):
                record_audit(
                    actor=actor,
                    action=action,
                    object_type=object_type_of(target),
                    object_key=key,
                    object_repr=text,
                    before=before,
                )
            else:
                obj = result if isinstance(result, models.Model) else target
                if isinstance(obj, models.Model):
                    record_audit(
                        actor=actor, action=action, obj=obj, before=before, after=snapshot(obj)
                    )
            return result

        return wrapper

    return decorate


def _redacted(values: dict[str, Any], keep: Collection[str], *, pairs: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name in keep:
            out[name] = value
        elif pairs and isinstance(value, list):
            out[name] = [ERASED if isinstance(v, str) and v else v for v in value]
        elif isinstance(value, str) and value:
            out[name] = ERASED
        elif isinstance(value, (dict, list)):
            out[name] = ERASED if value else value
        else:
            out[name] = value
    return out


def redact_audit_events(
    *, object_type: str, keys: Iterable[Any], keep: Collection[str] = (), object_repr: str = ""
) -> int:
    """A privacy erasure: the events of the records `keys` of `object_type` keep who, when,
    which action and which fields changed, numbers, dates and flags, and the values of the
    `keep` fields; every other text becomes ERASED and the record's name `object_repr` (else
    its key). The only change the trail allows; call it inside the erasure's transaction.
    Returns how many events were redacted."""
    keys = [str(k) for k in keys]
    changes_field = AuditEvent._meta.get_field("changes")
    details_field = AuditEvent._meta.get_field("details")
    done = 0
    with audit_unlocked(connection), connection.cursor() as cursor:
        for start in range(0, len(keys), 500):
            rows = AuditEvent.objects.filter(
                object_type=object_type, object_key__in=keys[start : start + 500]
            ).values_list("pk", "object_key", "changes", "details")
            for pk, key, changes, details in rows:
                cursor.execute(
                    "UPDATE core_auditevent SET object_repr = %s, changes = %s,"
                    " details = %s WHERE id = %s",
                    [
                        (object_repr or key)[:250],
                        changes_field.get_db_prep_save(
                            _redacted(changes or {}, keep, pairs=True), connection
                        ),
                        details_field.get_db_prep_save(
                            _redacted(details or {}, keep, pairs=False), connection
                        ),
                        pk,
                    ],
                )
                done += 1
    return done
