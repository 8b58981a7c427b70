from __future__ import annotations

import datetime

from ninja import Schema
from pydantic import Field

from rapport.core.schemas import PatchSchema


class CampaignIn(Schema):
    no: str = Field("", max_length=20, description="Blank: the next number of Campaign Nos.")
    description: str = Field("", max_length=100)
    starting_date: datetime.date | None = None
    ending_date: datetime.date | None = None
    salesperson_code: str = Field("", max_length=20)
    activated: bool = False


class CampaignPatch(PatchSchema):
    nullable = frozenset({"starting_date", "ending_date", "salesperson_code"})

    description: str | None = Field(None, max_length=100)
    starting_date: datetime.date | None = None
    ending_date: datetime.date | None = None
    salesperson_code: str | None = Field(None, max_length=20)
    activated: bool | None = None


class CampaignOut(Schema):
    no: str
    description: str
    starting_date: datetime.date | None
    ending_date: datetime.date | None
    salesperson_code: str
    activated: bool

    @staticmethod
    def resolve_salesperson_code(obj: object) -> str:
        sp = getattr(obj, "salesperson", None)
        return sp.code if sp is not None else ""
