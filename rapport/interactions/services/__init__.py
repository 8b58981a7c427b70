"""Every change to interaction groups, templates, attachments, log entries and opportunities.

One module per workflow; import from this package (`from rapport.interactions import services`).
"""

from rapport.interactions.services.campaign_entries import (
    cancel_campaign_entries,
    delete_canceled_campaign_entries,
    restore_campaign_entries,
)
from rapport.interactions.services.common import (
    Progress,
    fill_in,
)
from rapport.interactions.services.contact_rules import (
    block_type_change_with_entries,
    rehome_entries_of_deleted_contacts,
)
from rapport.interactions.services.create import (
    RESUMED_FIELDS,
    InteractionInput,
    correspondence_type_for,
    create_interaction,
    default_salesperson,
    interaction_defaults,
    language_for,
    make_phone_call,
    now_rounded_up,
    privacy_check,
    resume_input,
    template_attachment,
)
from rapport.interactions.services.log import (
    PurgeFilter,
    add_entry_comment,
    cancel_entries,
    delete_canceled_entries,
    delete_entry_comment,
    delete_postponed_interactions,
    evaluate_entries,
    restore_checks,
    restore_entries,
    start_delete_canceled_entries,
    start_relocate_attachments,
)
from rapport.interactions.services.opportunities import (
    create_opportunity_from_entry,
)
from rapport.interactions.services.setup import (
    TEMPLATE_FIELDS,
    check_wizard_action,
    create_interaction_group,
    create_interaction_template,
    default_language_row,
    delete_interaction_group,
    delete_interaction_template,
    delete_template_language,
    delete_unreferenced_attachments,
    relocate_attachments,
    remove_template_attachment,
    save_template_language,
    update_interaction_group,
    update_interaction_template,
    update_template_setup,
)

__all__ = [
    "RESUMED_FIELDS",
    "TEMPLATE_FIELDS",
    "InteractionInput",
    "Progress",
    "PurgeFilter",
    "add_entry_comment",
    "block_type_change_with_entries",
    "cancel_campaign_entries",
    "cancel_entries",
    "check_wizard_action",
    "correspondence_type_for",
    "create_interaction",
    "create_interaction_group",
    "create_interaction_template",
    "create_opportunity_from_entry",
    "default_language_row",
    "default_salesperson",
    "delete_canceled_campaign_entries",
    "delete_canceled_entries",
    "delete_entry_comment",
    "delete_interaction_group",
    "delete_interaction_template",
    "delete_postponed_interactions",
    "delete_template_language",
    "delete_unreferenced_attachments",
    "evaluate_entries",
    "fill_in",
    "interaction_defaults",
    "language_for",
    "make_phone_call",
    "now_rounded_up",
    "privacy_check",
    "rehome_entries_of_deleted_contacts",
    "relocate_attachments",
    "remove_template_attachment",
    "restore_campaign_entries",
    "restore_checks",
    "restore_entries",
    "resume_input",
    "save_template_language",
    "start_delete_canceled_entries",
    "start_relocate_attachments",
    "template_attachment",
    "update_interaction_group",
    "update_interaction_template",
    "update_template_setup",
]
