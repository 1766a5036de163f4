"""The admin's form for the organization's SAML 2.0 identity provider: the same domain, group
and SSO-only fields as OpenID Connect's form, and the identity provider itself given by its
metadata (a file or a URL) or by its entity id, sign-in address and certificate."""

from __future__ import annotations

import re

from django import forms
from django.core.validators import URLValidator

from assess.scim.forms import mapping_text
from assess.strictinput import validate_single_line, validate_storable_text

from . import saml
from .forms import SsoSettingsForm

_PEM_LINES = re.compile(r"-----(BEGIN|END) CERTIFICATE-----|\s+")
_BASE64 = re.compile(r"^[A-Za-z0-9+/]+=*$")
# SAML attribute names are often URIs (Entra ID's groups claim is one).
_ATTRIBUTE = re.compile(r"^[A-Za-z0-9_:./#-]{1,64}$")


class SamlSettingsForm(SsoSettingsForm):
    metadata_file = forms.FileField(
        label="Identity provider's metadata (XML file)",
        required=False,
        help_text="Read once when you save. Or give its URL, or the three fields below.",
    )
    metadata_url = forms.CharField(
        label="Identity provider's metadata URL",
        required=False,
        max_length=500,
        validators=[validate_single_line, URLValidator(schemes=["https", "http"])],
    )
    entity_id = forms.CharField(
        label="Identity provider's entity ID",
        required=False,
        max_length=500,
        validators=[validate_single_line],
    )
    sso_url = forms.CharField(
        label="Identity provider's sign-in URL (HTTP-Redirect)",
        required=False,
        max_length=500,
        validators=[validate_single_line, URLValidator(schemes=["https", "http"])],
    )
    x509cert = forms.CharField(
        label="Identity provider's signing certificate (PEM)",
        required=False,
        max_length=20_000,
        validators=[validate_storable_text],
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    field_order = ["metadata_file", "metadata_url", "entity_id", "sso_url", "x509cert"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for oidc_only in ("server_url", "client_id", "client_secret"):
            del self.fields[oidc_only]
        self.fields["groups_claim"].label = "Attribute that lists the groups"

    def clean_groups_claim(self) -> str:
        claim = self.cleaned_data["groups_claim"]
        if not _ATTRIBUTE.match(claim):
            raise forms.ValidationError("Letters, digits and _ : . / # - only (at most 64).")
        return claim

    def clean_x509cert(self) -> str:
        body = _PEM_LINES.sub("", self.cleaned_data["x509cert"])
        if body and not _BASE64.match(body):
            raise forms.ValidationError("Not a PEM certificate.")
        return body

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        upload, url = data.get("metadata_file"), data.get("metadata_url")
        try:
            if upload is not None:
                if upload.size > saml.MAX_METADATA_BYTES:
                    raise saml.MetadataRefused(
                        f"The metadata is larger than {saml.MAX_METADATA_BYTES // 1024} KiB."
                    )
                data["idp"] = saml.metadata_parse(upload.read(), data["entity_id"])
            elif url:
                data["idp"] = saml.metadata_parse(saml.metadata_fetch(url), data["entity_id"])
            elif data["entity_id"] and data["sso_url"] and data["x509cert"]:
                data["idp"] = {
                    "entity_id": data["entity_id"],
                    "sso_url": data["sso_url"],
                    "x509cert": data["x509cert"],
                }
            else:
                raise saml.MetadataRefused(
                    "Give the identity provider's metadata (file or URL), or its entity ID, "
                    "sign-in URL and certificate."
                )
        except saml.MetadataRefused as error:
            raise forms.ValidationError(str(error)) from None
        return data


def saml_settings_initial(sso) -> dict:
    if sso is None or sso.protocol != sso.Protocol.SAML:
        return {"groups_claim": "groups"}
    return {
        "metadata_url": sso.saml_metadata_url,
        "entity_id": sso.saml_entity_id,
        "sso_url": sso.saml_sso_url,
        "allowed_domains": " ".join(sso.allowed_domains),
        "groups_claim": sso.groups_claim,
        "group_roles": mapping_text(sso.group_roles),
        "sso_only": sso.sso_only,
    }
