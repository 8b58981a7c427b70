"""Demo data: Finnish and Norwegian companies, their people, salespeople, business relations."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from rapport.accounts.models import Salesperson
from rapport.accounts.services import create_salesperson
from rapport.contacts.models import BusinessRelation, Contact, LinkToTable
from rapport.contacts.services import (
    add_contact_business_relation,
    create_business_relation,
    create_contact,
    update_marketing_setup,
)
from rapport.core.models import Language

SALESPEOPLE = [
    ("AH", "Aino Heikkinen", "Myyntipäällikkö", "aino.heikkinen@rapport.example"),
    ("JL", "Juha Lehtonen", "Myyjä", "juha.lehtonen@rapport.example"),
    ("IB", "Ingrid Berg", "Salgssjef", "ingrid.berg@rapport.example"),
    ("OH", "Ola Hansen", "Selger", "ola.hansen@rapport.example"),
]

# The demo company is Finnish (EUR, Finnish codes): its own records read in Finnish.
RELATIONS = [
    ("ASIAKAS", "Asiakas"),
    ("TOIMITTAJA", "Toimittaja"),
    ("PANKKI", "Pankki"),
    ("PROSPEKTI", "Prospekti"),
]

# (name, address, post code, city, country, phone, e-mail domain, salesperson, persons)
FINNISH = [
    (
        "Pohjolan Puutarha Oy",
        "Puistokatu 4",
        "00140",
        "Helsinki",
        "040 123 4567",
        "pohjolanpuutarha.fi",
        "AH",
        ["Matti Virtanen", "Liisa Korhonen"],
    ),
    (
        "Saimaan Sähkö Oy",
        "Kauppakatu 12",
        "53100",
        "Lappeenranta",
        "05 612 3400",
        "saimaansahko.fi",
        "JL",
        ["Jukka Mäkinen"],
    ),
    (
        "Kaleva Rakennus Oy",
        "Hämeenkatu 21",
        "33100",
        "Tampere",
        "03 345 6789",
        "kalevarakennus.fi",
        "AH",
        ["Sari Nieminen", "Pekka Laine", "Anna Maria Heinonen"],
    ),
    (
        "Turun Tekstiili Oy",
        "Linnankatu 33",
        "20100",
        "Turku",
        "02 276 5400",
        "turuntekstiili.fi",
        "JL",
        ["Kaisa Salminen"],
    ),
    (
        "Oulun Ohjelmisto Oy",
        "Kirkkokatu 9",
        "90100",
        "Oulu",
        "08 554 3210",
        "oulunohjelmisto.fi",
        "AH",
        ["Antti Hämäläinen", "Elina Koskinen"],
    ),
    (
        "Järvi-Suomen Kuljetus Oy",
        "Satamakatu 2",
        "70100",
        "Kuopio",
        "017 288 1100",
        "jskuljetus.fi",
        "JL",
        ["Timo Järvinen"],
    ),
    (
        "Vaasan Vesi Oy",
        "Hovioikeudenpuistikko 15",
        "65100",
        "Vaasa",
        "06 325 1111",
        "vaasanvesi.fi",
        "AH",
        ["Hanna Lehtinen"],
    ),
    (
        "Lapin Matkailu Oy",
        "Rovakatu 26",
        "96200",
        "Rovaniemi",
        "016 346 270",
        "lapinmatkailu.fi",
        "JL",
        ["Mikko Saarinen", "Johanna Niemi"],
    ),
    (
        "Porvoon Paahtimo Oy",
        "Mannerheiminkatu 3",
        "06100",
        "Porvoo",
        "019 520 2300",
        "porvoonpaahtimo.fi",
        "AH",
        ["Ville Rantanen"],
    ),
    (
        "Jyväskylän Kirja Oy",
        "Kauppakatu 19",
        "40100",
        "Jyväskylä",
        "014 266 0000",
        "jklkirja.fi",
        "JL",
        ["Tiina Ahonen", "Olli Heikkilä"],
    ),
    (
        "Espoon Energia Oy",
        "Tapiontori 1",
        "02100",
        "Espoo",
        "09 816 21",
        "espoonenergia.fi",
        "AH",
        ["Kari Lindholm"],
    ),
    (
        "Kotkan Satama Oy",
        "Laivurinkatu 7",
        "48100",
        "Kotka",
        "05 234 4000",
        "kotkansatama.fi",
        "JL",
        ["Petri Laaksonen"],
    ),
]

NORWEGIAN = [
    (
        "Fjordkraft Handel AS",
        "Karl Johans gate 10",
        "0154",
        "Oslo",
        "22 12 34 56",
        "fjordkrafthandel.no",
        "IB",
        ["Kari Nordmann", "Ola Johansen"],
    ),
    (
        "Bergen Fisk AS",
        "Bryggen 5",
        "5003",
        "Bergen",
        "55 30 20 10",
        "bergenfisk.no",
        "OH",
        ["Ingrid Larsen"],
    ),
    (
        "Trøndelag Trelast AS",
        "Munkegata 20",
        "7011",
        "Trondheim",
        "73 80 90 00",
        "trondelagtrelast.no",
        "IB",
        ["Lars Olsen", "Silje Andersen"],
    ),
    (
        "Stavanger Offshore Service AS",
        "Strandkaien 14",
        "4005",
        "Stavanger",
        "51 84 00 00",
        "stavangeroffshore.no",
        "OH",
        ["Erik Nilsen"],
    ),
    (
        "Tromsø Reiseliv AS",
        "Storgata 61",
        "9008",
        "Tromsø",
        "77 61 00 00",
        "tromsoreiseliv.no",
        "IB",
        ["Marte Pedersen", "Jonas Kristiansen"],
    ),
    (
        "Kristiansand Bygg AS",
        "Markens gate 2",
        "4611",
        "Kristiansand",
        "38 10 20 30",
        "krsbygg.no",
        "OH",
        ["Hanne Berg"],
    ),
    (
        "Drammen Data AS",
        "Bragernes torg 1",
        "3017",
        "Drammen",
        "32 20 30 40",
        "drammendata.no",
        "IB",
        ["Anders Haugen"],
    ),
    (
        "Bodø Marine AS",
        "Sjøgata 3",
        "8006",
        "Bodø",
        "75 50 40 30",
        "bodomarine.no",
        "OH",
        ["Nora Hagen", "Magnus Johnsen"],
    ),
    (
        "Lillehammer Sport AS",
        "Storgata 45",
        "2609",
        "Lillehammer",
        "61 28 99 00",
        "lillehammersport.no",
        "IB",
        ["Ida Eriksen"],
    ),
    (
        "Ålesund Møbler AS",
        "Kongens gate 8",
        "6002",
        "Ålesund",
        "70 10 20 30",
        "alesundmobler.no",
        "OH",
        ["Henrik Solberg"],
    ),
    (
        "Fredrikstad Glass AS",
        "Nygaardsgata 12",
        "1607",
        "Fredrikstad",
        "69 30 60 00",
        "fredrikstadglass.no",
        "IB",
        ["Emma Dahl", "Sander Bakken"],
    ),
    (
        "Hamar Landbruk AS",
        "Torggata 70",
        "2317",
        "Hamar",
        "62 51 00 00",
        "hamarlandbruk.no",
        "OH",
        ["Sofie Lund"],
    ),
]


def _email(name: str, domain: str) -> str:
    table = str.maketrans("äöåæøÄÖÅÆØ", "aoaaoAOAAO")
    local = ".".join(name.lower().translate(table).split())
    return f"{local}@{domain}"


@transaction.atomic
def load_demo(*, actor: Any) -> dict[str, int]:
    """Create the demo data once; running again creates nothing new."""
    created = {"salespeople": 0, "contacts": 0, "business_relations": 0}
    for code, name, title, email in SALESPEOPLE:
        if not Salesperson.objects.filter(code=code).exists():
            create_salesperson(actor=actor, code=code, name=name, job_title=title, email=email)
            created["salespeople"] += 1
    for code, description in RELATIONS:
        if not BusinessRelation.objects.filter(code=code).exists():
            create_business_relation(actor=actor, code=code, description=description)
    customers = BusinessRelation.objects.get(code="ASIAKAS")
    update_marketing_setup(
        actor=actor,
        bus_rel_code_for_customers=customers,
        bus_rel_code_for_vendors=BusinessRelation.objects.get(code="TOIMITTAJA"),
        bus_rel_code_for_bank_accounts=BusinessRelation.objects.get(code="PANKKI"),
    )
    languages = {code: Language.objects.get(code=code) for code in ("FI", "NB")}
    customer_no = 10000
    for country, language, rows in (("FI", "FI", FINNISH), ("NO", "NB", NORWEGIAN)):
        for name, address, post_code, city, phone, domain, sp, persons in rows:
            customer_no += 10
            if Contact.objects.filter(name=name, type="company").exists():
                continue
            company = create_contact(
                actor=actor,
                name=name,
                address=address,
                post_code=post_code,
                city=city,
                country_code=country,
                phone_no=phone,
                email=f"info@{domain}",
                home_page=f"https://www.{domain}",
                language=languages[language],
                salesperson=Salesperson.objects.get(code=sp),
                correspondence_type="email",
            )
            created["contacts"] += 1
            add_contact_business_relation(
                actor=actor,
                contact=company,
                business_relation=customers,
                link_to_table=LinkToTable.CUSTOMER,
                no=str(customer_no),
            )
            created["business_relations"] += 1
            for person in persons:
                create_contact(
                    actor=actor,
                    name=person,
                    type="person",
                    company=company,
                    email=_email(person, domain),
                )
                created["contacts"] += 1
    return created
