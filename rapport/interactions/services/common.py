"""Small pieces the interaction services share."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from rapport.core.validation import (
    ValidationError,
    field_error,
)

Progress = Callable[[int, int], None]


class _Today:
    """The default date of a comment line: today (the user may set another, or none)."""

    def __repr__(self) -> str:
        return "TODAY"


TODAY = _Today()


@dataclass
class CommentLine:
    """One comment line as a user wrote it: its text and date (BC's Date column; default
    today, None for no date) and an optional code."""

    comment: str
    date: datetime.date | _Today | None = TODAY
    code: str = ""


def fill_in(field_name: str, caption: str) -> ValidationError:
    return field_error(
        field_name, _("You must fill in the %(field)s field.") % {"field": caption}, "required"
    )
