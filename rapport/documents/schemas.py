"""API shapes for document events. Codes and numbers are matched case-insensitively."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from rapport.core.schemas import related_code
from rapport.interactions.schemas import FileIn

EventIn = Literal["created", "printed", "emailed", "posted"]
MAX_BATCH = 10_000


class DocumentEventBase(Schema):
    document_type: str = Field(
        max_length=30,
        description="BC's document type (sales_invoice, purchase_order, service_quote, ...) or "
        "the code of an extra document type of the Interaction Template Setup.",
    )
    document_no: str = Field(max_length=20)
    event: EventIn
    document_date: datetime.date | None = Field(None, description="Left out: today.")
    customer_no: str = Field(
        "", max_length=20, description="Sales and service documents: the bill-to customer."
    )
    vendor_no: str = Field("", max_length=20, description="Purchase documents: the vendor.")
    contact_no: str = Field(
        "", max_length=20, description="The contact itself (BC's bill-to contact); wins."
    )
    version_no: int = Field(0, ge=0, le=2_147_483_647)
    idempotency_key: str = Field(
        "",
        max_length=100,
        description="Tells apart two events that are otherwise the same (a second send).",
    )
    amount: Decimal | None = Field(None, max_digits=18, decimal_places=2)
    campaign_no: str = Field("", max_length=20)
    salesperson_code: str = Field("", max_length=20)
    description: str = Field("", max_length=100, description="Blank: the template's.")
    order_no: str = Field(
        "", max_length=20, description="A posted sales invoice's order (BC's campaign rule)."
    )


class DocumentEventIn(DocumentEventBase):
    pdf: FileIn | None = Field(None, description="The document as a PDF (only PDF is accepted).")


class DocumentEventBatchIn(Schema):
    events: list[DocumentEventBase] = Field(max_length=MAX_BATCH)


class EventResultOut(Schema):
    row: int = Field(description="The event's position in the request, from 0.")
    status: Literal["recorded", "duplicate", "skipped", "error"]
    entry_no: int | None = Field(
        description="The interaction log entry (the first one for a duplicate)."
    )
    field: str | None
    code: str
    message: str


class BatchOut(Schema):
    recorded: int
    duplicate: int
    skipped: int
    error: int
    results: list[EventResultOut]


class DocumentEventOut(Schema):
    id: int
    document_type: str
    document_no: str
    event: str
    version_no: int
    idempotency_key: str
    document_date: datetime.date
    account_type: str
    account_no: str
    order_no: str
    amount: Decimal | None
    status: str
    reason: str
    contact_no: str
    entry_no: int | None
    recorded_at: datetime.datetime

    @staticmethod
    def resolve_contact_no(obj: Any) -> str:
        return related_code(obj, "contact", "no")

    @staticmethod
    def resolve_entry_no(obj: Any) -> int | None:
        return obj.entry_id
