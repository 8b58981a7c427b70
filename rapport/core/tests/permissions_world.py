"""The rows the permissions matrix points its paths at, built once through the real services,
and the helpers the matrix uses: the roles' users and clients, every route of the URL resolver
and every operation of the served OpenAPI document, and a checksum of the stored data.

alice is an admin, dave works in marketing, bob in sales, carol may only read (the conftest's
actors). Most rows are made by alice; bob owns a token and a job, dave a postponed interaction,
so that the matrix also reaches other users' rows by id.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from rapport.accounts.roles import RAPPORT_APPS
from rapport.conftest import make_user

ROLES = ("admin", "marketing", "sales", "viewer")
ACTORS = {"admin": "alice", "marketing": "dave", "sales": "bob", "viewer": "carol"}


@dataclass
class World:
    users: dict[str, Any]  # role -> user
    keys: dict[str, Any] = field(default_factory=dict)  # what the paths name
    tokens: dict[str, str] = field(default_factory=dict)  # role / "revoked" / ... -> raw token


def build_world() -> World:
    """Every kind of row a route can name, made through the services."""
    from rapport.accounts.services import create_api_token, create_salesperson, update_user
    from rapport.campaigns.services import create_campaign, create_campaign_status
    from rapport.contacts.services import (
        add_contact_business_relation,
        create_business_relation,
        create_contact,
        create_contact_alt_address,
    )
    from rapport.core.models import Language
    from rapport.core.services import create_number_series, start_job
    from rapport.documents import services as documents
    from rapport.documents.models import DocumentEvent
    from rapport.interactions import services as interactions
    from rapport.interactions.attachments import Upload
    from rapport.segments import services as segments
    from rapport.webhooks import services as webhooks

    users = {role: make_user(ACTORS[role], role) for role in ROLES}
    alice, bob, dave = users["admin"], users["sales"], users["marketing"]
    world = World(users=users)
    k = world.keys

    anna = create_salesperson(actor=alice, code="ANNA", name="Anna Ahonen")
    bob_sp = create_salesperson(actor=alice, code="BOB", name="Bob Sales")
    dave_sp = create_salesperson(actor=alice, code="DAVE", name="Dave Marketing")
    update_user(actor=alice, user=bob, salesperson=bob_sp)
    update_user(actor=alice, user=dave, salesperson=dave_sp)
    k["salesperson_code"] = anna.code
    k["username"] = bob.username

    create_number_series(actor=alice, code="PERM", starting_no="P0001")
    k["number_series_code"] = "PERM"
    fin = Language.objects.get(code="FI")
    k["language_code"] = fin.code

    relation = create_business_relation(actor=alice, code="CUST", description="Customer")
    k["business_relation_code"] = relation.code
    kesko = create_contact(
        actor=alice, name="Kesko Oyj", salesperson=anna, email="info@kesko.example", language=fin
    )
    matti = create_contact(
        actor=alice, name="Matti Virtanen", type="person", company=kesko, email="m@kesko.example"
    )
    link = add_contact_business_relation(
        actor=alice, contact=kesko, business_relation=relation, link_to_table="customer", no="1"
    )
    alt = create_contact_alt_address(actor=alice, contact=kesko, code="HOME", city="Espoo")
    k.update(contact_no=kesko.no, person_no=matti.no, link_id=link.pk, alt_address_code=alt.code)

    campaign = create_campaign(actor=alice, description="Spring")
    status = create_campaign_status(actor=alice, code="PLANNED", description="Planned")
    k.update(campaign_no=campaign.no, campaign_status_code=status.code)

    group = interactions.create_interaction_group(actor=alice, code="LETTER")
    template = interactions.create_interaction_template(
        actor=alice,
        code="CALL",
        group=group,
        description="Phone call",
        unit_cost=Decimal("2.50"),
        information_flow="outbound",
        initiated_by="us",
        correspondence_type="",
    )
    language_row = interactions.save_template_language(
        actor=alice,
        template=template,
        language=fin,
        description="Puhelu",
        upload=Upload(content=b"Hei", name="hei.txt", content_type="text/plain"),
    )
    k.update(
        interaction_group_code=group.code,
        template_code=template.code,
        template_language_pk=language_row.pk,
        attachment_no=language_row.attachment_id,
    )

    def interact(actor: Any, contact: Any, **values: Any) -> Any:
        postpone = values.pop("postpone", False)
        return interactions.create_interaction(
            actor=actor,
            data=interactions.InteractionInput(
                contact=contact, template=template, description="Call", **values
            ),
            postpone=postpone,
        )

    entry = interact(alice, kesko, campaign=campaign)
    interactions.add_entry_comment(actor=alice, entry=entry, comment="Called back")
    canceled = interact(alice, matti)
    interactions.cancel_entries(actor=alice, entries=type(canceled).objects.filter(pk=canceled.pk))
    postponed = interact(dave, matti, postpone=True)
    k.update(
        entry_no=entry.pk,
        comment_line_no=10000,
        postponed_no=postponed.pk,
        campaign_entry_no=entry.campaign_entry_id,
    )

    cycle = interactions.create_sales_cycle(actor=alice, code="FIRM", description="Firm")
    interactions.create_sales_cycle_stage(
        actor=alice, sales_cycle=cycle, stage=1, description="Initial"
    )
    opportunity = interactions.create_opportunity(
        actor=alice, contact=kesko, description="Big deal", sales_cycle=cycle
    )
    k.update(sales_cycle_code=cycle.code, stage_no=1, opportunity_no=opportunity.no)

    segment = segments.create_segment(
        actor=alice, description="Newsletter", template=template, salesperson=anna
    )
    segments.add_contacts(actor=alice, segment=segment, filters={"contact": {"type": "company"}})
    segments.save_criteria(actor=alice, segment=segment, code="KESKO")
    line = segment.lines.order_by("line_no").first()
    assert line is not None
    to_log = segments.create_segment(
        actor=alice, description="Logged", template=template, salesperson=anna
    )
    segments.add_segment_line(actor=alice, segment=to_log, contact=matti)
    logged = segments.log_segment(actor=alice, segment=to_log).logged_segment
    k.update(
        segment_no=segment.no, line_no=line.line_no, criteria_code="KESKO", logged_no=logged.pk
    )
    _print_bundle(world, group=group, salesperson=dave_sp, contact=matti)

    subscriber = webhooks.create_subscriber(actor=alice, url="https://hooks.example/rapport")
    webhooks.record_event("entry.created", {"entry_no": entry.pk})
    k.update(
        subscriber_id=subscriber.pk, delivery_id=subscriber.deliveries.values_list("pk").get()[0]
    )

    invoices = interactions.create_interaction_template(
        actor=alice,
        code="SINV",
        group=group,
        description="Invoice",
        information_flow="outbound",
        correspondence_type="",
    )
    interactions.update_template_setup(actor=alice, sales_invoices=invoices)
    result = documents.record_document_event(
        actor=alice,
        data=documents.DocumentEventInput(
            document_type="sales_invoice",
            document_no="PS-1",
            event="posted",
            document_date=datetime.date(2026, 11, 23),
            contact_no=kesko.no,
        ),
    )
    assert result.status == "recorded", result
    k["event_id"] = DocumentEvent.objects.values_list("pk", flat=True).get()

    bobs_job = start_job(actor=bob, kind="contacts.import", description="Bob's import")
    k["job_id"] = bobs_job.pk

    for role, user in users.items():
        world.tokens[role] = create_api_token(actor=user, user=user, name="matrix")[1]
    world.tokens["read"] = create_api_token(actor=alice, user=alice, name="read", scope="read")[1]
    revoked, world.tokens["revoked"] = create_api_token(actor=alice, user=alice, name="gone")
    from rapport.accounts.services import revoke_api_token

    revoke_api_token(actor=alice, token=revoked)
    soon = timezone.now() + datetime.timedelta(seconds=1)
    expiring, world.tokens["expired"] = create_api_token(
        actor=alice, user=alice, name="old", expires_at=soon
    )
    type(expiring).objects.filter(pk=expiring.pk).update(
        expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    bobs_token = create_api_token(actor=bob, user=bob, name="bob's")[0]
    k["token_id"] = bobs_token.pk
    return world


# --- routes -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "app:name", or the pattern itself for an unnamed route
    pattern: str
    params: tuple[str, ...]


_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


# The API's own pages, which are not operations of its OpenAPI document.
_API_PAGES = ("api:openapi-json", "api:openapi-view")


def html_routes() -> list[Route]:
    """Every pattern of the URL resolver but the API's operations (the OpenAPI document lists
    those)."""
    found: list[Route] = []

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                text = prefix + str(pattern.pattern)
                if pattern.name:
                    name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                else:
                    name = "/" + text
                params = tuple(a or b for a, b in _PARAM.findall(text))
                found.append(Route(name, text, params))

    walk(get_resolver().url_patterns, "", "")
    return [r for r in found if not r.name.startswith("api:") or r.name in _API_PAGES]


def api_operations_of(document: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(method, path, operation id) of every operation of the served OpenAPI document."""
    return [
        (method.upper(), path, operation["operationId"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


# --- the stored data ----------------------------------------------------------------------------

# Columns that reading may touch: a token's last use, a user's last sign-in.
_VOLATILE = {"last_used_at", "last_login"}


def checksum() -> str:
    """A digest of every row of Rapport's models (users, tokens and jobs included)."""
    digest = hashlib.sha256()
    models = [m for m in apps.get_models() if m._meta.app_label in RAPPORT_APPS]
    for model in sorted(models, key=lambda m: m._meta.label):
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in _VOLATILE]
        digest.update(model._meta.label.encode())
        for row in model._default_manager.order_by("pk").values_list(*names):
            digest.update(repr(row).encode())
    return digest.hexdigest()


# Which row a route's `pk` (or another ambiguous parameter) names, by URL name prefix.
_HTML_PK = {
    "accounts:token_revoke": "token_id",
    "contacts:contact_relation_delete": "link_id",
    "interactions:template_": "template_language_pk",
    "interactions:attachment_download": "attachment_no",
    "interactions:entry_": "entry_no",
    "interactions:postponed_resume": "postponed_no",
    "segments:logged_segment_": "logged_no",
    "webhooks:": "subscriber_id",
    "documents:": "event_id",
    "core:job_": "job_id",
}
_HTML_CODE = {
    "accounts:salespeople_": "salesperson_code",
    "contacts:business-relations_": "business_relation_code",
    "contacts:alt_address_": "alt_address_code",
    "interactions:group_": "interaction_group_code",
    "interactions:template_": "template_code",
    "interactions:sales": "sales_cycle_code",
    "campaigns:campaigns_": "campaign_no",
    "campaigns:campaign-statuses_": "campaign_status_code",
    "core:number-series_": "number_series_code",
    "core:languages_": "language_code",
}
_HTML_NO = {
    "contacts:": "contact_no",
    "interactions:campaign_": "campaign_no",
    "interactions:phone_call": "contact_no",
    "interactions:opportunity_": "opportunity_no",
    "segments:": "segment_no",
    "privacy:": "contact_no",
}
_HTML_OTHER = {
    "username": "username",
    "job_id": "job_id",
    "job": "job_id",
    "stage": "stage_no",
    "line_no": "line_no",
    "delivery_id": "delivery_id",
}


# One route's parameter that names another row than the parameter's name elsewhere.
_HTML_ROUTE_PARAMS = {
    ("interactions:print_bundle", "job_id"): "bundle_job_id",
    ("segments:logged_segment_bundle", "pk"): "bundle_logged_no",
    ("segments:logged_segment_bundle", "job"): "bundle_job_id",
}


def _by_prefix(table: dict[str, str], name: str) -> str:
    for prefix in sorted(table, key=len, reverse=True):
        if name.startswith(prefix):
            return table[prefix]
    raise KeyError(name)


def _admin_kwargs(route: Route) -> dict[str, Any]:
    """Django admin: the first row of the route's model (admin:<app>_<model>_<view>)."""
    from django.contrib.contenttypes.models import ContentType

    from rapport.accounts.models import Salesperson

    model: Any = Salesperson
    for candidate in apps.get_models():
        label = f"{candidate._meta.app_label}_{candidate._meta.model_name}"
        if (
            f"/{candidate._meta.app_label}/{candidate._meta.model_name}/" in "/" + route.pattern
            or route.name.startswith(f"admin:{label}_")
        ):
            model = candidate
    pk = model._default_manager.order_by("pk").values_list("pk", flat=True).first()
    values = {
        "object_id": pk,
        "id": pk,
        "content_type_id": ContentType.objects.get_for_model(model).pk,
        "app_label": "accounts",
        "url": "no-such-page/",
    }
    return {param: values[param] for param in route.params}


def _print_bundle(world: World, *, group: Any, salesperson: Any, contact: Any) -> None:
    """dave (marketing) logs a one-line segment of a Word letter and delivers it: the delivery
    job makes a print bundle (its job and logged segment are what the bundle routes name)."""
    from rapport.core.jobs import execute_job
    from rapport.core.models import Job, JobStatus, Language
    from rapport.interactions import services as interactions
    from rapport.interactions.tests.documents import letter_upload
    from rapport.segments import services as segments

    alice, dave = world.users["admin"], world.users["marketing"]
    english = Language.objects.get(code="EN")
    letter = interactions.create_interaction_template(
        actor=alice,
        code="PRINTED",
        group=group,
        description="Printed letter",
        correspondence_type="hard_copy",
        ignore_contact_corres_type=True,
        language=english,
    )
    interactions.save_template_language(
        actor=alice, template=letter, language=english, upload=letter_upload("{{ contact.name }}")
    )
    segment = segments.create_segment(
        actor=dave, description="Letters", template=letter, salesperson=salesperson
    )
    segments.add_segment_line(actor=dave, segment=segment, contact=contact)
    logged = segments.log_segment(actor=dave, segment=segment, deliver=True).logged_segment
    job = Job.objects.get(kind=interactions.DELIVER, status=JobStatus.QUEUED)
    execute_job(job.pk)
    assert Job.objects.get(pk=job.pk).delivery_bundle is not None
    world.keys.update(bundle_job_id=job.pk, bundle_logged_no=logged.pk)


def html_path(route: Route, keys: dict[str, Any]) -> str:
    """The route's path with real rows for its parameters."""
    from django.urls import reverse

    if route.name.startswith("/"):
        # An unnamed pattern: the admin's redirects and catch-all, favicon.ico, api/docs.
        path = route.pattern
        for param, value in _admin_kwargs(route).items():
            path = re.sub(rf"<(?:\w+:)?{param}>|\(\?P<{param}>[^)]*\)", str(value), path)
        return "/" + path.lstrip("^").rstrip("$")
    if route.name.startswith("admin:"):
        return reverse(route.name, kwargs=_admin_kwargs(route))
    return reverse(route.name, kwargs=html_kwargs(route, keys))


def html_kwargs(route: Route, keys: dict[str, Any]) -> dict[str, Any]:
    """Real rows for the route's parameters."""
    kwargs: dict[str, Any] = {}
    for param in route.params:
        if (route.name, param) in _HTML_ROUTE_PARAMS:
            kwargs[param] = keys[_HTML_ROUTE_PARAMS[route.name, param]]
        elif param == "pk":
            kwargs[param] = keys[_by_prefix(_HTML_PK, route.name)]
        elif param == "code":
            kwargs[param] = keys[_by_prefix(_HTML_CODE, route.name)]
        elif param == "no":
            kwargs[param] = keys[_by_prefix(_HTML_NO, route.name)]
        elif param == "action":
            kwargs[param] = "add"
        else:
            kwargs[param] = keys[_HTML_OTHER[param]]
    return kwargs


# API path parameters: by "<first path segment>:<parameter>", else by the parameter's name.
_API_PARAMS = {
    "print-bundles:job_id": "bundle_job_id",
    "postponed-interactions:entry_no": "postponed_no",
    "logged-segments:entry_no": "logged_no",
    "interaction-log-entries:line_no": "comment_line_no",
    "sales-cycles:code": "sales_cycle_code",
    "contacts:contact_no": "contact_no",
}


def api_path(path: str, keys: dict[str, Any]) -> str:
    first = path.split("/")[3]

    def value(match: re.Match[str]) -> str:
        param = match.group(1)
        return str(keys[_API_PARAMS.get(f"{first}:{param}", param)])

    return re.sub(r"\{(?:\w+:)?(\w+)\}", value, path)


# --- minimal bodies -----------------------------------------------------------------------------

# A payload field that names a row gets a real one; by "<first path segment>:<field>" or name.
_BODY_KEYS = {
    "postponed-interactions:entry_nos": "postponed_no",
    "logged-segments:entry_nos": "logged_no",
    "entry_nos": "entry_no",
    "line_nos": "line_no",
    "campaign-entries:entry_nos": "campaign_entry_no",
    "contact_no": "contact_no",
    "template_code": "template_code",
    "salesperson_code": "salesperson_code",
    "language_code": "language_code",
    "criteria_code": "criteria_code",
    "business_relation_code": "business_relation_code",
    "logged_segment_no": "logged_no",
    "logged_segment_entry_no": "logged_no",
}


def minimal_body(document: dict[str, Any], schema: dict[str, Any], path: str, keys: Any) -> Any:
    """The smallest payload the schema accepts: every required field, with real rows where a
    field names one; so that what answers is the permission check, not the validation."""
    first = path.split("/")[3]

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
        return node

    def value(name: str, node: dict[str, Any]) -> Any:
        node = resolve(node)
        for key in (f"{first}:{name}", name):
            if key in _BODY_KEYS:
                row = keys[_BODY_KEYS[key]]
                return [row] if node.get("type") == "array" else row
        if "anyOf" in node:
            choices = [c for c in node["anyOf"] if resolve(c).get("type") != "null"]
            return value(name, choices[0])
        if "enum" in node:
            return node["enum"][0]
        kind = node.get("type")
        if kind == "object":
            return {
                prop: value(prop, sub)
                for prop, sub in node.get("properties", {}).items()
                if prop in node.get("required", [])
            }
        if kind == "array":
            return [value(name, node.get("items", {}))]
        if kind == "integer" or kind == "number":
            return max(1, node.get("minimum", 1))
        if kind == "boolean":
            return False
        if node.get("format") == "date":
            return "2026-11-23"
        if node.get("format") == "date-time":
            return "2026-11-23T10:00:00"
        if node.get("format") == "binary":
            return "FILE"
        return "PERM1"

    return value("", schema)
