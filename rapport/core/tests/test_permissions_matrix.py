"""Who may do what, route by route: every page of the URL resolver and every operation of the
served OpenAPI document, for every role (admin, marketing, sales, viewer), anonymous, and on the
API a revoked, an expired and a read-only token.

The tables below list every route. A route that is missing from them fails
`test_every_route_and_operation_is_in_the_table`, whose message is the entry to add (with the
statuses the route answers now: check them before pasting). Paths name real rows built once
(`permissions_world.build_world`); bob owns a token and a job, dave a postponed interaction,
so other users' rows are reached by id too.

Pages: GET, then POST. A refused role (403, or 404 for another user's row) posts twice: an
empty body, which may at most send it back (never a form or a "Delete ...?" question), and a
confirmed one (`confirmed=1` plus the fields the action needs); neither may change any stored
row (the checksum of every table of Rapport's apps). A role that may act posts the confirmed body
inside a transaction that is rolled back, so the shared rows stay as they were. Anonymous
visitors are sent to the sign-in page ("login").

API: each operation with its own method and the smallest body its schema accepts (real rows
where a field names one), so that a refusal is the permission check and not validation.
Anonymous visitors, revoked and expired tokens get 401 everywhere; a read-only token answers
like its owner (admin) on GET and 403 on every write; nothing refused changes anything.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponseBase
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from rapport.core.tests.permissions_world import (
    ROLES,
    Route,
    World,
    api_operations_of,
    api_path,
    build_world,
    checksum,
    html_path,
    html_routes,
    minimal_body,
)

pytestmark = pytest.mark.django_db

Expect = dict[str, Any]  # role (or "anonymous") -> status; "login": a redirect to sign in

A, M, S, V = ROLES


def everyone(status: Any, anonymous: Any = "login") -> Expect:
    """Every role gets `status`."""
    return {A: status, M: status, S: status, V: status, "anonymous": anonymous}


def only(roles: str, status: int = 200, anonymous: Any = "login", others: int = 403) -> Expect:
    """The roles named (e.g. "admin sales") get `status`, the others 403."""
    named = roles.split()
    assert set(named) <= set(ROLES), roles
    return {
        **{role: status if role in named else others for role in ROLES},
        "anonymous": anonymous,
    }


def each(statuses: str, anonymous: Any = "login") -> Expect:
    """Statuses for admin, marketing, sales, viewer in that order: "200 404 200 404"."""
    values = [int(s) if s.isdigit() else s for s in statuses.split()]
    return {**dict(zip(ROLES, values, strict=True)), "anonymous": anonymous}


READ = everyone(200)
NO_GET = everyone(405)  # the route only takes POST
NO_POST = everyone(405)  # the route only takes GET
ADMIN_SITE = "admin-login"  # Django's admin sends non-staff users to its own sign-in page


def admin_site(get: int, post: int, anonymous: str = "login") -> tuple[Expect, Expect]:
    """The Django admin: only staff (admins) get in, the others are sent to its sign-in."""
    others = {M: ADMIN_SITE, S: ADMIN_SITE, V: ADMIN_SITE, "anonymous": anonymous}
    return {A: get, **others}, {A: post, **others}


# fmt: off
# Pages: URL name -> (GET, POST). Write roles as the roles file says: setup and users are the
# admin's, templates/segments/campaigns marketing's, contacts sales', interactions both's.
HTML: dict[str, tuple[Expect, Expect]] = {
    "home": (everyone(302), everyone(302)),
    "health": (everyone(200, anonymous=200), everyone(405, anonymous=405)),
    "language_set": (everyone(405, anonymous=405), everyone(302, anonymous=302)),
    "login": (everyone(302, anonymous=200), everyone(302, anonymous=200)),
    "logout": (NO_GET, everyone("login")),
    "accounts:profile": (READ, READ),
    "accounts:profile_language": (NO_GET, everyone(302)),
    "accounts:token_create": (NO_GET, everyone(422)),
    "accounts:token_revoke": (NO_GET, each("302 404 302 404")),
    "accounts:user_list": (only("admin"), only("admin")),
    "accounts:user_new": (only("admin"), only("admin", 422)),
    "accounts:user_card": (only("admin"), only("admin", 302)),
    "accounts:salespeople_list": (READ, READ),
    "accounts:salespeople_new": (only("admin"), only("admin", 422)),
    "accounts:salespeople_card": (READ, only("admin", 422)),
    "accounts:salespeople_delete": (NO_GET, only("admin", 302)),
    "contacts:contact_list": (READ, READ),
    "contacts:contact_new": (only("admin sales"), only("admin sales", 422)),
    "contacts:contact_export": (READ, NO_POST),
    "contacts:contact_import": (only("admin sales"), only("admin sales", 422)),
    "contacts:setup": (READ, only("admin", 422)),
    "contacts:business-relations_list": (READ, READ),
    "contacts:business-relations_new": (only("admin"), only("admin", 422)),
    "contacts:business-relations_card": (READ, only("admin", 302)),
    "contacts:business-relations_delete": (NO_GET, only("admin", 302)),
    "contacts:contact_detail": (READ, READ),
    "contacts:contact_edit": (only("admin sales"), only("admin sales", 422)),
    "contacts:contact_delete": (NO_GET, only("admin sales", 302)),
    "contacts:contact_relation_add": (NO_GET, only("admin sales", 302)),
    "contacts:contact_relation_delete": (NO_GET, only("admin sales", 302)),
    "contacts:alt_address_new": (only("admin sales"), only("admin sales", 422)),
    "contacts:alt_address_edit": (only("admin sales"), only("admin sales", 422)),
    "contacts:alt_address_delete": (NO_GET, only("admin sales", 302)),
    "interactions:campaign_entry_list": (READ, READ),
    "interactions:campaign_entry_action": (NO_GET, only("admin marketing", 302)),
    "interactions:campaign_activation": (only("admin marketing"), only("admin marketing", 302)),
    "interactions:group_list": (READ, READ),
    "interactions:group_new": (only("admin marketing"), only("admin marketing", 422)),
    "interactions:group_detail": (READ, READ),
    "interactions:group_edit": (only("admin marketing"), only("admin marketing", 302)),
    "interactions:group_delete": (NO_GET, only("admin marketing", 302)),
    "interactions:template_list": (READ, READ),
    "interactions:template_new": (only("admin marketing"), only("admin marketing", 422)),
    "interactions:template_detail": (READ, READ),
    "interactions:template_edit": (only("admin marketing"), only("admin marketing", 422)),
    "interactions:template_delete": (only("admin marketing"), only("admin marketing", 302)),
    "interactions:template_language_save": (NO_GET, only("admin marketing", 302)),
    "interactions:template_attachment_remove": (NO_GET, only("admin marketing", 302)),
    "interactions:template_language_delete": (NO_GET, only("admin marketing", 302)),
    "interactions:template_email_layout": (only("admin marketing"), only("admin marketing", 422)),
    "interactions:template_language_preview": (READ, NO_POST),
    "interactions:attachment_download": (READ, NO_POST),
    "interactions:template_setup": (READ, only("admin", 302)),
    "interactions:relocate_attachments": (NO_GET, only("admin", 302)),
    "interactions:entry_list": (READ, READ),
    "interactions:entry_bulk_action": (NO_GET, only("admin marketing sales", 302)),
    "interactions:delete_canceled": (only("admin"), only("admin")),
    "interactions:entry_detail": (READ, READ),
    "interactions:entry_comment_add": (NO_GET, only("admin marketing sales", 422)),
    "interactions:entry_document": (READ, NO_POST),
    "interactions:entry_resend": (NO_GET, only("admin marketing sales", 302)),
    # dave's delivery job made the world's print bundle: like the job, his and the admin's.
    "interactions:print_bundle": (each("200 200 404 404"), NO_POST),
    "interactions:entry_delete": (only("admin"), only("admin", 302)),
    "interactions:entry_create_opportunity": (NO_GET, only("admin marketing sales", 302)),
    "interactions:interaction_create": (only("admin marketing sales"), only("admin marketing sales", 422)),
    # dave's postponed interaction: shared, as in BC (see test_postponed_interactions_...).
    "interactions:postponed_list": (READ, READ),
    "interactions:postponed_bulk_action": (NO_GET, only("admin marketing sales", 302)),
    "interactions:postponed_resume": (only("admin marketing sales"), only("admin marketing sales", 422)),
    "interactions:phone_call": (only("admin marketing sales"), only("admin marketing sales", 422)),
    "interactions:opportunity_list": (READ, READ),
    "interactions:opportunity_new": (only("admin marketing sales"), only("admin marketing sales", 422)),
    "interactions:opportunity_detail": (READ, READ),
    "interactions:opportunity_edit": (only("admin marketing sales"), only("admin marketing sales", 422)),
    "interactions:opportunity_close": (only("admin marketing sales"), only("admin marketing sales", 422)),
    "interactions:opportunity_delete": (NO_GET, only("admin", 302)),
    "interactions:sales-cycles_list": (READ, READ),
    "interactions:sales-cycles_new": (only("admin"), only("admin", 422)),
    "interactions:sales-cycles_card": (READ, only("admin", 422)),
    "interactions:sales-cycles_delete": (NO_GET, only("admin", 302)),
    "interactions:sales_cycle_stages": (READ, only("admin", 422)),
    "interactions:sales_cycle_stage_delete": (NO_GET, only("admin", 302)),
    "interactions:default_sales_cycle": (NO_GET, only("admin", 302)),
    "campaigns:campaign_list": (everyone(302), everyone(302)),
    "campaigns:campaigns_list": (READ, READ),
    "campaigns:campaigns_new": (only("admin marketing"), only("admin marketing", 302)),
    "campaigns:campaigns_card": (READ, only("admin marketing", 302)),
    "campaigns:campaigns_delete": (NO_GET, only("admin marketing", 302)),
    "campaigns:campaign-statuses_list": (READ, READ),
    "campaigns:campaign-statuses_new": (only("admin marketing"), only("admin marketing", 422)),
    "campaigns:campaign-statuses_card": (READ, only("admin marketing", 302)),
    "campaigns:campaign-statuses_delete": (NO_GET, only("admin marketing", 302)),
    "segments:segment_list": (READ, READ),
    "segments:segment_new": (only("admin marketing"), only("admin marketing", 302)),
    "segments:logged_segment_list": (READ, READ),
    "segments:logged_segment_action": (NO_GET, only("admin marketing", 302)),
    "segments:logged_segment_detail": (READ, READ),
    "segments:logged_segment_follow_up": (NO_GET, only("admin marketing", 302)),
    "segments:logged_segment_resend": (NO_GET, only("admin marketing sales", 302)),
    # The bundle of a logged segment's delivery: whoever may see logged segments (and their
    # entries' documents).
    "segments:logged_segment_bundle": (READ, NO_POST),
    "segments:segment_detail": (READ, READ),
    "segments:segment_edit": (only("admin marketing"), only("admin marketing", 422)),
    "segments:segment_delete": (NO_GET, only("admin marketing", 302)),
    "segments:segment_export": (READ, READ),
    "segments:line_add": (only("admin marketing"), only("admin marketing", 422)),
    "segments:lines_remove": (NO_GET, only("admin marketing", 302)),
    "segments:line_edit": (only("admin marketing"), only("admin marketing", 422)),
    "segments:line_preview": (READ, READ),
    "segments:line_preview_download": (READ, READ),
    "segments:criteria_run": (only("admin marketing"), only("admin marketing", 422)),
    "segments:go_back": (only("admin marketing"), only("admin marketing", 302)),
    "segments:save_criteria": (only("admin marketing"), only("admin marketing", 422)),
    "segments:reuse_criteria": (only("admin marketing"), only("admin marketing", 422)),
    "segments:reuse_logged_segment": (only("admin marketing"), only("admin marketing", 422)),
    "segments:segment_log": (only("admin marketing"), only("admin marketing", 302)),
    "segments:segment_languages": (READ, only("admin marketing", 422)),
    "mailbox:setup": (only("admin"), only("admin")),
    "mailbox:setup_test": (NO_GET, only("admin", 302)),
    "mailbox:setup_run": (NO_GET, only("admin", 302)),
    "mailbox:unmatched_list": (only("admin"), only("admin")),
    "mailbox:logged_list": (only("admin"), only("admin")),
    "webhooks:subscriber_list": (only("admin"), only("admin")),
    "webhooks:subscriber_new": (only("admin"), only("admin")),
    "webhooks:subscriber_detail": (only("admin"), only("admin")),
    "webhooks:subscriber_delete": (NO_GET, only("admin", 302)),
    "webhooks:delivery_redeliver": (NO_GET, only("admin", 302)),
    "documents:event_list": (READ, NO_POST),
    "documents:event_record": (only("admin marketing sales"), only("admin marketing sales", 422)),
    "documents:event_import": (only("admin marketing sales"), only("admin marketing sales", 422)),
    "documents:event_send": (NO_GET, only("admin marketing sales", 302)),
    "core:number-series_list": (READ, READ),
    "core:number-series_new": (only("admin"), only("admin", 422)),
    "core:number-series_card": (READ, only("admin", 422)),
    "core:number-series_delete": (NO_GET, only("admin", 302)),
    "core:languages_list": (READ, READ),
    "core:languages_new": (only("admin"), only("admin", 422)),
    "core:languages_card": (READ, only("admin", 302)),
    "core:languages_delete": (NO_GET, only("admin", 302)),
    "core:job_list": (READ, READ),
    # bob's job: bob and whoever may see every job (admin); for anyone else it does not exist.
    "core:job_detail": (each("200 404 200 404"), each("200 404 200 404")),
    "core:job_cancel": (NO_GET, each("302 404 302 404")),
    "/api/docs": (everyone(302), everyone(302)),
    # The API's docs page and OpenAPI document need a session or a token, like the API.
    "api:openapi-json": (everyone(200, anonymous=401), everyone(200, anonymous=401)),
    "api:openapi-view": (READ, READ),
    "/favicon.ico": (everyone(301, anonymous=301), everyone(301, anonymous=301)),
    # The Django admin (read-only for admins, who are its only staff).
    "admin:index": admin_site(200, 200, anonymous=ADMIN_SITE),
    "admin:login": (each("302 200 200 200", anonymous=200), everyone(200, anonymous=200)),
    "admin:logout": (
        each("405 302 302 302", anonymous=ADMIN_SITE),
        each("login 302 302 302", anonymous=ADMIN_SITE),
    ),
    "admin:password_change": admin_site(200, 200, anonymous=ADMIN_SITE),
    "admin:password_change_done": admin_site(200, 405, anonymous=ADMIN_SITE),
    "admin:autocomplete": admin_site(403, 405, anonymous=ADMIN_SITE),
    "admin:jsi18n": admin_site(200, 405, anonymous=ADMIN_SITE),
    "admin:view_on_site": admin_site(404, 404, anonymous=ADMIN_SITE),
    "admin:app_list": admin_site(200, 200, anonymous=ADMIN_SITE),
    "/admin/(?P<url>.*)$": admin_site(404, 404, anonymous=ADMIN_SITE),
    "admin:auth_group_changelist": admin_site(200, 200),
    "admin:auth_group_add": admin_site(403, 403),
    "admin:auth_group_history": admin_site(200, 200),
    "admin:auth_group_delete": admin_site(403, 403),
    "admin:auth_group_change": admin_site(200, 403),
    "/admin/auth/group/<path:object_id>/": admin_site(302, 302),
    "admin:django_tasks_database_dbtaskresult_changelist": admin_site(403, 403),
    "admin:django_tasks_database_dbtaskresult_add": admin_site(403, 403),
    "admin:django_tasks_database_dbtaskresult_history": admin_site(302, 302),
    "admin:django_tasks_database_dbtaskresult_delete": admin_site(403, 403),
    "admin:django_tasks_database_dbtaskresult_change": admin_site(403, 403),
    "/admin/django_tasks_database/dbtaskresult/<path:object_id>/": admin_site(302, 302),
    "admin:accounts_salesperson_changelist": admin_site(200, 200),
    "admin:accounts_salesperson_add": admin_site(403, 403),
    "admin:accounts_salesperson_history": admin_site(200, 200),
    "admin:accounts_salesperson_delete": admin_site(403, 403),
    "admin:accounts_salesperson_change": admin_site(200, 403),
    "/admin/accounts/salesperson/<path:object_id>/": admin_site(302, 302),
    "admin:auth_user_password_change": admin_site(403, 403),
    "admin:accounts_user_changelist": admin_site(200, 200),
    "admin:accounts_user_add": admin_site(403, 403),
    "admin:accounts_user_history": admin_site(200, 200),
    "admin:accounts_user_delete": admin_site(403, 403),
    "admin:accounts_user_change": admin_site(200, 403),
    "/admin/accounts/user/<path:object_id>/": admin_site(302, 302),
    "admin:accounts_apitoken_changelist": admin_site(200, 200),
    "admin:accounts_apitoken_add": admin_site(403, 403),
    "admin:accounts_apitoken_history": admin_site(200, 200),
    "admin:accounts_apitoken_delete": admin_site(403, 403),
    "admin:accounts_apitoken_change": admin_site(200, 403),
    "/admin/accounts/apitoken/<path:object_id>/": admin_site(302, 302),
    # Audit trail and personal data: admins only (no export job in the world: 404).
    "privacy:personal_data_export": (each("200 403 403 403"), each("200 403 403 403")),
    "privacy:personal_data_export_download": (each("404 403 403 403"), each("404 403 403 403")),
    "privacy:personal_data_erase": (each("302 403 403 403"), each("302 403 403 403")),
    "core:audit_list": (each("200 403 403 403"), each("200 403 403 403")),
    # Any other address under the API: a JSON 404 (401 without sign-in).
    "/api/v1/^[\\s\\S]*\\Z": (
        each("404 404 404 404", anonymous=401),
        each("404 404 404 404", anonymous=401),
    ),
}
# fmt: on

# API: operation id -> statuses of the roles (with their own write tokens).
# fmt: off
API: dict[str, Expect] = {
    "number_series_list": READ,
    "number_series_create": only("admin", 201),
    "number_series_get": READ,
    "number_series_update": only("admin"),
    "number_series_delete": only("admin", 204),
    "languages_list": READ,
    "languages_create": only("admin", 201),
    "languages_get": READ,
    "languages_update": only("admin"),
    "languages_delete": only("admin", 422),
    # bob's job (see core:job_detail); tokens never manage tokens (sessions only).
    "rapport_core_api_job_get": each("200 404 200 404"),
    "rapport_core_api_job_cancel": each("200 404 200 404"),
    "salespeople_list": READ,
    "salespeople_create": only("admin", 201),
    "salespeople_get": READ,
    "salespeople_update": only("admin"),
    "salespeople_delete": only("admin", 422),
    "rapport_accounts_api_user_list": only("admin"),
    "rapport_accounts_api_user_create": only("admin", 422),
    "rapport_accounts_api_user_get": only("admin"),
    "rapport_accounts_api_user_update": only("admin"),
    "rapport_accounts_api_me": READ,
    "rapport_accounts_api_token_list": READ,
    "rapport_accounts_api_token_create": everyone(403),
    "rapport_accounts_api_token_revoke": everyone(403),
    "rapport_contacts_api_contact_list": READ,
    "rapport_contacts_api_contact_create": only("admin sales", 422),
    "rapport_contacts_api_contact_import": only("admin sales", 422),
    "rapport_contacts_api_contact_export": READ,
    "rapport_contacts_api_contact_get": READ,
    "rapport_contacts_api_contact_update": only("admin sales"),
    "rapport_contacts_api_contact_delete": only("admin sales", 422),
    "rapport_contacts_api_contact_relations": READ,
    "rapport_contacts_api_contact_relation_add": only("admin sales", 422),
    "rapport_contacts_api_contact_relation_delete": only("admin sales", 204),
    "rapport_contacts_api_alt_address_list": READ,
    "rapport_contacts_api_alt_address_create": only("admin sales", 422),
    "rapport_contacts_api_alt_address_get": READ,
    "rapport_contacts_api_alt_address_update": only("admin sales"),
    "rapport_contacts_api_alt_address_delete": only("admin sales", 204),
    "business_relations_list": READ,
    "business_relations_create": only("admin", 201),
    "business_relations_get": READ,
    "business_relations_update": only("admin"),
    "business_relations_delete": only("admin", 422),
    "rapport_contacts_api_setup_get": READ,
    "rapport_contacts_api_setup_update": only("admin"),
    "campaigns_list": READ,
    "campaigns_create": only("admin marketing", 201),
    "campaigns_get": READ,
    "campaigns_update": only("admin marketing"),
    "campaigns_delete": only("admin marketing", 422),
    "campaign_statuses_list": READ,
    "campaign_statuses_create": only("admin marketing", 201),
    "campaign_statuses_get": READ,
    "campaign_statuses_update": only("admin marketing"),
    "campaign_statuses_delete": only("admin marketing", 204),
    "rapport_interactions_api_attachments_attachment_list": only("admin"),
    "rapport_interactions_api_attachments_attachment_download": READ,
    "rapport_interactions_api_campaign_entries_campaign_entry_list": READ,
    "rapport_interactions_api_campaign_entries_campaign_entries_cancel": only("admin marketing"),
    "rapport_interactions_api_campaign_entries_campaign_entries_restore": only("admin marketing"),
    "rapport_interactions_api_campaign_entries_campaign_entries_delete": only("admin marketing"),
    "rapport_interactions_api_campaign_entries_campaign_activate": only("admin marketing", 422),
    "rapport_interactions_api_campaign_entries_campaign_deactivate": only("admin marketing"),
    "rapport_interactions_api_contacts_contact_statistics": READ,
    "rapport_interactions_api_contacts_contact_entry_list": READ,
    "rapport_interactions_api_contacts_contact_phone_call": only("admin marketing sales", 422),
    "rapport_interactions_api_contacts_salesperson_statistics": READ,
    "rapport_interactions_api_create_interaction_defaults": READ,
    "rapport_interactions_api_create_interaction_create": only("admin marketing sales", 422),
    "rapport_interactions_api_create_interaction_create_with_attachment": only("admin marketing sales", 422),
    "interaction_groups_list": READ,
    "interaction_groups_create": only("admin marketing", 201),
    "interaction_groups_get": READ,
    "interaction_groups_update": only("admin marketing"),
    "interaction_groups_delete": only("admin marketing", 422),
    "rapport_interactions_api_setup_group_statistics": READ,
    "rapport_interactions_api_setup_template_list": READ,
    "rapport_interactions_api_setup_template_create": only("admin marketing", 422),
    "rapport_interactions_api_setup_template_get": READ,
    "rapport_interactions_api_setup_template_update": only("admin marketing"),
    "rapport_interactions_api_setup_template_delete": only("admin marketing", 422),
    "rapport_interactions_api_setup_template_statistics": READ,
    "rapport_interactions_api_setup_template_languages": READ,
    "rapport_interactions_api_setup_template_language_save": only("admin marketing", 201),
    "rapport_interactions_api_setup_template_language_put": only("admin marketing"),
    "rapport_interactions_api_setup_template_language_delete": only("admin marketing", 204),
    "rapport_interactions_api_setup_template_attachment_remove": only("admin marketing", 204),
    "rapport_interactions_api_setup_template_setup_get": READ,
    "rapport_interactions_api_setup_template_setup_update": only("admin"),
    "rapport_interactions_api_delivery_interaction_preview": only("admin marketing sales", 422),
    "rapport_interactions_api_delivery_entry_document": READ,
    "rapport_interactions_api_delivery_entries_resend": only("admin marketing sales", 422),
    "rapport_interactions_api_delivery_entry_resend": only("admin marketing sales", 422),
    "rapport_interactions_api_delivery_template_email_layout": only("admin marketing", 422),
    "rapport_interactions_api_delivery_template_language_preview": READ,
    # dave's delivery job's print bundle: his and the admin's (as the job), 404 to the others.
    "rapport_interactions_api_delivery_print_bundle_download": each("200 200 404 404"),
    "rapport_interactions_api_log_entry_list": READ,
    "rapport_interactions_api_log_entry_get": READ,
    "rapport_interactions_api_log_entry_delete": only("admin", 422),
    "rapport_interactions_api_log_entries_cancel": only("admin marketing sales"),
    "rapport_interactions_api_log_entries_restore": only("admin marketing sales"),
    "rapport_interactions_api_log_entries_evaluate": only("admin marketing sales", 422),
    "rapport_interactions_api_log_entry_comment_add": only("admin marketing sales", 201),
    "rapport_interactions_api_log_entry_comment_delete": only("admin marketing sales", 204),
    "rapport_interactions_api_log_entry_create_opportunity": only("admin marketing sales", 201),
    "rapport_interactions_api_log_entries_delete_canceled": only("admin"),
    "rapport_interactions_api_opportunities_opportunity_list": READ,
    "rapport_interactions_api_opportunities_opportunity_create": only("admin marketing sales", 201),
    "rapport_interactions_api_opportunities_opportunity_get": READ,
    "rapport_interactions_api_opportunities_opportunity_update": only("admin marketing sales"),
    "rapport_interactions_api_opportunities_opportunity_delete": only("admin", 204),
    "rapport_interactions_api_opportunities_opportunity_close": only("admin marketing sales", 422),
    "sales_cycles_list": READ,
    "sales_cycles_create": only("admin", 201),
    "sales_cycles_get": READ,
    "sales_cycles_update": only("admin"),
    "sales_cycles_delete": only("admin", 422),
    "rapport_interactions_api_opportunities_stage_list": READ,
    "rapport_interactions_api_opportunities_stage_create": only("admin", 422),
    "rapport_interactions_api_opportunities_stage_update": only("admin"),
    "rapport_interactions_api_opportunities_stage_delete": only("admin", 204),
    "rapport_interactions_api_postponed_postponed_list": READ,
    "rapport_interactions_api_postponed_postponed_get": READ,
    "rapport_interactions_api_postponed_postponed_delete": only("admin marketing sales", 204),
    "rapport_interactions_api_postponed_postponed_resume": only("admin marketing sales"),
    "rapport_interactions_api_postponed_postponed_resume_with_attachment": only("admin marketing sales", 422),
    "rapport_interactions_api_postponed_postponed_delete_many": only("admin marketing sales"),
    "rapport_segments_api_segment_list": READ,
    "rapport_segments_api_segment_create": only("admin marketing", 201),
    "rapport_segments_api_segment_get": READ,
    "rapport_segments_api_segment_update": only("admin marketing"),
    "rapport_segments_api_segment_delete": only("admin marketing", 204),
    "rapport_segments_api_line_list": READ,
    "rapport_segments_api_line_add": only("admin marketing", 201),
    "rapport_segments_api_line_update": only("admin marketing"),
    "rapport_segments_api_line_preview": READ,
    "rapport_segments_api_lines_remove": only("admin marketing"),
    "rapport_segments_api_criteria_list": READ,
    "rapport_segments_api_criteria_run": only("admin marketing", 201),
    "rapport_segments_api_criteria_preview": READ,
    "rapport_segments_api_criteria_go_back": only("admin marketing"),
    "rapport_segments_api_criteria_save": only("admin marketing", 201),
    "rapport_segments_api_criteria_reuse": only("admin marketing"),
    "rapport_segments_api_criteria_reuse_logged": only("admin marketing", 201),
    "rapport_segments_api_saved_criteria_list": READ,
    "rapport_segments_api_saved_criteria_delete": only("admin marketing", 204),
    "rapport_segments_api_segment_log": only("admin marketing", 201),
    "rapport_segments_api_logged_list": READ,
    "rapport_segments_api_logged_get": READ,
    "rapport_segments_api_logged_cancel": only("admin marketing"),
    "rapport_segments_api_logged_restore": only("admin marketing"),
    "rapport_segments_api_logged_delete": only("admin marketing"),
    "rapport_segments_api_logged_follow_up": only("admin marketing", 201),
    "rapport_segments_api_logged_resend_failed": only("admin marketing sales", 422),
    "rapport_segments_api_language_list": READ,
    "rapport_segments_api_language_save": only("admin marketing"),
    "rapport_segments_api_language_delete": only("admin marketing", 204),
    "rapport_mailbox_api_setup_get": only("admin"),
    "rapport_mailbox_api_setup_update": only("admin"),
    "rapport_mailbox_api_setup_test": only("admin", 422),
    "rapport_mailbox_api_setup_run": only("admin", 422),
    "rapport_mailbox_api_unmatched_list": only("admin"),
    "rapport_mailbox_api_logged_list": only("admin"),
    "rapport_webhooks_api_subscriber_list": only("admin"),
    "rapport_webhooks_api_subscriber_create": only("admin", 422),
    "rapport_webhooks_api_subscriber_get": only("admin"),
    "rapport_webhooks_api_subscriber_update": only("admin"),
    "rapport_webhooks_api_subscriber_delete": only("admin", 204),
    "rapport_webhooks_api_delivery_list": only("admin"),
    "rapport_webhooks_api_delivery_redeliver": only("admin"),
    "rapport_documents_api_document_event_create": only("admin marketing sales", 422),
    "rapport_documents_api_document_event_list": READ,
    "rapport_documents_api_document_event_batch": only("admin marketing sales"),
    "rapport_documents_api_document_event_send": only("admin marketing sales", 422),
    # Audit trail (admins) and personal data (admins; erasing the world's company is refused:
    # its persons are not erased).
    "rapport_core_api_audit_event_list": each("200 403 403 403"),
    "rapport_privacy_api_personal_data_export": each("200 403 403 403"),
    "rapport_privacy_api_personal_data_erase": each("422 403 403 403"),
}
# fmt: on


# --- the runner ----------------------------------------------------------------------------------

# Answers that must leave every row as it was.
REFUSED = (401, 403, 404, 405, "login", ADMIN_SITE)

Send = Callable[[], HttpResponseBase]


@pytest.fixture
def world() -> Iterator[World]:
    cache.clear()  # the sign-in limits count in the cache
    yield build_world()
    cache.clear()


def _signed_in(world: World) -> dict[str, Client]:
    clients = {}
    for role, user in world.users.items():
        clients[role] = Client()
        clients[role].force_login(user)
    clients["anonymous"] = Client()
    return clients


def _answer(response: HttpResponseBase) -> Any:
    """The status, or "login" / "admin-login" for a redirect to a sign-in page."""
    location = response.get("Location", "")
    if response.status_code == 302 and location.startswith("/accounts/login/"):
        return "login"
    if response.status_code == 302 and location.startswith("/admin/login/"):
        return ADMIN_SITE
    return response.status_code


def _rolled_back(send: Send) -> Any:
    """The answer to one request, whose changes are rolled back."""
    with transaction.atomic():
        answer = _answer(send())
        transaction.set_rollback(True)
    return answer


def _unchanged(baseline: str, sends: list[Send]) -> tuple[list[Any], bool]:
    """The answers to the requests, sent in one transaction that is rolled back, and whether
    every stored row is still as it was."""
    with transaction.atomic():
        answers = [_answer(send()) for send in sends]
        same = checksum() == baseline
        transaction.set_rollback(True)
    return answers, same


def _post_fields(name: str, keys: dict[str, Any]) -> dict[str, Any]:
    """The confirmed POST of a page: `confirmed=1` and the fields its action needs."""
    fields: dict[str, dict[str, Any]] = {
        "interactions:entry_bulk_action": {"action": "cancel", "entries": keys["entry_no"]},
        "interactions:postponed_bulk_action": {
            "action": "delete",
            "entries": keys["postponed_no"],
        },
        "interactions:campaign_entry_action": {
            "action": "cancel",
            "entries": keys["campaign_entry_no"],
        },
        "segments:logged_segment_action": {"action": "cancel", "logged": keys["logged_no"]},
        "segments:lines_remove": {"lines": keys["line_no"]},
    }
    return {"confirmed": "1", **fields.get(name, {})}


def _format(expect: Expect) -> str:
    roles = " ".join(str(expect[role]) for role in ROLES)
    anonymous = expect["anonymous"]
    suffix = "" if anonymous == "login" else f", anonymous={anonymous!r}"
    return f'each("{roles}"{suffix})'


def _relogin(world: World, clients: dict[str, Client]) -> None:
    for role, user in world.users.items():
        clients[role].force_login(user)


def _observe_html(world: World, clients: dict[str, Client], route: Route) -> str:
    """The table entry for a page, from what it answers now."""
    path = html_path(route, world.keys)
    data = _post_fields(route.name, world.keys)
    got = {
        "GET": {who: _rolled_back(partial(c.get, path)) for who, c in clients.items()},
        "POST": {who: _rolled_back(partial(c.post, path, data)) for who, c in clients.items()},
    }
    _relogin(world, clients)
    return f'    "{route.name}": ({_format(got["GET"])}, {_format(got["POST"])}),'


def test_html_pages_answer_every_role_as_the_table_says(world: World) -> None:
    clients = _signed_in(world)
    baseline = checksum()
    wrong: list[str] = []
    for route in html_routes():
        if route.name not in HTML:
            continue  # test_every_route_and_operation_is_in_the_table says so
        path = html_path(route, world.keys)
        get, post = HTML[route.name]
        data = _post_fields(route.name, world.keys)
        # GETs and refused POSTs, in one transaction: none of them may change anything. A
        # refused role posts a confirmed body and, but for signing out, an empty one first,
        # which may at most send it back (no form, no "Delete ...?" question).
        sends: list[tuple[str, str, Send]] = []
        for who, client in clients.items():
            sends.append((who, "GET", partial(client.get, path)))
            if post[who] in REFUSED:
                if not route.name.endswith("logout"):
                    sends.append((who, "POST (empty)", partial(client.post, path)))
                sends.append((who, "POST", partial(client.post, path, data)))
        answers, same = _unchanged(baseline, [send for _who, _method, send in sends])
        if not same:
            wrong.append(f"{route.name} ({path}): a GET or a refused POST changed data")
        got = [
            (who, method, answer) for (who, method, _s), answer in zip(sends, answers, strict=True)
        ]
        # Roles that may act: the confirmed POST, rolled back.
        for who, client in clients.items():
            if post[who] not in REFUSED:
                got.append((who, "POST", _rolled_back(partial(client.post, path, data))))
        for who, method, answer in got:
            expected = get[who] if method == "GET" else post[who]
            if answer != expected and not (method == "POST (empty)" and answer == 302):
                wrong.append(f"{method} {route.name} ({path}) {who}: {answer}, expected {expected}")
        if route.name.endswith("logout"):
            _relogin(world, clients)
    assert not wrong, "\n".join(wrong)


def _api_sender(
    world: World, document: dict[str, Any], method: str, path: str
) -> Callable[[Client, str | None], HttpResponseBase]:
    """send(client, token) -> the answer to the operation, sent with its minimal body."""
    url = api_path(path, world.keys)
    extra: dict[str, Any] = {}
    body = document["paths"][path][method.lower()].get("requestBody")
    if body and "application/json" in body["content"]:
        schema = body["content"]["application/json"]["schema"]
        data = minimal_body(document, schema, path, world.keys)
        extra = {"data": json.dumps(data), "content_type": "application/json"}
    elif body:
        schema = body["content"]["multipart/form-data"]["schema"]
        fields = {}
        for name, value in minimal_body(document, schema, path, world.keys).items():
            if value == "FILE":
                value = SimpleUploadedFile("note.txt", b"Hello")
            elif isinstance(value, dict):
                value = json.dumps(value)
            fields[name] = value
        extra = {"data": encode_multipart(BOUNDARY, fields), "content_type": MULTIPART_CONTENT}

    def send(client: Client, token: str | None) -> HttpResponseBase:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return client.generic(method, url, headers=headers, **extra)

    return send


def _served_document(world: World) -> dict[str, Any]:
    client = Client()
    client.force_login(world.users[A])
    document: dict[str, Any] = client.get("/api/v1/openapi.json").json()
    return document


def test_api_operations_answer_every_role_and_token_as_the_table_says(world: World) -> None:
    document = _served_document(world)
    client = Client()
    tokens: dict[str, str | None] = {**world.tokens, "anonymous": None}
    baseline = checksum()
    wrong: list[str] = []
    for method, path, operation_id in api_operations_of(document):
        if operation_id not in API:
            continue  # test_every_route_and_operation_is_in_the_table says so
        send = _api_sender(world, document, method, path)
        expected: dict[str, Any] = {role: API[operation_id][role] for role in ROLES}
        expected.update(revoked=401, expired=401, anonymous=401)
        expected["read"] = expected[A] if method == "GET" else 403
        refused = [who for who, status in expected.items() if status in REFUSED]
        answers, same = _unchanged(baseline, [partial(send, client, tokens[w]) for w in refused])
        got = dict(zip(refused, answers, strict=True))
        if not same:
            wrong.append(f"{method} {path} ({operation_id}): refused, but data changed")
        for who, status in expected.items():
            if who not in got:
                got[who] = _rolled_back(partial(send, client, tokens[who]))
            if got[who] != status:
                wrong.append(
                    f"{method} {path} ({operation_id}) {who}: {got[who]}, expected {status}"
                )
    assert not wrong, "\n".join(wrong)


def test_every_route_and_operation_is_in_the_table(world: World) -> None:
    """A page or API operation added later must be given its entry here."""
    clients = _signed_in(world)
    missing = [
        _observe_html(world, clients, route) for route in html_routes() if route.name not in HTML
    ]
    document = _served_document(world)
    client = Client()
    for method, path, operation_id in api_operations_of(document):
        if operation_id not in API:
            send = _api_sender(world, document, method, path)
            got = {r: _rolled_back(partial(send, client, world.tokens[r])) for r in ROLES}
            missing.append(f'    "{operation_id}": {_format({**got, "anonymous": "login"})},')
    assert not missing, (
        "Add these entries to HTML (pages) or API (operations) in "
        "rapport/core/tests/test_permissions_matrix.py. They show what each role gets now: "
        "make sure that is what each role should get.\n" + "\n".join(missing)
    )
    stale = sorted(set(HTML) - {route.name for route in html_routes()})
    stale += sorted(set(API) - {operation for _m, _p, operation in api_operations_of(document)})
    assert not stale, f"Remove these entries, their routes are gone: {stale}"


# --- tokens, sign-in limits and other users' rows, spelled out ---------------------------------
# (The tables above cover them too: bob's token and job, dave's postponed interaction.)


def _bearer(raw: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {raw}"}


def test_a_token_cannot_create_or_revoke_tokens_on_the_api_or_the_pages(alice, bob) -> None:
    from rapport.accounts.models import ApiToken
    from rapport.accounts.services import create_api_token

    token, raw = create_api_token(actor=alice, user=alice, name="script")
    client = Client()
    made = client.post(
        "/api/v1/tokens", {"name": "more"}, content_type="application/json", headers=_bearer(raw)
    )
    assert made.status_code == 403
    assert made.json()["code"] == "permission_denied"
    bobs, _ = create_api_token(actor=bob, user=bob, name="bob's")
    for pk in (token.pk, bobs.pk):
        assert client.delete(f"/api/v1/tokens/{pk}", headers=_bearer(raw)).status_code == 403
    # Pages never take a token: without a session they send you to sign in.
    page = client.post("/accounts/profile/tokens/", {"name": "more"}, headers=_bearer(raw))
    assert _answer(page) == "login"
    revoke = client.post(f"/accounts/tokens/{bobs.pk}/revoke/", headers=_bearer(raw))
    assert _answer(revoke) == "login"
    assert ApiToken.objects.count() == 2
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_another_users_token_is_not_found_and_stays_valid(alice, bob, carol, dave) -> None:
    from rapport.accounts.services import authenticate_token, create_api_token

    bobs, raw = create_api_token(actor=bob, user=bob, name="bob's")
    for user in (carol, dave):
        client = Client()
        client.force_login(user)
        assert client.delete(f"/api/v1/tokens/{bobs.pk}").status_code == 404
        assert client.post(f"/accounts/tokens/{bobs.pk}/revoke/").status_code == 404
        assert client.get("/api/v1/tokens").json() == []
    assert authenticate_token(raw) == bob
    # An administrator may revoke anyone's.
    client = Client()
    client.force_login(alice)
    assert client.delete(f"/api/v1/tokens/{bobs.pk}").status_code in (200, 204)
    assert authenticate_token(raw) is None


def test_sign_in_attempts_are_rate_limited(settings, alice, bob) -> None:
    from rapport.accounts.services import update_user

    cache.clear()
    settings.RAPPORT_LOGIN_MAX_FAILURES = 5
    password = "correct-horse-battery-staple-42"
    update_user(actor=alice, user=bob, password=password)
    client = Client()
    for _ in range(5):
        wrong = client.post("/accounts/login/", {"username": "bob", "password": "wrong"})
        assert wrong.status_code == 200
    locked = client.post("/accounts/login/", {"username": "bob", "password": password})
    assert locked.status_code == 200
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    cache.clear()
    assert (
        client.post("/accounts/login/", {"username": "bob", "password": password}).status_code
        == 302
    )
    # More: rapport/accounts/tests/test_tokens_and_logins.py (per address, the admin's login).


def test_another_users_job_is_not_found_for_those_who_may_not_see_it(world: World) -> None:
    from rapport.core.models import Job, JobStatus

    job = world.keys["job_id"]  # bob's
    for role in (M, V):
        client = Client()
        client.force_login(world.users[role])
        assert client.get(f"/core/jobs/{job}/").status_code == 404
        assert client.post(f"/core/jobs/{job}/cancel/").status_code == 404
        assert client.post(f"/api/v1/jobs/{job}/cancel").status_code == 404
    assert Job.objects.get(pk=job).status != JobStatus.CANCELED


def test_postponed_interactions_are_shared_like_in_bc(world: World) -> None:
    """BC's Postponed Interactions page (5082) shows every postponed entry, whoever saved it,
    and lets anyone who may log interactions resume or delete it. So does Rapport: bob (sales)
    sees, resumes and deletes dave's; carol (viewer) sees it but may do neither."""
    from rapport.interactions.models import InteractionLogEntry

    entry = world.keys["postponed_no"]
    carol = Client()
    carol.force_login(world.users[V])
    assert [e["entry_no"] for e in carol.get("/api/v1/postponed-interactions").json()["items"]] == [
        entry
    ]
    assert (
        carol.post(
            f"/api/v1/postponed-interactions/{entry}/resume", {}, "application/json"
        ).status_code
        == 403
    )
    assert carol.delete(f"/api/v1/postponed-interactions/{entry}").status_code == 403
    assert carol.get(f"/interactions/postponed/{entry}/resume/").status_code == 403
    assert InteractionLogEntry.objects.get(pk=entry).postponed

    bob = Client()
    bob.force_login(world.users[S])
    assert bob.get(f"/interactions/postponed/{entry}/resume/").status_code == 200
    resumed = bob.post(f"/api/v1/postponed-interactions/{entry}/resume", {}, "application/json")
    assert resumed.status_code == 200, resumed.content
    assert not InteractionLogEntry.objects.get(pk=entry).postponed
