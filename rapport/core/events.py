"""Business events: `emit(event_type, payload)` from a service where the ledger changes.

The core app only keeps the list of receivers; a later app (webhooks) registers one with
`@event_receiver` and writes its outbox row in the caller's transaction, so a change that is
rolled back announces nothing. A set-based change emits one event listing its entry numbers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ENTRY_CREATED = "entry.created"
ENTRY_CANCELED = "entry.canceled"
ENTRY_RESTORED = "entry.restored"
ENTRY_DELETED = "entry.deleted"
SEGMENT_LOGGED = "segment.logged"
LOGGED_SEGMENT_CANCELED = "logged_segment.canceled"
LOGGED_SEGMENT_RESTORED = "logged_segment.restored"
DOCUMENT_RECORDED = "document.recorded"

EVENT_TYPES = (
    ENTRY_CREATED,
    ENTRY_CANCELED,
    ENTRY_RESTORED,
    ENTRY_DELETED,
    SEGMENT_LOGGED,
    LOGGED_SEGMENT_CANCELED,
    LOGGED_SEGMENT_RESTORED,
    DOCUMENT_RECORDED,
)

Receiver = Callable[[str, dict[str, Any]], None]
_RECEIVERS: list[Receiver] = []


def event_receiver(func: Receiver) -> Receiver:
    """Register `func(event_type, payload)`; it runs inside the emitting transaction."""
    _RECEIVERS.append(func)
    return func


def emit(event_type: str, payload: dict[str, Any]) -> None:
    """Announce a ledger change (call it inside the service's transaction)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type!r}")
    for receiver in _RECEIVERS:
        receiver(event_type, payload)
