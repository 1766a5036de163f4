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
