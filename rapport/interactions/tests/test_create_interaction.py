from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from rapport.contacts.services import update_contact
from rapport.interactions import queries, services
from rapport.interactions.models import InteractionLogEntry
from rapport.interactions.services import InteractionInput, now_rounded_up
from rapport.interactions.tests.conftest import upload


def test_now_is_rounded_up_to_the_next_whole_minute() -> None:
    tz = timezone.get_current_timezone()
    at = datetime.datetime(2026, 11, 23, 12, 33, 59, tzinfo=tz)
    assert now_rounded_up(at).time() == datetime.time(12, 34)
    at = datetime.datetime(2026, 11, 23, 12, 33, 0, 500, tzinfo=tz)
    assert now_rounded_up(at).time() == datetime.time(12, 34)


def test_template_defaults_flow_into_the_entry(
    company, call_template, interact, salesperson
) -> None:
    entry = interact(company, call_template)
    assert entry.description == "Phone call"
    assert (entry.cost, entry.duration) == (Decimal("2.50"), Decimal(10))
    assert (entry.information_flow, entry.initiated_by) == ("outbound", "us")
    assert entry.group == call_template.group
    assert entry.salesperson == salesperson, "the contact's salesperson when the user has none"
    assert entry.contact_company == company
    assert entry.date == timezone.localdate()
    assert entry.time is not None and entry.time.second == 0


def test_user_overrides_win_over_template_defaults(company, call_template, interact) -> None:
    entry = interact(
        company,
        call_template,
        description="Called about the offer",
        cost=Decimal(0),
        duration=Decimal(45),
        information_flow="inbound",
        evaluation="positive",
        attempt_failed=True,
    )
    assert entry.description == "Called about the offer"
    assert (entry.cost, entry.duration, entry.information_flow) == (0, 45, "inbound")
    assert entry.evaluation == "positive" and entry.attempt_failed


def test_the_users_own_salesperson_comes_before_the_contacts(
    company, call_template, bob_with_salesperson
) -> None:
    entry = services.create_interaction(
        actor=bob_with_salesperson,
        data=InteractionInput(contact=company, template=call_template),
    )
    assert entry.salesperson.code == "BOB"


@pytest.mark.parametrize(
    ("language", "messages"),
    [
        (
            "en",
            [
                "You must select a contact to interact with.",
                "You must fill in the Interaction Template Code field.",
                "You must fill in the Salesperson Code field.",
                "You must fill in the Date field.",
                "You must fill in the Description field.",
            ],
        ),
        (
            "fi",
            [
                "Sinun on valittava kontakti, jonka kanssa olet vuorovaikutuksessa.",
                "Sinun on täytettävä Vuorovaikutusmallin koodi -kenttä.",
                "Sinun on täytettävä Myyjäkoodi -kenttä.",
                "Sinun on täytettävä Päivämäärä -kenttä.",
                "Sinun on täytettävä Kuvaus -kenttä.",
            ],
        ),
        (
            "nb",
            [
                "Du må velge en kontakt å samhandle med.",
                "Du må fylle ut feltet Samhandlingsmal – kode.",
                "Du må fylle ut feltet Selgerkode.",
                "Du må fylle ut feltet Dato.",
                "Du må fylle ut feltet Beskrivelse.",
            ],
        ),
    ],
)
def test_mandatory_fields_are_checked_in_bc_order(
    bob, company, call_template, language, messages
) -> None:
    company = update_contact(actor=bob, contact=company, salesperson=None)
    attempts = [
        InteractionInput(),
        InteractionInput(contact=company),
        InteractionInput(contact=company, template=call_template),
        InteractionInput(
            contact=company,
            template=call_template,
            salesperson=company.salesperson or _sp(),
            date=None,
            explicit={"date"},
        ),
        InteractionInput(
            contact=company,
            template=call_template,
            salesperson=_sp(),
            description="",
            explicit={"description"},
        ),
    ]
    seen = []
    with translation.override(language):
        for data in attempts:
            for postpone in (False, True):
                with pytest.raises(ValidationError) as exc:
                    services.create_interaction(actor=bob, data=data, postpone=postpone)
                seen.append(exc.value.messages[0])
    assert seen[::2] == messages and seen[1::2] == messages, "finish later checks the same"
    assert not InteractionLogEntry.objects.exists()


def _sp():
    from rapport.accounts.models import Salesperson

    return Salesperson.objects.get_or_create(code="ZZ")[0]


def test_email_correspondence_needs_an_attachment(bob, company, group) -> None:
    template = services.create_interaction_template(
        actor=bob.__class__.objects.get(username="alice"),
        code="MAIL",
        group=group,
        description="Mail",
        correspondence_type="email",
        ignore_contact_corres_type=True,
    )
    with pytest.raises(
        ValidationError,
        match="The correspondence type for this interaction is Email, which requires",
    ):
        services.create_interaction(
            actor=bob, data=InteractionInput(contact=company, template=template)
        )
    entry = services.create_interaction(
        actor=bob, data=InteractionInput(contact=company, template=template, upload=upload())
    )
    assert entry.correspondence_type == "email"
    assert entry.attachment.read_only


def test_open_wizard_action_needs_an_attachment(alice, bob, company, group) -> None:
    template = services.create_interaction_template(
        actor=alice,
        code="OPEN",
        group=group,
        description="Open",
        correspondence_type="",
        wizard_action="open",
    )
    with pytest.raises(ValidationError, match="No attachment found. You must either add"):
        services.create_interaction(
            actor=bob, data=InteractionInput(contact=company, template=template)
        )


def test_each_interaction_owns_a_read_only_copy_of_the_template_file(
    alice, bob, company, call_template
) -> None:
    services.update_interaction_template(
        actor=alice, template=call_template, language=company.language
    )
    services.save_template_language(
        actor=alice, template=call_template, language=company.language, upload=upload()
    )
    first = services.create_interaction(
        actor=bob, data=InteractionInput(contact=company, template=call_template)
    )
    second = services.create_interaction(
        actor=bob, data=InteractionInput(contact=company, template=call_template)
    )
    template_file = services.template_attachment(call_template, company.language)
    assert first.attachment and second.attachment and template_file
    assert len({first.attachment_id, second.attachment_id, template_file.pk}) == 3
    assert first.attachment.read_only and not template_file.read_only


def test_a_privacy_blocked_contact_cannot_get_interactions(bob, company, call_template) -> None:
    update_contact(actor=bob, contact=company, privacy_blocked=True)
    with pytest.raises(ValidationError, match="marked as blocked due to privacy"):
        services.create_interaction(
            actor=bob, data=InteractionInput(contact=company, template=call_template)
        )


def test_email_to_a_contact_without_address_is_logged_with_blank_type(
    alice, bob, person, group
) -> None:
    person = update_contact(actor=alice, contact=person, email="")
    template = services.create_interaction_template(
        actor=alice,
        code="EM",
        group=group,
        description="E-mail",
        correspondence_type="email",
        ignore_contact_corres_type=True,
    )
    entry = services.create_interaction(
        actor=bob, data=InteractionInput(contact=person, template=template, upload=upload())
    )
    assert person.email == "" and entry.correspondence_type == ""


def test_entry_title_follows_the_information_flow(bob, company, call_template, interact) -> None:
    out = interact(company, call_template)
    assert queries.entry_title(out) == "Phone call - by Aino Heikkinen"
    inbound = interact(company, call_template, information_flow="inbound")
    assert queries.entry_title(inbound) == "Phone call - from Kesko Oyj"
    neither = interact(company, call_template, information_flow="")
    assert queries.entry_title(neither) == "Phone call"


def test_comments_are_stored_with_the_entry(company, call_template, interact) -> None:
    entry = interact(company, call_template, comments=["Wants a quote", "", "Call back Monday"])
    assert list(entry.comments.values_list("comment", flat=True)) == [
        "Wants a quote",
        "Call back Monday",
    ]


def test_a_viewer_cannot_create_interactions(carol, company, call_template) -> None:
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.create_interaction(
            actor=carol, data=InteractionInput(contact=company, template=call_template)
        )


def test_a_user_can_clear_the_templates_campaign(alice, bob, company, group) -> None:
    from rapport.campaigns.services import create_campaign

    campaign = create_campaign(actor=alice, description="Spring")
    template = services.create_interaction_template(
        actor=alice,
        code="CMP",
        group=group,
        description="Campaign call",
        campaign=campaign,
        correspondence_type="",
    )
    kept = services.create_interaction(
        actor=bob, data=InteractionInput(contact=company, template=template)
    )
    assert kept.campaign == campaign, "the template's campaign is the default"
    cleared = services.create_interaction(
        actor=bob,
        data=InteractionInput(
            contact=company, template=template, campaign=None, explicit={"campaign"}
        ),
    )
    assert cleared.campaign is None
