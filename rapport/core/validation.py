"""One way to raise and to read validation errors, for services, forms and the API."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _


def field_error(field: str, message: str, code: str) -> ValidationError:
    """A ValidationError that names the field it belongs to."""
    return ValidationError({field: ValidationError(message, code=code)})


def first_error(exc: ValidationError) -> tuple[str | None, str, str]:
    """(field, message, code) of the first error in `exc`; field is None for non-field errors."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            error = errors[0]
            message = error.message % error.params if error.params else error.message
            return (
                None if field == "__all__" else field,
                str(message),
                error.code or "invalid",
            )
    error = exc.error_list[0]
    message = error.message % error.params if error.params else error.message
    return None, str(message), error.code or "invalid"


# Dates the API and the lists accept: BC's own range (1753 is SQL Server's first datetime),
# less the last year, so that "the day after" and "the month after" still exist.
FIRST_DATE = datetime.date(1753, 1, 1)
LAST_DATE = datetime.date(9998, 12, 31)


def check_date_range(field: str, value: datetime.date) -> None:
    """A 422 naming the field for a date outside FIRST_DATE..LAST_DATE."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if not FIRST_DATE <= day <= LAST_DATE:
        raise field_error(
            field,
            _("%(field)s: enter a date between %(first)s and %(last)s.")
            % {"field": field, "first": FIRST_DATE.isoformat(), "last": LAST_DATE.isoformat()},
            "date_out_of_range",
        )


def in_use_error(
    exc: models.ProtectedError | models.RestrictedError, obj: models.Model | None = None
) -> ValidationError:
    """A delete that the database refuses because other rows still point at `obj`, in BC's
    words: "You cannot delete Language FI because there is at least one Contact that uses it."
    """
    users: Iterable[Any] = (
        getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", None) or ()
    )
    first = next(iter(users), None)
    table = capfirst(first._meta.verbose_name) if first is not None else _("record")
    if obj is None:
        message = _(
            "You cannot delete this record because there is at least one %(table)s that uses it."
        ) % {"table": table}
    else:
        message = _(
            "You cannot delete %(record)s %(key)s because there is at least one %(table)s "
            "that uses it."
        ) % {
            "record": capfirst(obj._meta.verbose_name),
            "key": _record_key(obj),
            "table": table,
        }
    return ValidationError(message, code="in_use")


def _record_key(obj: models.Model) -> str:
    for name in ("code", "no"):
        value = getattr(obj, name, None)
        if value:
            return str(value)
    return str(obj.pk)


def require_perm(actor: Any, *perms: str) -> None:
    """Raise PermissionDenied unless `actor` holds every one of `perms`."""
    if actor is None or not actor.is_active or not actor.has_perms(perms):
        raise PermissionDenied(_("You do not have permission to do this."))


def validate_instance(
    instance: models.Model, *, exclude: Iterable[str] = (), unique: bool = True
) -> None:
    """full_clean (lengths, choices, unique, constraints); each message names its field.

    Django's own messages ("Ensure this value has at most 30 characters") do not say which
    field they are about; API clients and import reports need that, so the field's caption is
    put in front.
    """
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=unique, validate_constraints=unique
        )
    except ValidationError as exc:
        if not hasattr(exc, "error_dict"):
            raise
        named: dict[str, list[ValidationError]] = {}
        for field, errors in exc.error_dict.items():
            caption = _field_caption(instance, field)
            named[field] = [
                ValidationError(
                    f"{caption}: {_render(error)}" if caption else _render(error),
                    code=error.code,
                )
                for error in errors
            ]
        raise ValidationError(named) from None


def caption(model: type[models.Model] | models.Model, field: str) -> str:
    """A field's caption (verbose name) for messages."""
    return str(getattr(model._meta.get_field(field), "verbose_name", field))


def _render(error: ValidationError) -> str:
    return str(error.message % error.params if error.params else error.message)


def _field_caption(instance: models.Model, field: str) -> str:
    if field == "__all__":
        return ""
    try:
        return caption(instance, field)
    except Exception:
        return ""


__all__ = [
    "PermissionDenied",
    "ValidationError",
    "field_error",
    "first_error",
    "in_use_error",
    "require_perm",
    "validate_instance",
]
