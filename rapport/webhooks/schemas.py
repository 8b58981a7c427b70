"""API input and output of the webhooks app."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema

from rapport.core.schemas import PatchSchema

EventType = Literal[
    "entry.created",
    "entry.canceled",
    "entry.restored",
    "entry.deleted",
    "segment.logged",
    "logged_segment.canceled",
    "logged_segment.restored",
    "document.recorded",
]


class SubscriberIn(Schema):
    url: str = Field(max_length=500, description="Where the events are POSTed (http or https).")
    description: str = Field("", max_length=100)
    event_types: list[EventType] = Field(
        default_factory=list, description="The events to send; empty: every event."
    )
    active: bool = True
    secret: str = Field(
        "",
        max_length=100,
        description="The signing secret (at least 16 characters); blank: one is generated. "
        "It is returned once, in this response only.",
    )


class SubscriberPatch(PatchSchema):
    url: str | None = Field(None, max_length=500)
    description: str | None = Field(None, max_length=100)
    event_types: list[EventType] | None = None
    active: bool | None = None


class SubscriberOut(Schema):
    id: int
    url: str
    description: str
    event_types: list[str]
    active: bool
    created_at: datetime.datetime


class SubscriberCreatedOut(SubscriberOut):
    secret: str = Field(description="The signing secret. Shown only now: keep it.")


class AttemptOut(Schema):
    attempt_no: int
    at: datetime.datetime
    status_code: int | None
    error: str
    duration_ms: int


class DeliveryOut(Schema):
    id: int
    event_id: int
    event_type: str
    status: str
    attempts: int
    attempts_left: int
    next_attempt_at: datetime.datetime | None
    last_status_code: int | None
    last_error: str
    delivered_at: datetime.datetime | None
    attempt_log: list[AttemptOut]

    @staticmethod
    def resolve_event_type(obj: Any) -> str:
        return str(obj.event.event_type)

    @staticmethod
    def resolve_attempt_log(obj: Any) -> list[Any]:
        return list(obj.attempt_log.all())
