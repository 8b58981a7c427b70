"""Forms of the opportunity pages: the card, Close Opportunity, sales cycles and their stages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _l

from rapport.accounts.models import Salesperson
from rapport.campaigns.models import Campaign
from rapport.core.currency import lcy_caption_lazy
from rapport.interactions.forms_log import DateInput, amount_field, find_contact
from rapport.interactions.models import (
    Opportunity,
    OpportunityPriority,
    SalesCycle,
    SalesCycleStage,
)


def percent_field(label: Any) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        localize=True,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class OpportunityForm(forms.Form):
    """The opportunity card. Contact: its No. or part of its name (as in Create Interaction)."""

    no = forms.CharField(
        label=_l("No."),
        max_length=20,
        required=False,
        help_text=_l("Leave empty to take the next number of the number series."),
    )
    description = forms.CharField(label=_l("Description"), max_length=100, required=False)
    contact = forms.CharField(
        label=_l("Contact No."),
        max_length=100,
        required=False,
        help_text=_l("The contact's No. or a part of its name."),
    )
    salesperson = forms.ModelChoiceField(
        Salesperson.objects.filter(blocked=False),
        label=_l("Salesperson Code"),
        required=False,
        to_field_name="code",
    )
    campaign = forms.ModelChoiceField(
        Campaign.objects.all(), label=_l("Campaign No."), required=False, to_field_name="no"
    )
    sales_cycle = forms.ModelChoiceField(
        SalesCycle.objects.filter(blocked=False),
        label=_l("Sales Cycle Code"),
        required=False,
        to_field_name="code",
    )
    current_stage = forms.ModelChoiceField(
        SalesCycleStage.objects.none(),
        label=_l("Current Sales Cycle Stage"),
        required=False,
    )
    priority = forms.ChoiceField(
        label=_l("Priority"), choices=OpportunityPriority.choices, initial="normal"
    )
    estimated_value = amount_field(lcy_caption_lazy("Estimated Value (LCY)"), decimal_places=2)
    chances_of_success = percent_field(_l("Chances of Success %"))
    estimated_closing_date = forms.DateField(
        label=_l("Estimated Closing Date"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, user: Any, instance: Opportunity | None = None, **kw: Any):
        self.user = user
        self.instance = instance
        if instance is not None and not kw.get("initial"):
            kw["initial"] = {
                "description": instance.description,
                "contact": instance.contact.no if instance.contact else "",
                "salesperson": instance.salesperson.code if instance.salesperson else None,
                "campaign": instance.campaign.no if instance.campaign else None,
                "sales_cycle": instance.sales_cycle.code if instance.sales_cycle else None,
                "current_stage": instance.current_stage_id,
                "priority": instance.priority,
                "estimated_value": instance.estimated_value,
                "chances_of_success": instance.chances_of_success,
                "estimated_closing_date": instance.estimated_closing_date,
            }
        super().__init__(*args, **kw)
        if instance is not None:
            del self.fields["no"]
            # A salesperson or cycle blocked later still shows on the card.
            for name, model, key in (
                ("salesperson", Salesperson, "salesperson_id"),
                ("sales_cycle", SalesCycle, "sales_cycle_id"),
            ):
                if getattr(instance, key):
                    field: Any = self.fields[name]
                    field.queryset = model.objects.filter(  # type: ignore[attr-defined]
                        Q(blocked=False) | Q(pk=getattr(instance, key))
                    )
        stage: Any = self.fields["current_stage"]
        stage.queryset = SalesCycleStage.objects.select_related("sales_cycle").filter(
            sales_cycle__blocked=False
        )
        # Stages of every cycle are offered: each names its cycle ("NEW: 1 Qualify").
        stage.label_from_instance = lambda row: f"{row.sales_cycle.code}: {row}"

    def clean_contact(self) -> Any:
        return find_contact(self.user, self.cleaned_data.get("contact") or "")

    def changes(self) -> dict[str, Any]:
        """The cleaned values, for the service (amounts left blank count as 0)."""
        data = dict(self.cleaned_data)
        for name in ("estimated_value", "chances_of_success"):
            if data.get(name) is None:
                data[name] = Decimal(0)
        if self.instance is not None:
            return {k: v for k, v in data.items() if v != self._current(k)}
        return data

    def _current(self, name: str) -> Any:
        return getattr(self.instance, name, None)


class CloseOpportunityForm(forms.Form):
    action = forms.ChoiceField(
        label=_l("Action Taken"),
        choices=[("won", _l("Won")), ("lost", _l("Lost"))],
        widget=forms.RadioSelect,
    )
    date_closed = forms.DateField(label=_l("Date Closed"), required=False, widget=DateInput())
    calcd_current_value = amount_field(
        lcy_caption_lazy("Calcd. Current Value (LCY)"), decimal_places=2
    )

    def __init__(self, *args: Any, **kw: Any) -> None:
        kw.setdefault("initial", {"date_closed": timezone.localdate()})
        super().__init__(*args, **kw)
        self.fields["calcd_current_value"].help_text = _l(
            "When won; leave empty for the estimated value."
        )


class SalesCycleForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = SalesCycle
        fields = ["code", "description", "probability_calculation", "blocked", "is_default"]


class SalesCycleStageForm(forms.Form):
    stage = forms.IntegerField(label=_l("Stage"), min_value=1)
    description = forms.CharField(label=_l("Description"), max_length=100, required=False)
    completed = percent_field(_l("Completed %"))
    chances_of_success = percent_field(_l("Chances of Success %"))
