"""The admin's form for the organization's identity provider (OpenID Connect)."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import URLValidator

from assess.scim.forms import group_roles_parse, mapping_text
from assess.strictinput import validate_single_line, validate_storable_text

_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_CLAIM = re.compile(r"^[A-Za-z0-9_:.-]{1,64}$")
MAX_DOMAINS = 20


class SsoSettingsForm(forms.Form):
    server_url = forms.CharField(
        label="Identity provider's issuer URL",
        max_length=500,
        validators=[validate_single_line, URLValidator(schemes=["https", "http"])],
        help_text="Its discovery document is read from <issuer>/.well-known/openid-configuration.",
    )
    client_id = forms.CharField(
        label="Client ID", max_length=191, validators=[validate_single_line]
    )
    client_secret = forms.CharField(
        label="Client secret",
        max_length=500,
        required=False,
        validators=[validate_single_line],
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored for the sign-in; never shown again. Leave empty to keep the current one.",
    )
    allowed_domains = forms.CharField(
        label="Allowed email domains",
        max_length=2000,
        validators=[validate_storable_text],
        help_text="Separated by spaces or commas, e.g. acme.com acme.co.uk.",
    )
    groups_claim = forms.CharField(
        label="Claim that lists the groups", initial="groups", max_length=64
    )
    group_roles = forms.CharField(
        label="Which groups give which role",
        required=False,
        max_length=20_000,
        validators=[validate_storable_text],
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="One line per group: the group's name, '=', then admin, reviewer or recruiter.",
    )
    sso_only = forms.BooleanField(
        label="Members sign in through the identity provider only (admins keep their password as "
        "the audited break-glass path)",
        required=False,
    )

    def __init__(self, *args, has_secret: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.has_secret = has_secret

    def clean_client_secret(self) -> str:
        secret = self.cleaned_data["client_secret"]
        if not secret and not self.has_secret:
            raise forms.ValidationError("Enter the client secret.")
        return secret

    def clean_allowed_domains(self) -> list[str]:
        domains = [
            d for d in re.split(r"[\s,]+", self.cleaned_data["allowed_domains"].casefold()) if d
        ]
        if not domains:
            raise forms.ValidationError("Enter at least one domain.")
        if len(domains) > MAX_DOMAINS:
            raise forms.ValidationError(f"At most {MAX_DOMAINS} domains.")
        bad = [d for d in domains if not _DOMAIN.match(d)]
        if bad:
            raise forms.ValidationError(f"Not a domain name: {bad[0][:60]}")
        return sorted(set(domains))

    def clean_groups_claim(self) -> str:
        claim = self.cleaned_data["groups_claim"]
        if not _CLAIM.match(claim):
            raise forms.ValidationError("Letters, digits and _ : . - only (at most 64).")
        return claim

    def clean_group_roles(self) -> dict[str, str]:
        return group_roles_parse(self.cleaned_data["group_roles"])


def sso_settings_initial(sso) -> dict:
    if sso is None:
        return {"groups_claim": "groups"}
    return {
        "server_url": sso.app.settings.get("server_url", ""),
        "client_id": sso.app.client_id,
        "allowed_domains": " ".join(sso.allowed_domains),
        "groups_claim": sso.groups_claim,
        "group_roles": mapping_text(sso.group_roles),
        "sso_only": sso.sso_only,
    }
