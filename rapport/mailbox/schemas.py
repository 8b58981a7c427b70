"""API input and output of e-mail logging."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from ninja import Field, Schema

from rapport.core.schemas import PatchSchema, related_code


class MailboxSetupOut(Schema):
    host: str
    port: int
    security: str
    username: str
    has_password: bool = Field(description="The password itself is never shown.")
    queue_folder: str
    storage_folder: str
    enabled: bool
    template_code: str = Field(description="E-Mails: the interaction template messages use.")
    batch_size: int
    interval_minutes: int
    max_message_bytes: int
    last_started_at: datetime.datetime | None

    @staticmethod
    def resolve_has_password(obj: Any) -> bool:
        return bool(obj.password)

    @staticmethod
    def resolve_template_code(obj: Any) -> str:
        return related_code(obj, "template")


class MailboxSetupPatch(PatchSchema):
    nullable = frozenset({"template_code"})

    host: str | None = Field(None, max_length=250)
    port: int | None = Field(None, ge=1, le=65535)
    security: Literal["tls", "starttls", "none"] | None = None
    username: str | None = Field(None, max_length=250)
    password: str | None = Field(None, max_length=250, description='Write only; "" clears it.')
    queue_folder: str | None = Field(None, max_length=250)
    storage_folder: str | None = Field(None, max_length=250)
    enabled: bool | None = None
    template_code: str | None = Field(None, max_length=10)
    batch_size: int | None = Field(None, ge=1, le=1000)
    interval_minutes: int | None = Field(None, ge=1, le=10080)
    max_message_bytes: int | None = Field(None, ge=1024, le=2**31 - 1)


class MessageOut(Schema):
    message: str


class JobStartedOut(Schema):
    job_id: int


class UnmatchedOut(Schema):
    message_id: str
    subject: str
    sender: str
    recipients: str
    size: int
    reason_code: str
    reason: str
    first_seen_at: datetime.datetime
    last_seen_at: datetime.datetime


class LoggedMessageOut(Schema):
    message_id: str
    subject: str
    sender: str
    direction: str
    entry_nos: list[int]
    logged_at: datetime.datetime
    moved_at: datetime.datetime | None
