"""Field helpers that follow BC's data types (Code[n] = upper-case code, Text[n] = free text)."""

from __future__ import annotations

from typing import Any

from django.db import models


class CodeField(models.CharField):
    """BC's Code[n]: upper-case, trimmed text."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 20)
        super().__init__(*args, **kwargs)

    def to_python(self, value: Any) -> Any:
        value = super().to_python(value)
        return value.strip().upper() if isinstance(value, str) else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return value.strip().upper() if isinstance(value, str) else value


def code(value: object) -> str:
    """Normalize user input for a Code field."""
    return str(value or "").strip().upper()
