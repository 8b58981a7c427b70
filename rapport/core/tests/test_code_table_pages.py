"""Deleting a code-table row from its page: salespeople, business relations, campaigns, number
series and languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from rapport.accounts.models import Salesperson
from rapport.accounts.services import create_salesperson
from rapport.campaigns.models import Campaign
from rapport.campaigns.services import create_campaign
from rapport.contacts.models import BusinessRelation
from rapport.contacts.services import create_business_relation, create_contact
from rapport.core.models import Language, NumberSeries
from rapport.core.services import create_language, create_number_series

pytestmark = pytest.mark.django_db


def make_rows(alice: Any) -> list[tuple[str, Any]]:
    """(url name prefix, row) for one row of each table."""
    return [
        ("accounts:salespeople", create_salesperson(actor=alice, code="ZZ", name="Zed")),
        ("contacts:business-relations", create_business_relation(actor=alice, code="PRESS")),
        ("campaigns:campaigns", create_campaign(actor=alice, description="Spring")),
        ("core:number-series", create_number_series(actor=alice, code="TEST", starting_no="T1")),
        ("core:languages", create_language(actor=alice, code="SWE", name="Swedish")),
    ]


def key(row: Any) -> str:
    return str(getattr(row, "code", None) or row.no)


def test_an_admin_deletes_each_code_table_row_from_its_page(alice: Any, client_for: Any) -> None:
    client = client_for(alice)
    for prefix, row in make_rows(alice):
        response = client.post(reverse(f"{prefix}_delete", args=[key(row)]), {"confirmed": "1"})
        assert response.status_code == 302, prefix
        assert response["Location"] == reverse(f"{prefix}_list")
        assert not type(row).objects.filter(pk=row.pk).exists(), prefix


def test_a_get_does_not_delete_and_is_refused(alice: Any, client_for: Any) -> None:
    client = client_for(alice)
    for prefix, row in make_rows(alice):
        assert client.get(reverse(f"{prefix}_delete", args=[key(row)])).status_code == 405
        assert type(row).objects.filter(pk=row.pk).exists()


def test_a_viewer_may_not_delete_from_the_page(alice: Any, carol: Any, client_for: Any) -> None:
    client = client_for(carol)
    for prefix, row in make_rows(alice):
        assert client.post(reverse(f"{prefix}_delete", args=[key(row)])).status_code == 403
        assert type(row).objects.filter(pk=row.pk).exists()


def test_a_row_in_use_is_kept_with_a_message_not_a_server_error(
    alice: Any, client_for: Any
) -> None:
    from rapport.contacts.services import update_marketing_setup

    client = client_for(alice)
    salesperson = create_salesperson(actor=alice, code="AH", name="Aino")
    language = create_language(actor=alice, code="FIN", name="Finnish")
    series = create_number_series(actor=alice, code="TEST", starting_no="T1")
    relation = create_business_relation(actor=alice, code="PRESS")
    create_contact(actor=alice, name="Kesko Oyj", salesperson=salesperson, language=language)
    update_marketing_setup(actor=alice, contact_nos=series, bus_rel_code_for_customers=relation)
    for prefix, row, model in (
        ("accounts:salespeople", salesperson, Salesperson),
        ("core:languages", language, Language),
        ("core:number-series", series, NumberSeries),
        ("contacts:business-relations", relation, BusinessRelation),
    ):
        response = client.post(reverse(f"{prefix}_delete", args=[row.code]), {"confirmed": "1"})
        assert response.status_code == 302, prefix
        assert response["Location"] == reverse(f"{prefix}_card", args=[row.code])
        assert model.objects.filter(pk=row.pk).exists()
        texts = [str(m) for m in get_messages(response.wsgi_request)]
        assert any(t.startswith("You cannot delete") and "uses it" in t for t in texts), texts
    assert Campaign.objects.count() == 0
