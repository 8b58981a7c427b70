"""The REST API's conventions, the same for every app: errors, nulls, query parameters, pages,
deletes of rows in use and the OpenAPI document."""

from __future__ import annotations

import json
import re
import warnings
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from rapport.accounts.services import create_salesperson
from rapport.campaigns.services import create_campaign
from rapport.contacts.services import create_business_relation, create_contact
from rapport.core.services import create_language, create_number_series
from rapport.interactions import services as interactions

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(client_for: Any, alice: Any) -> Client:
    return client_for(alice)


def send(client: Client, method: str, url: str, payload: Any = None, **extra: Any) -> Any:
    return getattr(client, method)(
        url, json.dumps(payload) if payload is not None else None, "application/json", **extra
    )


@pytest.fixture
def rows(alice: Any) -> dict[str, Any]:
    """One row of every resource that has a PATCH endpoint."""
    salesperson = create_salesperson(actor=alice, code="AH", name="Aino Heikkinen")
    language = create_language(actor=alice, code="FIN", name="Finnish")
    group = interactions.create_interaction_group(actor=alice, code="LETTER")
    template = interactions.create_interaction_template(
        actor=alice,
        code="CALL",
        group=group,
        description="Phone call",
        unit_cost=Decimal("2.50"),
        unit_duration=Decimal(10),
        information_flow="outbound",
        initiated_by="us",
        correspondence_type="",
    )
    contact = create_contact(actor=alice, name="Kesko Oyj", salesperson=salesperson)
    contact.refresh_from_db()
    campaign = create_campaign(actor=alice, description="Spring")
    series = create_number_series(actor=alice, code="TEST", starting_no="T0001")
    relation = create_business_relation(actor=alice, code="PRESS", description="Press")
    return {
        "salesperson": salesperson,
        "language": language,
        "group": group,
        "template": template,
        "contact": contact,
        "campaign": campaign,
        "series": series,
        "relation": relation,
    }


# --- 17.1: no server errors from input ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/interaction-groups/LETTER", "description"),
        ("/api/v1/contacts/{contact}", "name"),
        ("/api/v1/contacts/{contact}", "phone_no"),
        ("/api/v1/contacts/{contact}", "privacy_blocked"),
        ("/api/v1/interaction-templates/CALL", "description"),
        ("/api/v1/interaction-templates/CALL", "unit_cost"),
        ("/api/v1/setup", "inherit_language"),
        ("/api/v1/setup", "currency_code"),
        ("/api/v1/salespeople/AH", "name"),
        ("/api/v1/salespeople/AH", "commission_pct"),
        ("/api/v1/campaigns/{campaign}", "description"),
        ("/api/v1/campaigns/{campaign}", "status_code"),
        ("/api/v1/number-series/TEST", "starting_no"),
        ("/api/v1/number-series/TEST", "increment_by"),
        ("/api/v1/business-relations/PRESS", "description"),
        ("/api/v1/languages/FIN", "name"),
    ],
)
def test_an_explicit_null_in_a_patch_is_a_422_naming_the_field(
    api: Client, rows: dict[str, Any], url: str, field: str
) -> None:
    url = url.format(contact=rows["contact"].no, campaign=rows["campaign"].no)
    response = send(api, "patch", url, {field: None})
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["field"] == field
    assert body["code"] == "null_not_allowed"
    assert body["message"].startswith(field)


def test_null_still_means_none_where_the_schema_says_so(api: Client, rows: dict[str, Any]) -> None:
    response = send(
        api, "patch", f"/api/v1/contacts/{rows['contact'].no}", {"salesperson_code": None}
    )
    assert response.status_code == 200
    assert response.json()["salesperson_code"] == ""


def test_deleting_rows_still_in_use_is_a_422_in_bcs_words(
    api: Client, alice: Any, rows: dict[str, Any]
) -> None:
    from rapport.contacts.services import update_contact, update_marketing_setup

    update_contact(actor=alice, contact=rows["contact"], language=rows["language"])
    update_marketing_setup(
        actor=alice, contact_nos=rows["series"], bus_rel_code_for_customers=rows["relation"]
    )
    cases = [
        ("/api/v1/languages/FIN", "You cannot delete Language FIN because"),
        ("/api/v1/salespeople/AH", "You cannot delete Salesperson AH because"),
        ("/api/v1/number-series/TEST", "You cannot delete Number series TEST because"),
        ("/api/v1/business-relations/PRESS", "You cannot delete Business relation PRESS"),
    ]
    for url, words in cases:
        response = api.delete(url)
        assert response.status_code == 422, (url, response.content)
        body = response.json()
        assert body["code"] == "in_use"
        assert body["message"].lower().startswith(words.lower()), body["message"]
        assert "uses it" in body["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/interaction-log-entries?entry_from=99999999999999999999999",
        "/api/v1/interaction-log-entries?entry_to=-99999999999999999999999",
        "/api/v1/interaction-log-entries/99999999999999999999999",
        "/api/v1/jobs/99999999999999999999999",
        "/api/v1/tokens/99999999999999999999999",
    ],
)
def test_integers_beyond_64_bits_are_never_a_server_error(api: Client, url: str) -> None:
    response = api.get(url) if "tokens" not in url else api.delete(url)
    assert response.status_code in (404, 422), response.content
    assert set(response.json()) == {"code", "message", "field"}


def test_integers_beyond_64_bits_in_a_body_are_a_422(api: Client) -> None:
    response = send(api, "post", "/api/v1/interaction-log-entries/cancel", {"entry_nos": [2**70]})
    assert response.status_code in (404, 422), response.content


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
def test_extreme_dates_in_filters_and_statistics_are_never_a_server_error(
    api: Client, rows: dict[str, Any], date: str
) -> None:
    urls = [
        f"/api/v1/interaction-log-entries?date_from={date}&date_to={date}",
        f"/api/v1/contacts/{rows['contact'].no}/statistics?date_from={date}&date_to={date}",
        f"/api/v1/salespeople/AH/statistics?date_from={date}&date_to={date}",
        f"/api/v1/interaction-groups/LETTER/statistics?date_from={date}&date_to={date}",
        f"/api/v1/interaction-templates/CALL/statistics?date_from={date}&date_to={date}",
    ]
    for url in urls:
        response = api.get(url)
        assert response.status_code in (200, 422), (url, response.content)


def test_a_patch_racing_a_delete_of_the_same_row_is_a_404(
    api: Client, alice: Any, monkeypatch: Any
) -> None:
    """The row is read, then deleted by someone else before the update locks it."""
    from rapport.accounts import services as accounts
    from rapport.accounts.models import Salesperson

    create_salesperson(actor=alice, code="AH", name="Aino Heikkinen")

    real = accounts.update_salesperson

    def deleted_meanwhile(**kwargs: Any) -> Any:
        Salesperson.objects.filter(pk=kwargs["salesperson"].pk).delete()
        return real(**kwargs)

    monkeypatch.setattr(accounts, "update_salesperson", deleted_meanwhile)
    response = send(api, "patch", "/api/v1/salespeople/AH", {"name": "Aino H."})
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "not_found"
    assert "salesperson" in response.json()["message"].lower()


def test_a_code_table_patch_racing_a_delete_is_a_404_not_a_resurrected_row(
    api: Client, alice: Any, monkeypatch: Any
) -> None:
    """Languages are saved without a lock of their own: the API locks the row it read, so a
    row deleted in between is a 404 (a plain save() would have inserted it again)."""
    from rapport.core import api_helpers
    from rapport.core.models import Language

    create_language(actor=alice, code="SWE", name="Swedish")
    real = api_helpers.lock_row

    def deleted_meanwhile(model: Any, obj: Any, missing: str) -> Any:
        model.objects.filter(pk=obj.pk).delete()
        return real(model, obj, missing)

    monkeypatch.setattr(api_helpers, "lock_row", deleted_meanwhile)
    response = send(api, "patch", "/api/v1/languages/SWE", {"name": "Svenska"})
    assert response.status_code == 404
    assert response.json()["message"] == "There is no Language with the code SWE."
    # (Here the "other" delete ran in the request's own transaction, so the 404 rolled it back.)
    assert Language.objects.get(code="SWE").name == "Swedish"


# --- 15.7: one set of conventions --------------------------------------------------------------


def test_an_unknown_query_parameter_is_a_422_naming_it(api: Client) -> None:
    response = api.get("/api/v1/interaction-log-entries?contact_no=X")
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "contact_no"
    assert body["code"] == "unknown_parameter"
    assert "contact" in body["message"]  # the filter that does exist is named


def test_unknown_query_parameters_are_refused_on_every_kind_of_endpoint(
    api: Client, rows: dict[str, Any]
) -> None:
    for url in (
        "/api/v1/contacts?colour=red",
        "/api/v1/salespeople/AH?colour=red",
        "/api/v1/contacts/export?colour=red",
        "/api/v1/setup?colour=red",
        "/api/v1/me?colour=red",
    ):
        response = api.get(url)
        assert response.status_code == 422, url
        assert response.json()["field"] == "colour"
    response = send(api, "patch", "/api/v1/salespeople/AH?colour=red", {"name": "X"})
    assert response.status_code == 422
    assert api.get("/api/v1/salespeople/AH").json()["name"] == "Aino Heikkinen"


def test_known_query_parameters_still_work(api: Client, rows: dict[str, Any]) -> None:
    assert api.get("/api/v1/contacts?q=kesko&sort=name&page=1&page_size=5").status_code == 200
    assert api.get("/api/v1/contacts/export?format=csv&q=kesko").status_code == 200
    assert api.get("/api/v1/interactions/defaults?template_code=CALL").status_code == 200


def test_a_page_past_the_end_is_empty_not_the_last_page(api: Client, rows: dict[str, Any]) -> None:
    assert (
        api.get("/api/v1/interaction-log-entries?page=99999999999999999999999").json()["items"]
        == []
    )
    body = api.get("/api/v1/salespeople?page=5").json()
    assert body["items"] == []
    assert body["page"] == 5
    assert body["count"] == 1
    assert api.get("/api/v1/salespeople?page=0").status_code == 422


def test_error_bodies_have_no_library_jargon(api: Client, rows: dict[str, Any]) -> None:
    response = send(api, "patch", f"/api/v1/contacts/{rows['contact'].no}", {"type": "robot"})
    body = response.json()
    assert response.status_code == 422
    assert body == {
        "code": "invalid_choice",
        "message": "type: choose one of company, person.",
        "field": "type",
    }
    for payload, code in (
        ({"increment_by": "many"}, "invalid_integer"),
        ({"increment_by": 0}, "too_small"),
        ({"description": "x" * 101}, "too_long"),
        ({"default_nos": "perhaps"}, "invalid_boolean"),
    ):
        body = send(api, "patch", "/api/v1/number-series/TEST", payload).json()
        assert body["code"] == code
        assert "Input should" not in body["message"]
        assert body["message"].startswith(next(iter(payload)) + ":")
    body = send(api, "post", "/api/v1/languages", {}).json()
    assert body == {
        "code": "required",
        "message": "You must fill in the code field.",
        "field": "code",
    }


def test_errors_are_in_the_users_language(client: Client, alice: Any) -> None:
    from rapport.accounts.services import create_api_token, update_user

    english = "You must fill in the code field."
    response = send(client, "post", "/api/v1/languages", {}, HTTP_ACCEPT_LANGUAGE="fi")
    assert response.status_code == 401  # not signed in: still a translated error body
    _, raw = create_api_token(actor=alice, user=alice, name="fi")
    token = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    response = send(client, "post", "/api/v1/languages", {}, HTTP_ACCEPT_LANGUAGE="fi", **token)
    assert response.json()["field"] == "code"
    assert response.json()["message"] != english
    # A token's owner who chose Norwegian reads Norwegian, whatever the browser says.
    update_user(actor=alice, user=alice, language="nb")
    norwegian = send(client, "post", "/api/v1/languages", {}, **token).json()["message"]
    assert norwegian not in (english, response.json()["message"])
    assert "code" in norwegian


def test_an_unknown_code_says_which_record_was_not_found(api: Client, rows: dict[str, Any]) -> None:
    response = api.get("/api/v1/salespeople/XX")
    assert response.status_code == 404
    assert response.json()["message"] == "There is no Salesperson with the code XX."
    response = api.get("/api/v1/contacts/NOPE")
    assert response.json()["message"] == "There is no Contact with the number NOPE."
    response = send(
        api, "patch", f"/api/v1/contacts/{rows['contact'].no}", {"salesperson_code": "XX"}
    )
    assert response.status_code == 422
    assert response.json()["message"] == (
        "salesperson_code: There is no Salesperson with the code XX."
    )


def test_a_body_that_is_not_json_is_a_422_in_our_words(api: Client) -> None:
    response = api.post("/api/v1/languages", "{not json", "application/json")
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_json",
        "message": "The request body is not valid JSON.",
        "field": None,
    }


def test_a_missing_row_found_by_the_framework_is_named_in_words(api: Client) -> None:
    response = api.get("/api/v1/users/nobody")
    assert response.status_code == 404
    assert response.json()["message"] == "There is no such user, or you cannot see it."


# --- the OpenAPI document ----------------------------------------------------------------------


@pytest.fixture
def openapi(api: Client) -> dict[str, Any]:
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, op)
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    ]


def test_patch_schemas_in_the_openapi_document_allow_null_only_where_it_is_accepted(
    openapi: dict[str, Any],
) -> None:
    schemas = openapi["components"]["schemas"]
    contact = schemas["ContactPatch"]["properties"]
    assert contact["phone_no"]["type"] == "string"
    assert "anyOf" not in contact["phone_no"]
    assert {"type": "null"} in contact["salesperson_code"]["anyOf"]
    for name, schema in schemas.items():
        if name.endswith("Patch"):
            assert "null" not in json.dumps(schema.get("properties", {}).get("name", {})), name


def test_the_openapi_document_needs_the_same_login_as_the_docs_page(
    client: Client, alice: Any
) -> None:
    from rapport.accounts.services import create_api_token

    assert client.get("/api/v1/openapi.json").status_code == 401
    assert client.get("/api/v1/openapi.json").json()["code"] == "not_authenticated"
    assert client.get("/api/v1/docs").status_code == 302
    client.force_login(alice)
    assert client.get("/api/v1/docs").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    client.logout()
    _, raw = create_api_token(actor=alice, user=alice, name="docs")
    response = client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_times_in_the_openapi_document_match_what_is_sent(openapi: dict[str, Any]) -> None:
    text = json.dumps(openapi)
    assert '"format": "time"' not in text  # RFC 3339 full-time needs an offset; we send none
    entry = openapi["components"]["schemas"]["InteractionLogEntryOut"]["properties"]["time"]
    pattern = next(part["pattern"] for part in entry["anyOf"] if "pattern" in part)
    assert re.match(pattern, "14:30:00")
    assert re.match(pattern, "14:30")


def test_the_openapi_document_describes_every_endpoints_errors(openapi: dict[str, Any]) -> None:
    error = openapi["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "message", "field"}
    for method, path, op in operations(openapi):
        statuses = set(op["responses"])
        assert {"401", "403", "422"} <= statuses, (method, path)
        if "{" in path:
            assert "404" in statuses, (method, path)
        ref = op["responses"]["422"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.endswith("/Error")
        if method in ("post", "put", "patch", "delete"):  # the request size limit
            assert "413" in statuses, (method, path)


def test_an_address_under_the_api_that_no_operation_answers_is_a_json_404(
    api: Client, client: Client
) -> None:
    """Also a whole number path parameter that is not digits: the route does not match it."""
    for url in (
        "/api/v1/attachments/-2048",
        "/api/v1/interaction-log-entries/1/comments/-1",
        "/api/v1/segments/S%0A1/lines/-1",
        "/api/v1/no-such-thing",
    ):
        response = api.delete(url) if "comments" in url else api.get(url)
        assert response.status_code == 404, url
        assert response["Content-Type"] == "application/json", url
        assert response.json() == {
            "code": "not_found",
            "message": "There is no such address or record in the API.",
            "field": None,
        }
    anonymous = client.get("/api/v1/attachments/-2048")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "not_authenticated"


def test_operation_summaries_say_what_they_do(openapi: dict[str, Any]) -> None:
    verbs = {
        "List", "Get", "Create", "Update", "Delete", "Add", "Remove", "Save", "Download",
        "Cancel", "Restore", "Evaluate", "Resume", "Revoke", "Import", "Export",
        "Activate", "Deactivate", "Close", "Preview", "Run", "Undo", "Replay", "Log", "Set",
        "Send", "Resend", "Erase",
    }  # fmt: skip
    summaries = {(method, path): op["summary"] for method, path, op in operations(openapi)}
    for key, summary in summaries.items():
        assert "Row" not in summary, key
        assert summary.split()[0] in verbs, (key, summary)
    assert summaries[("post", "/api/v1/interaction-groups")] == "Create interaction group"
    assert summaries[("delete", "/api/v1/salespeople/{salesperson_code}")] == ("Delete salesperson")


def test_path_parameters_are_named_for_what_they_hold(openapi: dict[str, Any]) -> None:
    paths = set(openapi["paths"])
    for expected in (
        "/api/v1/contacts/{contact_no}",
        "/api/v1/salespeople/{salesperson_code}",
        "/api/v1/campaigns/{campaign_no}",
        "/api/v1/languages/{language_code}",
        "/api/v1/number-series/{number_series_code}",
        "/api/v1/business-relations/{business_relation_code}",
    ):
        assert expected in paths


# --- 15.7: no deprecation warnings from the API framework -------------------------------------


def test_the_api_framework_gives_no_deprecation_warnings(api: Client) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        created = send(api, "post", "/api/v1/languages", {"code": "SWE", "name": "Swedish"})
        deleted = api.delete("/api/v1/languages/SWE")
    assert (created.status_code, deleted.status_code) == (201, 204)
    assert not [w for w in caught if issubclass(w.category, DeprecationWarning)]
