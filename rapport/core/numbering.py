"""Pure functions for BC's number arithmetic: increment the right-most digit group."""

from __future__ import annotations

import re

_LAST_DIGITS = re.compile(r"(\d+)(\D*)$")

MAX_LENGTH = 20


def has_digit(value: str) -> bool:
    return any(ch.isdigit() for ch in value)


def increment(value: str, by: int = 1) -> str:
    """Add `by` to the right-most group of digits, keeping prefix, suffix and zero padding.

    >>> increment("CT000009")
    'CT000010'
    >>> increment("K-99-X", 1)
    'K-100-X'
    Raises ValueError when the value has no digits.
    """
    match = _LAST_DIGITS.search(value)
    if match is None:
        raise ValueError("no digits")
    digits, suffix = match.group(1), match.group(2)
    prefix = value[: match.start(1)]
    number = str(int(digits) + by).zfill(len(digits))
    return f"{prefix}{number}{suffix}"


def pattern(value: str) -> str:
    """The non-digit shape of a number: 'CT000123' -> 'CT######'."""
    return re.sub(r"\d", "#", value)


def exceeds(value: str, ending: str) -> bool:
    """True when `value` lies past `ending` (different shape counts as past)."""
    if not ending:
        return False
    if len(value) != len(ending) or pattern(value) != pattern(ending):
        return True
    return value > ending
