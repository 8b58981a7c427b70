"""Fixtures of the delivery page and API tests: an e-mail layout template, a Word letter
template, a person with an address, and a way to run the queued delivery jobs.

The fixtures are imported by this folder's conftest; the helpers are imported where used.
"""

from __future__ import annotations

from typing import Any

import pytest

from rapport.contacts.services import create_contact
from rapport.core.jobs import execute_job
from rapport.core.models import Job, JobStatus, Language
from rapport.interactions import services
from rapport.interactions.services import delivery
from rapport.interactions.tests.documents import layout_upload, letter_upload


@pytest.fixture
def mail_template(alice: Any, group: Any) -> Any:
    """An e-mail template whose default (EN) language is an HTML layout with merge fields."""
    template = services.create_interaction_template(
        actor=alice,
        code="MAIL",
        group=group,
        description="Autumn offer",
        information_flow="outbound",
        correspondence_type="email",
        ignore_contact_corres_type=True,
        language=Language.objects.get(code="EN"),
    )
    services.save_template_language(
        actor=alice,
        template=template,
        language=Language.objects.get(code="EN"),
        upload=layout_upload(
            "Offer for {{ contact.name }}",
            "<p>Dear {{ contact.name }},</p><p>Our offer. {{ remarks }}</p>",
        ),
    )
    template.refresh_from_db()
    return template


@pytest.fixture
def word_template(alice: Any, group: Any) -> Any:
    """A hard-copy template whose default (EN) language is a Word letter with merge fields."""
    template = services.create_interaction_template(
        actor=alice,
        code="LETTER",
        group=group,
        description="Letter",
        correspondence_type="hard_copy",
        ignore_contact_corres_type=True,
        language=Language.objects.get(code="EN"),
    )
    services.save_template_language(
        actor=alice,
        template=template,
        language=Language.objects.get(code="EN"),
        upload=letter_upload("{{ contact.name }}", "{{ contact.address }}", "{{ remarks }}"),
    )
    template.refresh_from_db()
    return template


@pytest.fixture
def maija(alice: Any, company: Any) -> Any:
    return create_contact(
        actor=alice,
        name="Maija Mehiläinen",
        first_name="Maija",
        surname="Mehiläinen",
        type="person",
        company=company,
        email="maija@kesko.example",
        address="Satamakatu 3",
        post_code="00160",
        city="Helsinki",
    )


def run_jobs() -> list[Job]:
    """Run every queued delivery job now (tests never commit, so nothing runs on its own)."""
    jobs = list(Job.objects.filter(kind=delivery.DELIVER, status=JobStatus.QUEUED))
    return [execute_job(job.pk) for job in jobs]


def log(actor: Any, contact: Any, template: Any, **values: Any) -> Any:
    """Log an interaction through the service (`deliver` defaults to True)."""
    deliver = values.pop("deliver", True)
    return services.create_interaction(
        actor=actor,
        data=services.InteractionInput(contact=contact, template=template, **values),
        deliver=deliver,
    )
