"""Interactions API: groups, templates and their languages, attachments, creating interactions,
the log (cancel, restore, evaluate, comments, opportunities, delete canceled), postponed
interactions, statistics, phone calls and the template setup.

One module per workflow, all on one router (`router`), registered in this order. Every write goes
through `rapport.interactions.services`, exactly like the pages. Related rows are named by code or
number; errors name the payload field (`template_code`, not `template`).
"""

from rapport.interactions.api import (  # noqa: F401  (importing a module registers its routes)
    attachments,
    campaign_entries,
    contacts,
    create,
    delivery,
    log,
    opportunities,
    postponed,
    setup,
)
from rapport.interactions.api.common import router

__all__ = ["router"]
