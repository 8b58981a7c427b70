"""API schemas of the accounts app. They parse and shape; the services decide."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Literal

from ninja import Schema
from pydantic import Field

from rapport.accounts.models import User
from rapport.accounts.queries import role_names


class SalespersonIn(Schema):
    code: str = Field(max_length=20)
    name: str = Field("", max_length=50)
    job_title: str = Field("", max_length=30)
    phone_no: str = Field("", max_length=30)
    email: str = Field("", max_length=80)
    commission_pct: Decimal = Field(Decimal(0), ge=0, le=100, max_digits=5, decimal_places=2)
    blocked: bool = False
    privacy_blocked: bool = False


class SalespersonPatch(Schema):
    name: str | None = Field(None, max_length=50)
    job_title: str | None = Field(None, max_length=30)
    phone_no: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=80)
    commission_pct: Decimal | None = Field(None, ge=0, le=100, max_digits=5, decimal_places=2)
    blocked: bool | None = None
    privacy_blocked: bool | None = None


class SalespersonOut(Schema):
    code: str
    name: str
    job_title: str
    phone_no: str
    email: str
    commission_pct: Decimal
    blocked: bool
    privacy_blocked: bool


class UserIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=128)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    email: str = Field("", max_length=254)
    roles: list[str] = Field(default_factory=list)
    salesperson: str | None = Field(None, max_length=20, description="Salesperson code")
    language: str = Field("", max_length=8)
    is_active: bool = True


class UserPatch(Schema):
    """Fields left out are kept; `"salesperson": null` removes the link."""

    password: str | None = Field(None, min_length=1, max_length=128)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    email: str | None = Field(None, max_length=254)
    roles: list[str] | None = None
    salesperson: str | None = Field(None, max_length=20, description="Salesperson code")
    language: str | None = Field(None, max_length=8)
    is_active: bool | None = None


class UserOut(Schema):
    username: str
    first_name: str
    last_name: str
    email: str
    roles: list[str]
    salesperson: str | None
    language: str
    is_active: bool
    last_login: datetime.datetime | None

    @staticmethod
    def resolve_roles(obj: User) -> list[str]:
        return role_names(obj)

    @staticmethod
    def resolve_salesperson(obj: User) -> str | None:
        return obj.salesperson.code if obj.salesperson else None


class MeOut(Schema):
    username: str
    name: str
    email: str
    roles: list[str]
    salesperson: str | None
    language: str

    @staticmethod
    def resolve_name(obj: User) -> str:
        return obj.get_full_name()

    @staticmethod
    def resolve_roles(obj: User) -> list[str]:
        return role_names(obj)

    @staticmethod
    def resolve_salesperson(obj: User) -> str | None:
        return obj.salesperson.code if obj.salesperson else None


class ApiTokenIn(Schema):
    name: str = Field(max_length=100)
    scope: Literal["read", "write"] = Field(
        "write", description="read: GET requests only; write: everything the user may do."
    )
    expires_at: datetime.datetime | None = Field(
        None, description="When the token stops working (optional; must be in the future)."
    )


class ApiTokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime.datetime
    last_used_at: datetime.datetime | None
    revoked_at: datetime.datetime | None
    scope: str
    expires_at: datetime.datetime | None


class ApiTokenCreatedOut(ApiTokenOut):
    token: str = Field(description="The plain token. It is shown only in this response.")
