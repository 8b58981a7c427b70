from django.urls import path

from rapport.interactions.tables_opportunities import SALES_CYCLES
from rapport.interactions.views import campaign_entries, create, log, opportunities, setup

app_name = "interactions"

urlpatterns = [
    # --- campaign entries and activation (views/campaign_entries.py) ---
    path(
        "campaigns/<str:no>/entries/",
        campaign_entries.campaign_entry_list,
        name="campaign_entry_list",
    ),
    path(
        "campaigns/<str:no>/entries/action/",
        campaign_entries.campaign_entry_action,
        name="campaign_entry_action",
    ),
    path(
        "campaigns/<str:no>/activation/",
        campaign_entries.campaign_activation,
        name="campaign_activation",
    ),
    # --- setup: groups, templates, languages, attachments, statistics (views/setup.py) ---
    path("groups/", setup.group_list, name="group_list"),
    path("groups/new/", setup.group_edit, name="group_new"),
    path("groups/<str:code>/", setup.group_detail, name="group_detail"),
    path("groups/<str:code>/edit/", setup.group_edit, name="group_edit"),
    path("groups/<str:code>/delete/", setup.group_delete, name="group_delete"),
    path("templates/", setup.template_list, name="template_list"),
    path("templates/new/", setup.template_edit, name="template_new"),
    path("templates/<str:code>/", setup.template_detail, name="template_detail"),
    path("templates/<str:code>/edit/", setup.template_edit, name="template_edit"),
    path("templates/<str:code>/delete/", setup.template_delete, name="template_delete"),
    path(
        "templates/<str:code>/languages/",
        setup.template_language_save,
        name="template_language_save",
    ),
    path(
        "templates/<str:code>/languages/<int:pk>/remove-attachment/",
        setup.template_attachment_remove,
        name="template_attachment_remove",
    ),
    path(
        "templates/<str:code>/languages/<int:pk>/delete/",
        setup.template_language_delete,
        name="template_language_delete",
    ),
    path(
        "templates/<str:code>/languages/<int:pk>/email-layout/",
        setup.template_email_layout,
        name="template_email_layout",
    ),
    path(
        "templates/<str:code>/languages/<int:pk>/preview/",
        setup.template_language_preview,
        name="template_language_preview",
    ),
    path("attachments/<int:pk>/", setup.attachment_download, name="attachment_download"),
    path("setup/", setup.template_setup, name="template_setup"),
    path("setup/relocate-attachments/", setup.relocate_attachments, name="relocate_attachments"),
    # --- the log and creating interactions (views/log.py) ---
    path("entries/", log.entry_list, name="entry_list"),
    path("entries/action/", log.entry_bulk_action, name="entry_bulk_action"),
    path("entries/delete-canceled/", log.delete_canceled, name="delete_canceled"),
    path("entries/<int:pk>/", log.entry_detail, name="entry_detail"),
    path("entries/<int:pk>/comments/", log.entry_comment_add, name="entry_comment_add"),
    path("entries/<int:pk>/document/", log.entry_document, name="entry_document"),
    path("entries/<int:pk>/resend/", log.entry_resend, name="entry_resend"),
    path("print-bundles/<int:job_id>/", log.print_bundle_download, name="print_bundle"),
    path("entries/<int:pk>/delete/", log.entry_delete, name="entry_delete"),
    path(
        "entries/<int:pk>/opportunity/",
        log.entry_create_opportunity,
        name="entry_create_opportunity",
    ),
    path("new/", create.interaction_create, name="interaction_create"),
    path("postponed/", log.postponed_list, name="postponed_list"),
    path("postponed/action/", log.postponed_bulk_action, name="postponed_bulk_action"),
    path("postponed/<int:pk>/resume/", create.postponed_resume, name="postponed_resume"),
    path("contacts/<str:no>/call/", create.phone_call, name="phone_call"),
    # --- opportunities and sales cycles (views/opportunities.py) ---
    path("opportunities/", opportunities.opportunity_list, name="opportunity_list"),
    path("opportunities/new/", opportunities.opportunity_edit, name="opportunity_new"),
    path("opportunities/<str:no>/", opportunities.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<str:no>/edit/", opportunities.opportunity_edit, name="opportunity_edit"),
    path(
        "opportunities/<str:no>/close/", opportunities.opportunity_close, name="opportunity_close"
    ),
    path(
        "opportunities/<str:no>/delete/",
        opportunities.opportunity_delete,
        name="opportunity_delete",
    ),
    *SALES_CYCLES.urls(),
    path("sales-cycles/<str:code>/stages/", opportunities.stage_list, name="sales_cycle_stages"),
    path(
        "sales-cycles/<str:code>/stages/<int:stage>/delete/",
        opportunities.stage_delete,
        name="sales_cycle_stage_delete",
    ),
    path(
        "setup/default-sales-cycle/",
        opportunities.default_sales_cycle_save,
        name="default_sales_cycle",
    ),
]
