"""An organization's single sign-on: its identity provider (an allauth SocialApp of the
OpenID Connect provider, one per organization, with the client id and secret), which
email domains it may sign in, which of its groups give which role, and whether its members
may still use a local password."""

from __future__ import annotations

from django.db import models


class OrganizationSso(models.Model):
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
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"SSO of {self.organization}"

    @property
    def provider_id(self) -> str:
        return self.app.provider_id
