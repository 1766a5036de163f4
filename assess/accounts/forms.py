"""The hiring team's sign-in form: allauth's, with the field names the page has always
posted (`username`, `password`), so bookmarks, password managers and scripts keep working."""

from __future__ import annotations

from allauth.account.forms import LoginForm
from django import forms


class TeamSigninForm(LoginForm):
    # Unbounded on purpose, as before: django-axes counts whatever was typed (cut to its
    # column by assess.signin_throttling.signin_username).
    username = forms.CharField(label="Username", strip=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["login"]
        self.order_fields(["username", "password"])
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})

    def clean(self):
        # allauth reads the login from `login`.
        if "username" in self.cleaned_data:
            self.cleaned_data["login"] = self.cleaned_data["username"]
        return super().clean()


class SecurityPolicyForm(forms.Form):
    require_second_factor = forms.BooleanField(
        required=False, label="Require a second factor (authenticator app or passkey)"
    )
    idle_timeout_minutes = forms.IntegerField(
        required=False,
        min_value=5,
        max_value=7 * 24 * 60,
        label="End a session unused for (minutes; empty: never)",
    )
    absolute_timeout_hours = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=90 * 24,
        label="End a session this long after signing in (hours; empty: never)",
    )
