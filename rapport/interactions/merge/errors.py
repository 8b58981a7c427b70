"""The one error the merge engine raises: a user-facing, translated message."""

from __future__ import annotations


class MergeTemplateError(Exception):
    """A merge template or its rendering was refused.

    ``message`` is translated and meant for the user; ``line`` and ``field`` say where, when known.
    """

    def __init__(self, message: str, *, line: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = str(message)
        self.line = line
        self.field = field
