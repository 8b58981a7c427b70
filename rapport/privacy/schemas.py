from __future__ import annotations

from datetime import datetime

from ninja import Schema


class ErasureOut(Schema):
    contact_no: str
    erased_at: datetime
    erased_by: str
    counts: dict[str, int]
