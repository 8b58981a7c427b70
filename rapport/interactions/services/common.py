"""Small pieces the interaction services share."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from rapport.core.validation import (
    ValidationError,
    field_error,
)

Progress = Callable[[int, int], None]


def fill_in(field_name: str, caption: str) -> ValidationError:
    return field_error(
        field_name, _("You must fill in the %(field)s field.") % {"field": caption}, "required"
    )
