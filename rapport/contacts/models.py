"""Contacts (companies and persons), business relations and the marketing setup."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Salesperson
from rapport.core.choices import CorrespondenceType
from rapport.core.fields import CodeField
from rapport.core.models import CodeTableModel, Language, NumberSeries


class AttachmentStorageType(models.TextChoices):
    EMBEDDED = "embedded", _("Embedded")
    DISK_FILE = "disk_file", _("Disk File")


class BusinessRelation(CodeTableModel):
    class Meta(CodeTableModel.Meta):
        verbose_name = _("business relation")
        verbose_name_plural = _("business relations")


class MarketingSetup(models.Model):
    """The one marketing setup record (BC's Marketing Setup)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    # Numbering
    contact_nos = models.ForeignKey(
        NumberSeries,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Contact Nos."),
    )
    campaign_nos = models.ForeignKey(
        NumberSeries,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Campaign Nos."),
    )
    segment_nos = models.ForeignKey(
        NumberSeries,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Segment Nos."),
    )
    opportunity_nos = models.ForeignKey(
        NumberSeries,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Opportunity Nos."),
    )
    task_nos = models.ForeignKey(
        NumberSeries,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Task Nos."),
    )
    # Business relation codes written when a contact is linked to that kind of record
    bus_rel_code_for_customers = models.ForeignKey(
        BusinessRelation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Bus. Rel. Code for Customers"),
    )
    bus_rel_code_for_vendors = models.ForeignKey(
        BusinessRelation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Bus. Rel. Code for Vendors"),
    )
    bus_rel_code_for_bank_accounts = models.ForeignKey(
        BusinessRelation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Bus. Rel. Code for Bank Accs."),
    )
    bus_rel_code_for_employees = models.ForeignKey(
        BusinessRelation,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Bus. Rel. Code for Employees"),
    )
    # Inheritance: which company fields persons take over
    inherit_salesperson = models.BooleanField(_("Inherit Salesperson Code"), default=True)
    inherit_country = models.BooleanField(_("Inherit Country/Region Code"), default=True)
    inherit_language = models.BooleanField(_("Inherit Language Code"), default=True)
    inherit_address = models.BooleanField(_("Inherit Address Details"), default=True)
    inherit_communication = models.BooleanField(_("Inherit Communication Details"), default=True)
    # Defaults for new contacts
    default_salesperson = models.ForeignKey(
        Salesperson,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Default Salesperson Code"),
    )
    default_country_code = CodeField(_("Default Country/Region Code"), max_length=10, blank=True)
    default_language = models.ForeignKey(
        Language,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Default Language Code"),
    )
    default_correspondence_type = models.CharField(
        _("Default Correspondence Type"),
        max_length=10,
        blank=True,
        choices=CorrespondenceType.choices,
        default=CorrespondenceType.BLANK,
    )
    currency_code = CodeField(_("Currency Code"), max_length=10, default="EUR")
    # Attachments
    attachment_storage_type = models.CharField(
        _("Attachment Storage Type"),
        max_length=10,
        choices=AttachmentStorageType.choices,
        default=AttachmentStorageType.EMBEDDED,
    )
    attachment_storage_location = models.CharField(
        _("Attachment Storage Location"),
        max_length=250,
        blank=True,
        help_text=_("A folder under the server's attachment root, e.g. 'attachments'."),
    )

    class Meta:
        verbose_name = _("marketing setup")
        verbose_name_plural = _("marketing setup")
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="marketing_setup_singleton")
        ]

    def __str__(self) -> str:
        return str(_("Marketing Setup"))


class ContactType(models.TextChoices):
    COMPANY = "company", _("Company")
    PERSON = "person", _("Person")


class Contact(models.Model):
    """A company or a person. Companies point to themselves as `company` (BC's Company No.)."""

    no = CodeField(_("No."), max_length=20, unique=True)
    no_series = models.ForeignKey(
        NumberSeries,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("No. Series"),
    )
    type = models.CharField(
        _("Type"), max_length=8, choices=ContactType.choices, default=ContactType.COMPANY
    )
    name = models.CharField(_("Name"), max_length=100)
    search_name = CodeField(_("Search Name"), max_length=100, blank=True, db_index=True)
    name_2 = models.CharField(_("Name 2"), max_length=50, blank=True)
    first_name = models.CharField(_("First Name"), max_length=30, blank=True)
    middle_name = models.CharField(_("Middle Name"), max_length=30, blank=True)
    surname = models.CharField(_("Surname"), max_length=30, blank=True)
    initials = models.CharField(_("Initials"), max_length=30, blank=True)
    job_title = models.CharField(_("Job Title"), max_length=30, blank=True)
    company = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("Company No."),
    )
    # BC stores the company's No. and Name on every contact (a company: its own), kept by the
    # contacts services (a renamed company updates its persons in one UPDATE). The list's
    # default order reads them from the contact's own row, through one index.
    # (db_default: hand-written INSERTs that predate the columns, e.g. bench baselines, still work)
    company_no = CodeField(
        _("Company No."), max_length=20, blank=True, editable=False, default="", db_default=""
    )
    company_name = models.CharField(
        _("Company Name"), max_length=100, blank=True, editable=False, default="", db_default=""
    )
    address = models.CharField(_("Address"), max_length=100, blank=True)
    address_2 = models.CharField(_("Address 2"), max_length=50, blank=True)
    post_code = CodeField(_("Post Code"), max_length=20, blank=True)
    city = models.CharField(_("City"), max_length=30, blank=True)
    county = models.CharField(_("County"), max_length=30, blank=True)
    country_code = CodeField(_("Country/Region Code"), max_length=10, blank=True)
    phone_no = models.CharField(_("Phone No."), max_length=30, blank=True)
    mobile_phone_no = models.CharField(_("Mobile Phone No."), max_length=30, blank=True)
    email = models.CharField(_("Email"), max_length=80, blank=True)
    search_email = CodeField(_("Search Email"), max_length=80, blank=True, db_index=True)
    home_page = models.CharField(_("Home Page"), max_length=80, blank=True)
    vat_registration_no = CodeField(_("VAT Registration No."), max_length=20, blank=True)
    language = models.ForeignKey(
        Language,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Language Code"),
    )
    salesperson = models.ForeignKey(
        Salesperson,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("Salesperson Code"),
    )
    correspondence_type = models.CharField(
        _("Correspondence Type"),
        max_length=10,
        blank=True,
        choices=CorrespondenceType.choices,
        default=CorrespondenceType.BLANK,
    )
    exclude_from_segment = models.BooleanField(_("Exclude from Segment"), default=False)
    privacy_blocked = models.BooleanField(_("Privacy Blocked"), default=False)
    # Set when the contact's personal data was erased (rapport.privacy); never cleared.
    erased_at = models.DateTimeField(_("Erased at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    modified_at = models.DateTimeField(_("Last Date Modified"), auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        permissions = [("import_contacts", _("Can import contacts"))]
        indexes = [
            models.Index(fields=["company", "type", "name"], name="contact_company_type_name"),
            # The list's default order (BC's Company Name, Company No., Type, Name).
            models.Index(
                fields=["company_name", "company_no", "type", "name", "id"],
                name="contact_list_order",
            ),
            models.Index(fields=["name"], name="contact_name"),
            models.Index(fields=["city"], name="contact_city"),
            models.Index(fields=["post_code"], name="contact_post_code"),
            models.Index(fields=["salesperson", "name"], name="contact_salesperson_name"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(type__in=["company", "person"]), name="contact_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.no} {self.name}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("contacts:contact_detail", args=[self.no])

    @property
    def is_company(self) -> bool:
        return self.type == ContactType.COMPANY

    @property
    def is_person(self) -> bool:
        return self.type == ContactType.PERSON


class LinkToTable(models.TextChoices):
    BLANK = "", _("(none)")
    CUSTOMER = "customer", _("Customer")
    VENDOR = "vendor", _("Vendor")
    BANK_ACCOUNT = "bank_account", _("Bank Account")
    EMPLOYEE = "employee", _("Employee")


class ContactBusinessRelation(models.Model):
    """Links a company contact to an external customer / vendor / bank account / employee no."""

    contact = models.ForeignKey(
        Contact, models.CASCADE, related_name="business_relations", verbose_name=_("Contact No.")
    )
    business_relation = models.ForeignKey(
        BusinessRelation,
        models.PROTECT,
        related_name="contact_links",
        verbose_name=_("Business Relation Code"),
    )
    link_to_table = models.CharField(
        _("Link to Table"),
        max_length=12,
        blank=True,
        choices=LinkToTable.choices,
        default=LinkToTable.BLANK,
    )
    no = CodeField(_("No."), max_length=20, blank=True)

    class Meta:
        ordering = ["contact", "business_relation"]
        verbose_name = _("contact business relation")
        verbose_name_plural = _("contact business relations")
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "business_relation"], name="contact_bus_rel_unique"
            ),
            models.UniqueConstraint(
                fields=["link_to_table", "no"],
                condition=~models.Q(no=""),
                name="contact_bus_rel_target_unique",
            ),
            models.UniqueConstraint(
                fields=["contact", "link_to_table"],
                condition=~models.Q(no=""),
                name="contact_bus_rel_one_link_per_table",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact.no} {self.business_relation.code} {self.no}".strip()


class ContactAltAddress(models.Model):
    """Another address of a contact (BC's Contact Alt. Address), keyed by Contact No. + Code."""

    contact = models.ForeignKey(
        Contact, models.CASCADE, related_name="alt_addresses", verbose_name=_("Contact No.")
    )
    code = CodeField(_("Code"), max_length=10)
    company_name = models.CharField(_("Company Name"), max_length=100, blank=True)
    company_name_2 = models.CharField(_("Company Name 2"), max_length=50, blank=True)
    address = models.CharField(_("Address"), max_length=100, blank=True)
    address_2 = models.CharField(_("Address 2"), max_length=50, blank=True)
    post_code = CodeField(_("Post Code"), max_length=20, blank=True)
    city = models.CharField(_("City"), max_length=30, blank=True)
    county = models.CharField(_("County"), max_length=30, blank=True)
    country_code = CodeField(_("Country/Region Code"), max_length=10, blank=True)
    phone_no = models.CharField(_("Phone No."), max_length=30, blank=True)
    mobile_phone_no = models.CharField(_("Mobile Phone No."), max_length=30, blank=True)
    fax_no = models.CharField(_("Fax No."), max_length=30, blank=True)
    email = models.CharField(_("Email"), max_length=80, blank=True)
    search_email = CodeField(_("Search Email"), max_length=80, blank=True, db_index=True)
    home_page = models.CharField(_("Home Page"), max_length=80, blank=True)
    modified_at = models.DateTimeField(_("Last Date Modified"), auto_now=True)

    class Meta:
        ordering = ["contact", "code"]
        verbose_name = _("contact alt. address")
        verbose_name_plural = _("contact alt. addresses")
        constraints = [
            models.UniqueConstraint(fields=["contact", "code"], name="contact_alt_address_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.contact.no} {self.code}"


__all__ = [
    "AttachmentStorageType",
    "BusinessRelation",
    "Contact",
    "ContactAltAddress",
    "ContactBusinessRelation",
    "ContactType",
    "LinkToTable",
    "MarketingSetup",
]
