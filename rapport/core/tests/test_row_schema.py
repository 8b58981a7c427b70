"""RowSchema reads a model row into the same output as ninja's Schema, only quicker: plain
fields, resolvers (with and without context), callables, defaults and missing fields."""

from __future__ import annotations

from typing import Any

import pytest
from ninja import Schema
from pydantic import Field, ValidationError

from rapport.accounts.models import User
from rapport.accounts.services import create_salesperson
from rapport.contacts.models import Contact
from rapport.contacts.services import create_contact
from rapport.core.schemas import RowSchema, related_code


def schema_on(base: type[Schema]) -> type[Schema]:
    class Out(base):  # type: ignore[valid-type,misc]
        no: str
        type: str
        company_name: str
        exclude_from_segment: bool
        modified_at: Any
        get_absolute_url: str  # a method: ninja calls it
        salesperson_code: str
        context_note: str = ""
        not_on_the_row: str = "default"
        members: list[Any] = []  # a manager: ninja lists it

        @staticmethod
        def resolve_salesperson_code(obj: Any) -> str:
            return related_code(obj, "salesperson")

        @staticmethod
        def resolve_context_note(obj: Any, context: Any) -> str:
            return f"{obj.no}:{(context or {}).get('note', '')}"

    return Out


def test_a_row_schema_gives_what_ninjas_schema_gives(alice: User) -> None:
    salesperson = create_salesperson(actor=alice, code="MK", name="Mika")
    acme = create_contact(actor=alice, no="ACME", name="Acme Oy", salesperson=salesperson)
    create_contact(actor=alice, no="P1", name="Anna", type="person", company=acme)
    slow, quick = schema_on(Schema), schema_on(RowSchema)
    for row in Contact.objects.select_related("salesperson").order_by("no"):
        expected = slow.model_validate(row, context={"note": "x"}).model_dump()
        got = quick.model_validate(row, context={"note": "x"}).model_dump()
        assert got == expected
        assert got["members"] == expected["members"]
    assert quick.model_validate(acme).model_dump()["get_absolute_url"] == "/contacts/ACME/"


def test_a_row_schema_names_a_required_field_the_row_lacks(alice: User) -> None:
    class Out(RowSchema):
        no: str
        nowhere: str

    acme = create_contact(actor=alice, no="ACME", name="Acme Oy")
    with pytest.raises(ValidationError, match="nowhere"):
        Out.model_validate(acme)


def test_a_row_schema_with_aliases_or_given_a_dict_reads_as_ninja_does(alice: User) -> None:
    class Aliased(RowSchema):
        no: str
        company: str = Field("", alias="company.name")

    acme = create_contact(actor=alice, no="ACME", name="Acme Oy")
    assert Aliased.model_validate(acme).model_dump() == {"no": "ACME", "company": "Acme Oy"}
    plain = schema_on(RowSchema)
    row = {
        "no": "X",
        "type": "company",
        "company_name": "X Oy",
        "exclude_from_segment": False,
        "modified_at": None,
        "get_absolute_url": "/x/",
        "salesperson": None,
    }
    assert plain.model_validate(row).model_dump()["salesperson_code"] == ""
