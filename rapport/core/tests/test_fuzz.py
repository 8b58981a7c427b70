"""Fuzzing the REST API with schemathesis: whatever the input, the answer is never a 5xx.

The served OpenAPI document (fetched as an administrator, like a client would) drives
schemathesis; every operation gets a bounded number of generated requests, sent through the
whole Django stack (WSGI) with an administrator's API token. Half of the requests name rows
that exist (a contact, a salesperson, a template, a logged interaction, ...) so that bodies
reach the services, not only the 404. Derandomized, so a failure is reproducible; the number of
examples per operation is RAPPORT_FUZZ_EXAMPLES (default 15: the step stays well under a
minute on two cores).
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings

from rapport.accounts.services import create_api_token
from rapport.conftest import make_user

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = int(os.environ.get("RAPPORT_FUZZ_EXAMPLES", "15"))


def seed(actor: Any) -> dict[str, str]:
    """Rows the fuzzer's paths can name: {path parameter (or path prefix:parameter): key}."""
    from rapport.accounts.services import create_salesperson
    from rapport.campaigns.services import create_campaign
    from rapport.contacts.services import create_business_relation, create_contact
    from rapport.core.services import create_language, create_number_series
    from rapport.interactions import services as interactions

    salesperson = create_salesperson(actor=actor, code="AH", name="Aino Heikkinen")
    create_language(actor=actor, code="FIN", name="Finnish")
    create_number_series(actor=actor, code="TEST", starting_no="T0001")
    create_business_relation(actor=actor, code="PRESS", description="Press")
    campaign = create_campaign(actor=actor, description="Spring")
    group = interactions.create_interaction_group(actor=actor, code="LETTER")
    template = interactions.create_interaction_template(
        actor=actor,
        code="CALL",
        group=group,
        description="Phone call",
        information_flow="outbound",
        initiated_by="us",
        correspondence_type="",
    )
    contact = create_contact(actor=actor, name="Kesko Oyj", salesperson=salesperson)
    entry = interactions.create_interaction(
        actor=actor,
        data=interactions.InteractionInput(contact=contact, template=template, description="Hi"),
    )
    return {
        "contact_no": contact.no,
        "no": contact.no,
        "salesperson_code": "AH",
        "language_code": "FIN",
        "number_series_code": "TEST",
        "business_relation_code": "PRESS",
        "campaign_no": campaign.no,
        "interaction_group_code": "LETTER",
        "entry_no": str(entry.pk),
        "username": actor.username,
        "/salespeople:code": "AH",
        "/interaction-groups:code": "LETTER",
        "/interaction-templates:code": "CALL",
        "/opportunities:no": "OP000001",
    }


def real_path(case: Any, keys: dict[str, str]) -> None:
    """Point the case's path parameters at rows that exist."""
    prefix = "/" + case.operation.path.split("/")[3]
    for name in list(case.path_parameters or {}):
        value = keys.get(f"{prefix}:{name}", keys.get(name))
        if value is not None:
            case.path_parameters[name] = value


@pytest.fixture
def served_schema(db: None, settings: Any) -> Iterator[Any]:
    # An exception escaping a view is reported with its traceback instead of a bare 500 page.
    settings.DEBUG_PROPAGATE_EXCEPTIONS = True
    from rapport.wsgi import application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    alice = make_user("fuzzalice", "admin")
    _, raw = create_api_token(actor=alice, user=alice, name="fuzz")
    headers = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, headers=headers)
    schema.fuzz_headers = headers  # type: ignore[attr-defined]
    schema.fuzz_keys = seed(alice)  # type: ignore[attr-defined]
    # Like Django's test client: the test's database connection stays open between requests.
    try:
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def test_no_input_makes_the_api_answer_with_a_server_error(served_schema: Any) -> None:
    failures: list[str] = []
    for result in served_schema.get_all_operations():
        operation = result.ok()

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            if len(repr(case.body)) % 2:  # deterministic "half of the requests"
                real_path(case, served_schema.fuzz_keys)
            try:
                response = case.call(headers=served_schema.fuzz_headers)
            except Exception as exc:
                raise AssertionError(
                    f"{case.method} {case.formatted_path} raised\n{case.as_curl_command()}\n"
                    + "".join(traceback.format_exception(exc)[-6:])
                ) from exc
            assert response.status_code < 500, (
                f"{case.method} {case.formatted_path} -> {response.status_code}\n"
                f"{case.as_curl_command()}\n{response.text[:1500]}"
            )

        try:
            fuzz()
        except AssertionError as exc:
            failures.append(str(exc))
    assert not failures, "\n\n".join(failures)
