"""Recording document events (issue 13 points 1 and 2; rules 6 and 13; BC 5.1-5.5)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rapport.campaigns.models import CampaignEntry
from rapport.campaigns.services import activate_campaign, create_campaign
from rapport.contacts.services import create_contact
from rapport.core.models import Language
from rapport.documents import services
from rapport.documents.models import DocumentEvent
from rapport.documents.tests.conftest import DAY, PDF, event, make_template
from rapport.interactions import services as interactions
from rapport.interactions.attachments import Upload, read_content
from rapport.interactions.models import (
    BC_DOCUMENT_NUMBERS,
    DOCUMENT_SETUP_FIELDS,
    DocumentType,
    InteractionLogEntry,
)
from rapport.interactions.queries import template_setup

pytestmark = pytest.mark.django_db

LANGUAGE_RULE = (
    "Interaction Template SQTE has assigned Interaction Template Language FIN.\n"
    "It is not allowed to have languages assigned to templates used for system document "
    "logging."
)


def entry_of(result: services.EventResult) -> InteractionLogEntry:
    assert result.entry_no is not None, result
    return InteractionLogEntry.objects.get(pk=result.entry_no)


def error_of(exc: pytest.ExceptionInfo[ValidationError]) -> tuple[str, str, str]:
    [(field, errors)] = exc.value.error_dict.items()
    return field, errors[0].code or "", errors[0].messages[0]


# --- point 1: the setup ------------------------------------------------------------------------


def test_the_setup_names_a_template_for_every_bc_document_type_and_system_event(
    alice, group
) -> None:
    assert set(DOCUMENT_SETUP_FIELDS) == set(DocumentType.values)
    assert BC_DOCUMENT_NUMBERS["sales_invoice"] == 4
    assert BC_DOCUMENT_NUMBERS["sales_draft_invoice"] == 26
    mail = make_template(alice, group, "MAIL")
    setup = interactions.update_template_setup(
        actor=alice,
        emails=mail,
        email_draft=mail,
        meeting_invitation=mail,
        purch_return_shipment=mail,
        serv_ord_create=mail,
        skip_unrecorded_documents=True,
    )
    assert setup.emails == mail and setup.purch_return_shipment == mail
    assert template_setup().serv_ord_create == mail
    assert template_setup().skip_unrecorded_documents is True


def test_a_template_with_languages_cannot_be_set_up_for_documents(alice, group) -> None:
    template = make_template(alice, group, "SQTE")
    interactions.save_template_language(
        actor=alice, template=template, language=Language.objects.get_or_create(code="FIN")[0]
    )
    with pytest.raises(ValidationError) as exc:
        interactions.update_template_setup(actor=alice, sales_quotes=template)
    assert error_of(exc) == ("sales_quotes", "template_has_languages", LANGUAGE_RULE)
    # Phone calls may use it: the rule is for document logging only.
    interactions.update_template_setup(actor=alice, outgoing_calls=template)


def test_a_template_set_up_for_documents_cannot_get_a_language(alice, templates) -> None:
    finnish = Language.objects.get_or_create(code="FIN")[0]
    with pytest.raises(ValidationError) as exc:
        interactions.save_template_language(
            actor=alice, template=templates["SQTE"], language=finnish
        )
    assert error_of(exc) == ("language", "template_has_languages", LANGUAGE_RULE)
    with pytest.raises(ValidationError):
        interactions.update_interaction_template(
            actor=alice, template=templates["SQTE"], language=finnish
        )
    assert not templates["SQTE"].languages.exists()


def test_extra_document_types_are_declared_with_a_template(alice, templates, customer) -> None:
    interactions.update_template_setup(
        actor=alice,
        extra_document_types=[
            interactions.ExtraDocumentTypeInput(
                code="webshop", description="Web shop order", template=templates["SQTE"]
            )
        ],
    )
    result = services.record_document_event(
        actor=alice, data=event(document_type="WEBSHOP", document_no="W-1", event="created")
    )
    entry = entry_of(result)
    assert (entry.document_type, entry.template.code) == ("WEBSHOP", "SQTE")
    with pytest.raises(ValidationError) as exc:
        interactions.update_template_setup(
            actor=alice,
            extra_document_types=[interactions.ExtraDocumentTypeInput(code="SALES_INVOICE")],
        )
    assert error_of(exc)[:2] == ("extra_document_types", "duplicate")


def test_a_template_used_by_the_setup_cannot_be_deleted(alice, templates) -> None:
    with pytest.raises(ValidationError) as exc:
        interactions.delete_interaction_template(actor=alice, template=templates["PORD"])
    assert error_of(exc)[1] == "in_use"


# --- point 2: one event ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document_type", "template_code", "account"),
    [
        ("sales_invoice", "SINV", {"customer_no": "10000"}),
        ("sales_quote", "SQTE", {"customer_no": "10000"}),
        ("purchase_order", "PORD", {"vendor_no": "20000"}),
        ("service_contract", "SCON", {"customer_no": "10000"}),
    ],
)
@pytest.mark.parametrize("kind", ["created", "printed", "emailed", "posted"])
def test_each_document_family_and_event_writes_one_entry_with_its_template(
    bob, templates, customer, vendor, document_type, template_code, account, kind
) -> None:
    result = services.record_document_event(
        actor=bob,
        data=event(
            document_type=document_type, document_no="D-1", event=kind, version_no=2, **account
        ),
    )
    assert result.status == "recorded"
    entry = entry_of(result)
    contact = vendor if "vendor_no" in account else customer
    assert entry.contact == contact
    assert entry.template.code == template_code
    assert (entry.document_type, entry.document_no, entry.version_no) == (document_type, "D-1", 2)
    assert entry.date == DAY
    assert entry.description == f"{template_code.title()} document"
    assert entry.cost == Decimal("1.50")
    assert entry.salesperson is None  # BC: no salesperson is required for documents
    assert DocumentEvent.objects.get(entry=entry).event == kind


def test_the_bill_to_contact_wins_over_the_customer_and_lends_its_salesperson(
    alice, bob, templates, customer, salesperson
) -> None:
    person = create_contact(
        actor=alice, name="Matti", type="person", company=customer, salesperson=salesperson
    )
    result = services.record_document_event(actor=bob, data=event(contact_no=person.no.lower()))
    entry = entry_of(result)
    assert (entry.contact, entry.contact_company) == (person, customer)
    assert entry.salesperson == salesperson


def test_an_email_correspondence_type_falls_back_to_blank_without_an_address(
    bob, templates, customer, vendor, alice
) -> None:
    result = services.record_document_event(actor=bob, data=event())
    assert entry_of(result).correspondence_type == ""
    interactions.update_template_setup(actor=alice, purch_invoices=templates["SINV"])
    with_address = services.record_document_event(
        actor=bob, data=event(document_type="purchase_invoice", vendor_no="20000")
    )
    assert entry_of(with_address).correspondence_type == "email"


def test_the_same_document_event_twice_is_one_entry(bob, templates, customer) -> None:
    first = services.record_document_event(actor=bob, data=event())
    again = services.record_document_event(actor=bob, data=event(document_no="ps-1001"))
    assert again.status == "duplicate" and again.entry_no == first.entry_no
    assert InteractionLogEntry.objects.count() == 1
    # Another event, version or key of the same document is a new entry.
    services.record_document_event(actor=bob, data=event(event="emailed"))
    services.record_document_event(actor=bob, data=event(version_no=1))
    services.record_document_event(actor=bob, data=event(idempotency_key="resend-2"))
    assert InteractionLogEntry.objects.count() == 4


def test_the_pdf_becomes_the_entrys_attachment_and_only_a_pdf_is_accepted(
    bob, templates, customer
) -> None:
    pdf = Upload(content=PDF, name="PS-1001.pdf", content_type="application/pdf")
    result = services.record_document_event(actor=bob, data=event(pdf=pdf))
    entry = entry_of(result)
    assert entry.attachment.file_name == "PS-1001.pdf"
    assert read_content(entry.attachment) == PDF
    fake = Upload(content=b"MZ not a pdf", name="invoice.pdf", content_type="application/pdf")
    with pytest.raises(ValidationError) as exc:
        services.record_document_event(actor=bob, data=event(document_no="X", pdf=fake))
    assert error_of(exc)[:2] == ("pdf", "not_pdf")


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"customer_no": "99999"},
            "customer_no",
            "Customer 99999 is not linked to a contact. Add a business relation with Link to "
            "Table = Customer and No. = 99999 to a contact.",
        ),
        (
            {"document_type": "purchase_order", "vendor_no": "10000"},
            "vendor_no",
            "Vendor 10000 is not linked to a contact. Add a business relation with Link to "
            "Table = Vendor and No. = 10000 to a contact.",
        ),
        ({"contact_no": "NOPE"}, "contact_no", "There is no Contact with the number NOPE."),
        (
            {"document_type": "purchase_order", "customer_no": ""},
            "vendor_no",
            "You must fill in the Vendor No. field.",
        ),
        (
            {"document_type": "sales_reminder"},
            "document_type",
            "Sales Rmdr. must have a value in Interaction Template Setup. It cannot be zero or "
            "empty.",
        ),
        ({"document_type": "memo"}, "document_type", "There is no Document Type memo."),
    ],
)
def test_an_unknown_customer_or_a_missing_template_is_an_error_and_writes_nothing(
    bob, templates, customer, vendor, values, field, message
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.record_document_event(actor=bob, data=event(**values))
    assert (error_of(exc)[0], error_of(exc)[2]) == (field, message)
    assert not InteractionLogEntry.objects.exists()
    assert not DocumentEvent.objects.exists()


def test_with_the_skip_flag_such_events_are_skipped_counted_and_retried_later(
    alice, bob, templates, customer
) -> None:
    interactions.update_template_setup(actor=alice, skip_unrecorded_documents=True)
    skipped = services.record_document_event(actor=bob, data=event(customer_no="99999"))
    assert (skipped.status, skipped.field, skipped.code) == ("skipped", "customer_no", "no_contact")
    services.record_document_event(actor=bob, data=event(customer_no="99999"))
    assert DocumentEvent.objects.filter(status="skipped").count() == 2
    assert not InteractionLogEntry.objects.exists()
    # Once the customer is known the same event records.
    recorded = services.record_document_event(actor=bob, data=event())
    assert recorded.status == "recorded"


def test_a_viewer_cannot_record_documents(carol, templates, customer) -> None:
    with pytest.raises(PermissionDenied):
        services.record_document_event(actor=carol, data=event())


# --- campaign entries (BC 5.5) -----------------------------------------------------------------


def test_documents_of_one_type_in_one_campaign_share_one_campaign_entry(
    alice, bob, templates, customer
) -> None:
    campaign = create_campaign(actor=alice, description="Spring")
    first = services.record_document_event(
        actor=bob, data=event(document_no="A", campaign_no=campaign.no)
    )
    second = services.record_document_event(
        actor=bob, data=event(document_no="B", campaign_no=campaign.no.lower())
    )
    quote = services.record_document_event(
        actor=bob,
        data=event(document_type="sales_quote", document_no="Q", campaign_no=campaign.no),
    )
    entries = InteractionLogEntry.objects.in_bulk([first.entry_no, second.entry_no, quote.entry_no])
    assert entries[first.entry_no].campaign_entry == entries[second.entry_no].campaign_entry
    assert entries[quote.entry_no].campaign_entry != entries[first.entry_no].campaign_entry
    invoices = entries[first.entry_no].campaign_entry
    assert (invoices.description, invoices.document_type) == ("Sales Invoices", "sales_invoice")
    assert entries[quote.entry_no].campaign_entry.description == "Sales Quotes"
    assert CampaignEntry.objects.count() == 2


def test_the_templates_campaign_is_used_unless_the_document_names_one(
    alice, bob, group, customer
) -> None:
    own = create_campaign(actor=alice, description="Template campaign")
    other = create_campaign(actor=alice, description="Document campaign")
    template = make_template(alice, group, "STMT", campaign=own)
    interactions.update_template_setup(actor=alice, sales_statement=template)
    plain = services.record_document_event(
        actor=bob, data=event(document_type="sales_statement", document_no="S1")
    )
    named = services.record_document_event(
        actor=bob,
        data=event(document_type="sales_statement", document_no="S2", campaign_no=other.no),
    )
    assert entry_of(plain).campaign == own
    assert entry_of(named).campaign == other


@pytest.fixture
def target_campaign(alice, group, customer):
    """An activated campaign, 1-30 November 2026, whose target group holds customer 10000."""
    campaign = create_campaign(
        actor=alice,
        description="November",
        starting_date=datetime.date(2026, 11, 1),
        ending_date=datetime.date(2026, 11, 30),
    )
    target = make_template(alice, group, "TGT", campaign_target=True)
    interactions.create_interaction(
        actor=alice,
        data=interactions.InteractionInput(
            contact=customer, template=target, campaign=campaign, salesperson=customer.salesperson
        ),
    )
    activate_campaign(actor=alice, campaign=campaign)
    return campaign


def test_a_posted_invoice_of_a_target_customer_within_the_campaign_gets_its_campaign(
    bob, templates, target_campaign
) -> None:
    inside = services.record_document_event(actor=bob, data=event(document_no="I1"))
    outside = services.record_document_event(
        actor=bob, data=event(document_no="I2", document_date=datetime.date(2026, 12, 1))
    )
    printed = services.record_document_event(
        actor=bob, data=event(document_no="I3", event="printed")
    )
    entry = entry_of(inside)
    assert entry.campaign == target_campaign
    assert entry.campaign_entry.description == "Sales Invoices"
    assert entry_of(outside).campaign is None
    assert entry_of(printed).campaign is None


def test_a_posted_invoice_whose_order_was_logged_gets_no_campaign(
    bob, templates, target_campaign
) -> None:
    services.record_document_event(
        actor=bob, data=event(document_no="SO-7", event="emailed")
    )  # the order, logged as a sales invoice type document with the same group
    result = services.record_document_event(
        actor=bob, data=event(document_no="PS-7", order_no="SO-7")
    )
    assert entry_of(result).campaign is None


def test_a_target_customers_posted_invoice_without_an_invoices_template_fails(
    alice, bob, templates, target_campaign
) -> None:
    interactions.update_template_setup(
        actor=alice, sales_invoices=None, skip_unrecorded_documents=True
    )
    with pytest.raises(ValidationError) as exc:
        services.record_document_event(actor=bob, data=event())
    assert error_of(exc) == (
        "document_type",
        "no_invoice_template",
        "The Invoices field on the Sales FastTab in the Interaction Template Setup window must "
        "be filled in.",
    )
    # Outside the campaign's dates the skip flag applies as usual.
    skipped = services.record_document_event(
        actor=bob, data=event(document_date=datetime.date(2026, 12, 1))
    )
    assert skipped.status == "skipped"


def test_a_template_that_got_languages_behind_the_setups_back_stops_logging(
    alice, bob, templates, customer
) -> None:
    from rapport.interactions.models import InteractionTemplateLanguage

    # Data from before the rule (or a direct import): logging still refuses it, as BC does.
    InteractionTemplateLanguage.objects.create(
        template=templates["SQTE"], language=Language.objects.get_or_create(code="FIN")[0]
    )
    with pytest.raises(ValidationError) as exc:
        services.record_document_event(actor=bob, data=event(document_type="sales_quote"))
    assert error_of(exc)[1:] == ("template_has_languages", LANGUAGE_RULE)


def test_recording_documents_announces_one_document_recorded_event(
    alice, bob, templates, customer
) -> None:
    from rapport.core import events

    seen: list[tuple[str, dict]] = []
    receiver = events.event_receiver(lambda kind, payload: seen.append((kind, payload)))
    try:
        results = services.record_document_events(
            actor=bob,
            events=[event(document_no="D-1"), event(document_no="D-2"), event(document_no="D-1")],
        )
    finally:
        events._RECEIVERS.remove(receiver)
    [payload] = [p for k, p in seen if k == events.DOCUMENT_RECORDED]
    assert payload["entry_nos"] == [results[0].entry_no, results[1].entry_no]
    assert [d["document_no"] for d in payload["documents"]] == ["D-1", "D-2"]
