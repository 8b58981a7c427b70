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
    status_code: str = Field("", max_length=10)


class CampaignPatch(PatchSchema):
    nullable = frozenset({"starting_date", "ending_date", "salesperson_code"})

    description: str | None = Field(None, max_length=100)
    starting_date: datetime.date | None = None
    ending_date: datetime.date | None = None
    salesperson_code: str | None = Field(None, max_length=20)
    status_code: str | None = Field(None, max_length=10)


class CampaignOut(Schema):
    no: str
    description: str
    starting_date: datetime.date | None
    ending_date: datetime.date | None
    salesperson_code: str
    status_code: str
    activated: bool = Field(description="Set by Activate and Deactivate.")

    @staticmethod
    def resolve_salesperson_code(obj: object) -> str:
        sp = getattr(obj, "salesperson", None)
        return sp.code if sp is not None else ""

    @staticmethod
    def resolve_status_code(obj: object) -> str:
        status = getattr(obj, "status", None)
        return status.code if status is not None else ""


class CampaignStatusIn(Schema):
    code: str = Field(max_length=10)
    description: str = Field("", max_length=100)


class CampaignStatusPatch(Schema):
    description: str | None = Field(None, max_length=100)


class CampaignStatusOut(Schema):
    code: str
    description: str


class TargetGroupOut(Schema):
    type: str
    no: str


class ActivatedOut(Schema):
    activated: bool
    target_groups: list[TargetGroupOut]
