"""Opportunity pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from rapport.core.htmx import render_page
from rapport.interactions import queries
from rapport.interactions.models import (
    Opportunity,
)
from rapport.interactions.views.common import (
    require,
)


def opportunity_detail(request: HttpRequest, no: str) -> HttpResponse:
    require(request, "interactions.view_opportunity")
    opportunity = get_object_or_404(
        Opportunity.objects.select_related("contact", "contact_company", "salesperson", "campaign"),
        no=no.upper(),
    )
    context = {
        "opportunity": opportunity,
        "comments": list(opportunity.comments.all()),
        "entries": list(
            queries.entries_visible_to(request.user).filter(opportunity=opportunity)[:100]
        ),
    }
    return render_page(request, "interactions/log/opportunity_detail.html", context, partial="card")
