"""Fuzzing the REST API with schemathesis: whatever the input and whoever asks, the answer is
never a 5xx and always what the served OpenAPI document says.

The served OpenAPI document (fetched with an administrator's token, like a client would) drives
schemathesis. Every operation of the document gets generated requests, sent through the whole
Django stack (WSGI), each with the API token of one of several identities: an administrator, a
marketing user, a salesperson, a viewer and a read-only token of an administrator (a 403 is a
fine answer, as long as the document lists it). Half of the requests name rows that exist (a
contact, a salesperson, a template, a logged interaction, ...) so that bodies reach the
services, not only the 404. Inputs are both valid for the document (positive) and not
(negative: wrong types, missing fields, out-of-range values), and the identities take turns.

Every response is validated with all five of schemathesis' response checks:
`not_a_server_error`, `status_code_conformance`, `content_type_conformance`,
`response_headers_conformance` and `response_schema_conformance`. None is skipped or relaxed.

At least RAPPORT_FUZZ_CASES requests are sent per run (default 2000), spread over the
operations: each operation gets its share of what is still to send (an operation whose inputs
run out early, such as one without parameters, leaves its share to the next); every operation
must be sent at least one request. Derandomized, so a failure is reproducible: the report names
the operation, the identity and a curl command, once per operation, identity and kind of
failure. The default run costs about 45 s of CPU (printed with `-s`).
"""

from __future__ import annotations

import math
import os
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from rapport.accounts.models import TokenScope
from rapport.accounts.services import create_api_token
from rapport.conftest import make_user

pytestmark = pytest.mark.django_db

CASES = int(os.environ.get("RAPPORT_FUZZ_CASES", "2000"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# (identity, role of its user, token scope)
IDENTITIES = [
    ("admin", "admin", TokenScope.WRITE),
    ("marketing", "marketing", TokenScope.WRITE),
    ("sales", "sales", TokenScope.WRITE),
    ("viewer", "viewer", TokenScope.WRITE),
    ("admin-read-token", "admin", TokenScope.READ),
]


def seed(actor: Any) -> dict[str, str]:
    """Rows the fuzzer's paths can name: {path parameter (or path prefix:parameter): key}."""
    from rapport.accounts.services import create_salesperson
    from rapport.campaigns.services import create_campaign, create_campaign_status
    from rapport.contacts.services import create_business_relation, create_contact
    from rapport.core.services import create_language, create_number_series
    from rapport.interactions import services as interactions
    from rapport.segments import services as segments
    from rapport.webhooks.services import create_subscriber

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
    comment = interactions.add_entry_comment(actor=actor, entry=entry, comment="Called back")
    postponed = interactions.create_interaction(
        actor=actor,
        data=interactions.InteractionInput(contact=contact, template=template, description="Later"),
        postpone=True,
    )
    create_campaign_status(actor=actor, code="PLAN", description="Planned")
    cycle = interactions.create_sales_cycle(actor=actor, code="LARGE", description="Large")
    interactions.create_sales_cycle_stage(
        actor=actor, sales_cycle=cycle, stage=1, description="Initial"
    )
    opportunity = interactions.create_opportunity(
        actor=actor, contact=contact, description="Big deal", sales_cycle=cycle
    )
    segment = segments.create_segment(actor=actor, description="Customers")
    line = segments.add_segment_line(actor=actor, segment=segment, contact=contact)
    logged = segments.create_segment(actor=actor, description="Sent", template=template)
    segments.add_segment_line(actor=actor, segment=logged, contact=contact)
    logged_segment = segments.log_segment(actor=actor, segment=logged).logged_segment
    subscriber = create_subscriber(actor=actor, url="https://example.com/hook")
    token, _raw = create_api_token(actor=actor, user=actor, name="seeded")
    return {
        "/interaction-log-entries:line_no": str(comment.line_no),
        "/postponed-interactions:entry_no": str(postponed.pk),
        "campaign_status_code": "PLAN",
        "sales_cycle_code": "LARGE",
        "/sales-cycles:code": "LARGE",
        "stage_no": "1",
        "opportunity_no": opportunity.no,
        "segment_no": segment.no,
        "/segments:line_no": str(line.line_no),
        "/logged-segments:entry_no": str(logged_segment.pk),
        "subscriber_id": str(subscriber.pk),
        "token_id": str(token.pk),
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
    users: dict[str, Any] = {}
    headers: dict[str, dict[str, str]] = {}
    for name, role, scope in IDENTITIES:
        user = users.get(role) or make_user(f"fuzz{role}", role)
        users[role] = user
        _, raw = create_api_token(actor=user, user=user, name=f"fuzz {name}", scope=scope)
        headers[name] = {"Authorization": f"Bearer {raw}"}
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/openapi.json", application, headers=headers["admin"]
    )
    schema.fuzz_headers = headers  # type: ignore[attr-defined]
    schema.fuzz_keys = seed(users["admin"])  # type: ignore[attr-defined]
    # Like Django's test client: the test's database connection stays open between requests.
    try:
        yield schema
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def fuzz_operation(
    schema: Any,
    operation: Any,
    examples: int,
    sent: Counter[str],
    statuses: Counter[int],
    failures: dict[str, str],
) -> int:
    """Send up to `examples` generated requests to `operation`; returns how many were sent.
    A failure is recorded (once per operation, identity and kind) rather than raised, so that
    one run reports every gap and the count of requests sent stays exact."""
    count = 0

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        case=st.one_of(
            operation.as_strategy(GenerationMode.POSITIVE),
            operation.as_strategy(GenerationMode.NEGATIVE),
        )
    )
    def fuzz(case: Any) -> None:
        nonlocal count
        if len(repr(case.body)) % 2:  # deterministic "half of the requests"
            real_path(case, schema.fuzz_keys)
        # The identities take turns (over the whole run, so each one sees every operation).
        identity = IDENTITIES[sum(sent.values()) % len(IDENTITIES)][0]
        count += 1
        sent[identity] += 1
        label = f"{case.method} {case.operation.path} as {identity}"
        headers = schema.fuzz_headers[identity]
        try:
            response = case.call(headers=headers)
        except Exception as exc:
            failures.setdefault(
                f"{label}: raised {type(exc).__name__}",
                f"{case.as_curl_command(headers=headers)}\n"
                + "".join(traceback.format_exception(exc)[-6:]),
            )
            return
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                failures.setdefault(
                    f"{label}: {response.status_code} {failure.title}",
                    f"{failure.message}\n{case.as_curl_command(headers=headers)}\n"
                    f"{response.text[:600]}",
                )

    fuzz()
    return count


def test_every_operation_answers_as_documented_to_every_role_whatever_the_input(
    served_schema: Any,
) -> None:
    operations = []
    for result in served_schema.get_all_operations():
        operations.append(result.ok())  # an operation schemathesis cannot load fails the test
    assert len(operations) > 100
    # Operations without parameters or body first: their inputs run out soonest.
    operations.sort(
        key=lambda op: (len(op.path_parameters) + len(op.query) + len(op.body), op.label)
    )
    started = time.process_time()
    sent: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    per_operation: dict[str, int] = {}
    failures: dict[str, str] = {}
    for i, operation in enumerate(operations):
        share = math.ceil((CASES - sum(sent.values())) / (len(operations) - i))
        per_operation[operation.label] = fuzz_operation(
            served_schema, operation, max(share, 1), sent, statuses, failures
        )
    total = sum(sent.values())
    print(
        f"fuzz: {total} requests over {len(operations)} operations in "
        f"{time.process_time() - started:.0f} s of CPU; by identity {dict(sent)}; "
        f"by status {dict(sorted(statuses.items()))}"
    )
    assert not failures, f"{len(failures)} kinds of failure:\n\n" + "\n\n".join(
        f"{key}\n{detail}" for key, detail in sorted(failures.items())
    )
    assert total >= CASES, f"only {total} requests sent"
    assert all(per_operation.values()), [k for k, v in per_operation.items() if not v]
    assert set(sent) == {i[0] for i in IDENTITIES}
