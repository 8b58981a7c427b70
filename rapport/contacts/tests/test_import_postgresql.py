"""Issue 14 point 8: the contact import's writer on PostgreSQL sends its column arrays as
binary parameters of a server-side-binding cursor (Django's own cursor binds on the client,
quoting every value of every array into the SQL text in Python)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from rapport.contacts.models import Contact
from rapport.contacts.services import import_contacts

pytestmark = pytest.mark.django_db


def test_on_postgresql_imported_rows_go_as_binary_arrays(alice, settings, tmp_path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite binds parameters in the process")
    settings.MEDIA_ROOT = tmp_path / "media"
    import psycopg

    cursors: list[Any] = []

    def spy(execute, sql, params, many, context):
        if sql.startswith("INSERT") and "UNNEST" in sql:
            cursors.append(context["cursor"].cursor)
        return execute(sql, params, many, context)

    content = b"no,type,name\nK1,company,Kesko Oyj\nK2,company,Neste Oyj\n"
    with connection.execute_wrapper(spy):
        result = import_contacts(actor=alice, content=content, filename="c.csv", dry_run=False)
    assert result["created"] == 2 and result["errors"] == []
    assert cursors and not any(isinstance(c, psycopg.ClientCursor) for c in cursors), cursors
    assert sorted(Contact.objects.values_list("no", "name")) == [
        ("K1", "Kesko Oyj"),
        ("K2", "Neste Oyj"),
    ]
