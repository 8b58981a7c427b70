"""Forms for the accounts pages. They parse input; the services decide and write."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Salesperson, TokenScope, User
from rapport.accounts.queries import role_names
from rapport.accounts.roles import ROLE_LABELS


def language_choices() -> list[tuple[str, Any]]:
    # Each language in its own words (suomi, norsk, English), as on the switcher.
    from rapport.core.templatetags.rapport import LOCAL_LANGUAGE_NAMES

    return [
        ("", _("Browser default")),
        *((code, LOCAL_LANGUAGE_NAMES.get(code, name)) for code, name in settings.LANGUAGES),
    ]


class SalespersonForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Salesperson
        fields = [
            "code",
            "name",
            "job_title",
            "phone_no",
            "email",
            "commission_pct",
            "blocked",
            "privacy_blocked",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # Browsers do not send disabled inputs, so the code must be disabled before the
            # form validates (it then keeps the stored value).
            self.fields["code"].disabled = True

    def _post_clean(self) -> None:
        # The row is validated by the service (one set of messages for pages and API).
        pass


class UserForm(forms.Form):
    """Create or edit a user; `user=None` creates (then a password is needed)."""

    username = forms.CharField(label=_("User Name"), max_length=150)
    first_name = forms.CharField(label=_("First Name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last Name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        choices=list(ROLE_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    salesperson = forms.ModelChoiceField(
        Salesperson.objects.order_by("code"), label=_("Salesperson"), required=False
    )
    language = forms.ChoiceField(label=_("Language"), choices=language_choices, required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    revoke_tokens = forms.BooleanField(
        label=_("Revoke the user's API tokens when the password changes"),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, user: User | None = None, **kwargs: Any) -> None:
        self.user = user
        if user is not None:
            kwargs.setdefault(
                "initial",
                {
                    "username": user.username,
                    "first_name": user.first_name,
                    "last_name": user.last_name,
                    "email": user.email,
                    "roles": role_names(user),
                    "salesperson": user.salesperson_id,
                    "language": user.language,
                    "is_active": user.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        if user is None:
            self.fields["password"].required = True
            del self.fields["revoke_tokens"]
        else:
            self.fields["username"].disabled = True
            self.fields["password"].help_text = _("Leave blank to keep the current password.")

    def service_kwargs(self) -> dict[str, Any]:
        """Keyword arguments for create_user / update_user."""
        data = dict(self.cleaned_data)
        kwargs = {
            key: data[key]
            for key in (
                "first_name",
                "last_name",
                "email",
                "roles",
                "salesperson",
                "language",
                "is_active",
            )
        }
        if data.get("password"):
            kwargs["password"] = data["password"]
        if self.user is None:
            kwargs["username"] = data["username"]
        else:
            kwargs["revoke_tokens"] = bool(data.get("revoke_tokens"))
        return kwargs


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=language_choices, required=False)


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the script or system that uses it."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"), choices=TokenScope.choices, initial=TokenScope.WRITE, required=False
    )
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=3650,
        required=False,
        help_text=_("Leave blank for a token that does not expire."),
    )

    def expires_at(self) -> datetime.datetime | None:
        days = self.cleaned_data.get("valid_days")
        return timezone.now() + datetime.timedelta(days=days) if days else None
