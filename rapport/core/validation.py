"""One way to raise and to read validation errors, for services, forms and the API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
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
    "require_perm",
    "validate_instance",
]
