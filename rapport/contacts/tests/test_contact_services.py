from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from rapport.accounts.services import create_salesperson, update_user
from rapport.contacts import queries
from rapport.contacts.models import BusinessRelation, Contact, LinkToTable
from rapport.contacts.services import (
    add_contact_business_relation,
    break_down_name,
    create_business_relation,
    create_contact,
    delete_contact,
    update_contact,
    update_marketing_setup,
)
from rapport.core.models import Language, NumberSeries


def test_new_contacts_draw_numbers_from_the_contact_series(alice) -> None:
    first = create_contact(actor=alice, name="Kesko Oyj")
    second = create_contact(actor=alice, name="Fazer Oy")
    assert (first.no, second.no) == ("CT000001", "CT000002")
    assert first.no_series == NumberSeries.objects.get(code="CONT")
    assert first.company == first, "a company is its own company (BC's Company No.)"


def test_a_taken_number_is_skipped(alice) -> None:
    create_contact(actor=alice, name="Typed", no="CT000001")
    drawn = create_contact(actor=alice, name="Drawn")
    assert drawn.no == "CT000002"


def test_typed_numbers_need_manual_nos_on_the_series(alice) -> None:
    NumberSeries.objects.filter(code="CONT").update(manual_nos=False)
    with pytest.raises(ValidationError) as exc:
        create_contact(actor=alice, name="X", no="MY1")
    assert exc.value.message_dict["no"] == [
        "You may not enter numbers manually. If you want to enter numbers manually, "
        "please activate Manual Nos. in No. Series CONT."
    ]


def test_without_contact_nos_in_setup_a_number_cannot_be_drawn(alice) -> None:
    update_marketing_setup(actor=alice, contact_nos=None)
    with pytest.raises(ValidationError, match="Contact Nos. must have a value in Marketing Setup"):
        create_contact(actor=alice, name="X")


def test_a_name_is_required_in_bc_words(alice) -> None:
    with pytest.raises(ValidationError) as exc:
        create_contact(actor=alice, name="  ")
    assert exc.value.message_dict == {"name": ["You must fill in the Name field."]}


def test_over_long_values_are_refused_naming_the_field(alice) -> None:
    with pytest.raises(ValidationError) as exc:
        create_contact(actor=alice, name="N" * 101)
    assert exc.value.message_dict["name"][0].startswith("Name: Ensure this value has at most 100")
    with pytest.raises(ValidationError) as exc:
        create_contact(actor=alice, name="Ok", city="C" * 31)
    assert "City:" in exc.value.message_dict["city"][0]


def test_phone_numbers_must_not_contain_letters(alice) -> None:
    with pytest.raises(ValidationError) as exc:
        create_contact(actor=alice, name="X", phone_no="040 123 ABC")
    assert exc.value.message_dict == {"phone_no": ["Phone No. must not contain letters"]}


def test_email_accepts_a_semicolon_list_of_valid_addresses(alice) -> None:
    contact = create_contact(actor=alice, name="X", email="a@example.fi; b@example.fi")
    assert contact.search_email == "A@EXAMPLE.FI; B@EXAMPLE.FI"
    with pytest.raises(ValidationError) as exc:
        create_contact(actor=alice, name="Y", email="a@example.fi;not-an-address")
    assert exc.value.message_dict["email"] == ['The email address "not-an-address" is invalid.']


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Matti", ("Matti", "", "")),
        ("Matti Meikäläinen", ("Matti", "", "Meikäläinen")),
        ("Anna  Maria Liisa Virtanen", ("Anna Maria", "Liisa", "Virtanen")),
        ("", ("", "", "")),
    ],
)
def test_person_names_break_down_like_bc(name: str, parts: tuple[str, str, str]) -> None:
    assert break_down_name(name) == parts


def test_a_person_inherits_the_company_fields_chosen_in_setup(alice) -> None:
    sp = create_salesperson(actor=alice, code="js", name="Jussi Sales")
    fi = Language.objects.get(code="FI")
    company = create_contact(
        actor=alice,
        name="Valio Oy",
        salesperson=sp,
        language=fi,
        country_code="fi",
        address="Meijeritie 6",
        post_code="00370",
        city="Helsinki",
        phone_no="010 381 121",
        email="info@valio.example",
    )
    person = create_contact(
        actor=alice,
        name="Liisa Maria Korhonen",
        type="person",
        company=company,
        email="liisa@valio.example",
    )
    assert person.company == company
    assert (person.first_name, person.middle_name, person.surname) == ("Liisa", "Maria", "Korhonen")
    assert person.salesperson == sp
    assert person.language == fi
    assert person.country_code == "FI"
    assert (person.address, person.city, person.post_code) == ("Meijeritie 6", "Helsinki", "00370")
    assert person.phone_no == "010 381 121"
    assert person.email == "liisa@valio.example", "a person's own value is kept"


def test_inheritance_flags_off_keep_the_person_fields(alice) -> None:
    update_marketing_setup(actor=alice, inherit_address=False, inherit_communication=False)
    company = create_contact(actor=alice, name="Co", city="Oslo", phone_no="22 00 00 00")
    person = create_contact(actor=alice, name="P", type="person", company=company)
    assert person.city == "" and person.phone_no == ""


def test_company_changes_flow_to_persons_that_still_had_the_old_value(alice) -> None:
    company = create_contact(
        actor=alice, name="Co", city="Tampere", address="Katu 1", phone_no="03 111"
    )
    same = create_contact(actor=alice, name="Same Person", type="person", company=company)
    own = create_contact(
        actor=alice,
        name="Own Person",
        type="person",
        company=company,
        phone_no="040 222",
        address="Koti 5",
        city="Espoo",
    )
    update_contact(actor=alice, contact=company, city="Turku", address="Katu 2", phone_no="02 333")
    same.refresh_from_db()
    own.refresh_from_db()
    assert (same.city, same.address, same.phone_no) == ("Turku", "Katu 2", "02 333")
    assert (own.city, own.address, own.phone_no) == ("Espoo", "Koti 5", "040 222")


def test_moving_a_person_to_another_company_reinherits_old_company_values(alice) -> None:
    old = create_contact(actor=alice, name="Old", city="Bergen", phone_no="55 00")
    new = create_contact(actor=alice, name="New", city="Trondheim", phone_no="73 00")
    person = create_contact(actor=alice, name="Per Hansen", type="person", company=old)
    person = update_contact(actor=alice, contact=person, company=new)
    assert person.company == new
    assert (person.city, person.phone_no) == ("Trondheim", "73 00")


def test_only_persons_link_to_companies_and_only_to_companies(alice) -> None:
    company = create_contact(actor=alice, name="Co")
    person = create_contact(actor=alice, name="P", type="person", company=company)
    with pytest.raises(ValidationError, match="Type must be equal to 'Company'"):
        create_contact(actor=alice, name="Q", type="person", company=person)


def test_a_company_with_persons_cannot_become_a_person(alice) -> None:
    company = create_contact(actor=alice, name="Co")
    create_contact(actor=alice, name="P", type="person", company=company)
    with pytest.raises(ValidationError) as exc:
        update_contact(actor=alice, contact=company, type="person")
    assert exc.value.message_dict["type"] == [
        "Type cannot be changed because there are one or more related people linked to the contact."
    ]


def test_a_person_can_become_a_company_and_then_is_its_own_company(alice) -> None:
    person = create_contact(actor=alice, name="Sole Trader", type="person", job_title="Owner")
    company = update_contact(actor=alice, contact=person, type="company")
    assert company.is_company and company.company_id == company.pk and company.job_title == ""


def test_the_acting_users_salesperson_wins_over_the_setup_default(alice) -> None:
    default = create_salesperson(actor=alice, code="DEF")
    own = create_salesperson(actor=alice, code="OWN")
    update_marketing_setup(actor=alice, default_salesperson=default)
    assert create_contact(actor=alice, name="A").salesperson == default
    alice = update_user(actor=alice, user=alice, salesperson=own)
    assert create_contact(actor=alice, name="B").salesperson == own


def test_a_privacy_blocked_salesperson_cannot_be_put_on_a_contact(alice) -> None:
    sp = create_salesperson(actor=alice, code="PB", privacy_blocked=True)
    with pytest.raises(ValidationError) as exc:
        create_contact(actor=alice, name="X", salesperson=sp)
    assert exc.value.message_dict["salesperson"] == [
        "Privacy Blocked must not be true for Salesperson PB."
    ]


def test_setup_defaults_fill_new_contacts(alice) -> None:
    nb = Language.objects.get(code="NB")
    update_marketing_setup(
        actor=alice,
        default_language=nb,
        default_country_code="no",
        default_correspondence_type="email",
    )
    contact = create_contact(actor=alice, name="Norsk AS")
    assert (contact.language, contact.country_code, contact.correspondence_type) == (
        nb,
        "NO",
        "email",
    )


def test_deleting_a_company_deletes_its_persons_and_relations(alice) -> None:
    company = create_contact(actor=alice, name="Co")
    create_contact(actor=alice, name="P1", type="person", company=company)
    create_contact(actor=alice, name="P2", type="person", company=company)
    rel = create_business_relation(actor=alice, code="CUST", description="Customer")
    add_contact_business_relation(
        actor=alice, contact=company, business_relation=rel, link_to_table="customer", no="10000"
    )
    other = create_contact(actor=alice, name="Other")
    assert delete_contact(actor=alice, contact=company) == 3
    assert list(Contact.objects.all()) == [other]


def test_viewer_and_marketing_cannot_write_contacts(carol, dave) -> None:
    for actor in (carol, dave):
        with pytest.raises(PermissionDenied):
            create_contact(actor=actor, name="Nope")


def test_business_relations_sit_on_the_company_and_link_one_external_no(alice) -> None:
    company = create_contact(actor=alice, name="Co")
    person = create_contact(actor=alice, name="P", type="person", company=company)
    cust = create_business_relation(actor=alice, code="cust")
    link = add_contact_business_relation(
        actor=alice,
        contact=person,
        business_relation=cust,
        link_to_table=LinkToTable.CUSTOMER,
        no="c-10000",
    )
    assert link.contact == company and link.no == "C-10000"
    assert queries.contact_by_relation("customer", "c-10000") == company
    assert queries.relation_summary(person) == "Customer"
    other = create_contact(actor=alice, name="Other")
    vend = create_business_relation(actor=alice, code="VEND")
    with pytest.raises(ValidationError) as exc:
        add_contact_business_relation(
            actor=alice,
            contact=other,
            business_relation=vend,
            link_to_table="customer",
            no="C-10000",
        )
    assert exc.value.message_dict["no"] == [
        f"Customer C-10000 already has a Contact Business Relation with Contact {company.no}."
    ]
    with pytest.raises(ValidationError) as exc:
        add_contact_business_relation(
            actor=alice, contact=company, business_relation=vend, link_to_table="customer", no="C-2"
        )
    assert exc.value.message_dict["no"] == [
        f"Contact {company.no} already has a Contact Business Relation with Customer C-10000."
    ]


def test_the_setup_customer_code_needs_a_linked_no(alice) -> None:
    cust = create_business_relation(actor=alice, code="KUNDE")
    update_marketing_setup(actor=alice, bus_rel_code_for_customers=cust)
    company = create_contact(actor=alice, name="Co")
    with pytest.raises(ValidationError, match="is used when a Contact is linked with a Customer"):
        add_contact_business_relation(actor=alice, contact=company, business_relation=cust)


@pytest.mark.parametrize("location", ["/etc", "../outside", "a/../../b", "C:\\temp"])
def test_attachment_location_must_stay_under_the_attachment_root(alice, location: str) -> None:
    with pytest.raises(ValidationError) as exc:
        update_marketing_setup(actor=alice, attachment_storage_location=location)
    assert "attachment_storage_location" in exc.value.message_dict


def test_a_business_relation_in_use_cannot_be_deleted(alice) -> None:
    from rapport.contacts.services import delete_business_relation

    rel = create_business_relation(actor=alice, code="X")
    company = create_contact(actor=alice, name="Co")
    add_contact_business_relation(actor=alice, contact=company, business_relation=rel)
    with pytest.raises(ValidationError, match="contacts use it"):
        delete_business_relation(actor=alice, relation=rel)
    assert BusinessRelation.objects.filter(code="X").exists()
