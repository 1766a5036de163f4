"""An organization's single sign-on: its identity provider (an allauth SocialApp of the
OpenID Connect or SAML provider, one per organization), which
email domains it may sign in, which of its groups give which role, and whether its members
may still use a local password."""

from __future__ import annotations

from django.db import models


class OrganizationSso(models.Model):
    class Protocol(models.TextChoices):
        OIDC = "oidc", "OpenID Connect"
        SAML = "saml", "SAML 2.0"

    organization = models.OneToOneField(
        "assess.Organization", on_delete=models.CASCADE, related_name="sso"
    )
    app = models.OneToOneField(
        "socialaccount.SocialApp", on_delete=models.CASCADE, related_name="organization_sso"
    )
    # Casefolded domains, e.g. ["acme.com"]; an email outside them is refused.
    allowed_domains = models.JSONField(default=list)
    # The claim that lists the person's groups, and {casefolded group: role}.
    groups_claim = models.CharField(max_length=64, default="groups")
    group_roles = models.JSONField(default=dict)
    # On: the members sign in through the identity provider only; an admin's local
    # password still works as the audited break-glass path.
    sso_only = models.BooleanField(default=False)
    # SAML 2.0 (assess/sso/saml.py): the identity provider as its admin gave it (metadata
    # by file or URL, read once when saved, or its entity id, sign-in address and signing
    # certificate); allauth's SAML provider reads the same values from the SocialApp.
    protocol = models.CharField(max_length=8, choices=Protocol.choices, default=Protocol.OIDC)
    saml_metadata_url = models.CharField(max_length=500, blank=True, default="")
    saml_entity_id = models.CharField(max_length=500, blank=True, default="")
    saml_sso_url = models.CharField(max_length=500, blank=True, default="")
    saml_x509cert = models.TextField(blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"SSO of {self.organization}"

    @property
    def provider_id(self) -> str:
        return self.app.provider_id
