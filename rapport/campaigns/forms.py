from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.campaigns.models import Campaign


class CampaignForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Campaign
        fields = ["no", "description", "starting_date", "ending_date", "salesperson", "status"]
        widgets = {
            "starting_date": forms.DateInput(attrs={"type": "date"}),
            "ending_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["no"].required = False
        self.fields["no"].help_text = _("Leave blank to take the next number from the series.")
        if self.instance.pk:
            self.fields["no"].disabled = True

    def _post_clean(self) -> None:
        pass


class CampaignStatusForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        from rapport.campaigns.models import CampaignStatus

        model = CampaignStatus
        fields = ["code", "description"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if self.instance.pk:
            self.fields["code"].disabled = True

    def _post_clean(self) -> None:
        pass
