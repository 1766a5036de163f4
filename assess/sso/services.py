"""Who may come in through an organization's identity provider, with which role, and the
account they get (just in time on their first sign-in)."""

from __future__ import annotations

from allauth.socialaccount.models import SocialApp
from django.contrib.auth import get_user_model
from django.db import transaction

from assess.audit.trail import record_event
from assess.orgs.models import Membership, Role

from . import events
from .models import OrganizationSso

# A person in groups of several roles gets the first of these they hold.
ROLE_PRECEDENCE = (Role.ADMIN, Role.REVIEWER, Role.RECRUITER)


class SsoRefused(Exception):
    """A sign-in the organization's rules refuse, with the message the person reads."""

    def __init__(self, message: str, reason: str):
        super().__init__(message)
        self.message, self.reason = message, reason


SCOPES = ["openid", "email", "profile"]


@transaction.atomic
def sso_configure(org, data: dict, *, actor=None, request=None) -> OrganizationSso:
    """The organization's identity provider as its admin set it (an allauth SocialApp of
    the OpenID Connect provider, `org-<slug>`); an empty secret keeps the current one."""
    sso = OrganizationSso.objects.select_related("app").filter(organization=org).first()
    app = sso.app if sso else SocialApp(provider="openid_connect", provider_id=f"org-{org.slug}")
    app.provider, app.name = "openid_connect", org.name[:40]  # it may have been SAML
    app.client_id = data["client_id"]
    if data["client_secret"]:
        app.secret = data["client_secret"]
    scopes = SCOPES + ([data["groups_claim"]] if data["groups_claim"] == "groups" else [])
    app.settings = {"server_url": data["server_url"], "scope": scopes}
    app.save()
    sso = sso or OrganizationSso(organization=org, app=app)
    sso.protocol = OrganizationSso.Protocol.OIDC
    return sso_rules_save(
        sso,
        data,
        actor=actor,
        request=request,
        details={
            "issuer": data["server_url"],
            "client_credential_changed": bool(data["client_secret"]),
        },
    )


def sso_rules_save(sso: OrganizationSso, data: dict, *, actor, request, details) -> OrganizationSso:
    """What both protocols share, saved and audited as one settings change: the allowed
    email domains, the groups claim and its role lines, SSO-only. `details` adds the
    protocol's own facts to the audit row (never a secret)."""
    sso.allowed_domains = data["allowed_domains"]
    sso.groups_claim = data["groups_claim"]
    sso.group_roles = data["group_roles"]
    sso.sso_only = data["sso_only"]
    sso.save()
    record_event(
        events.SETTINGS_CHANGED,
        request,
        actor=actor,
        organization=sso.organization,
        target=sso,
        details={**details, "domains": sso.allowed_domains, "sso_only": sso.sso_only},
    )
    return sso


def sso_of_app(app) -> OrganizationSso | None:
    if app is None or app.pk is None:
        return None
    return OrganizationSso.objects.select_related("organization").filter(app=app).first()


def role_from_claims(sso: OrganizationSso, claims: dict) -> str | None:
    groups = claims.get(sso.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list):
        return None
    roles = {
        sso.group_roles.get(str(group).strip().casefold())
        for group in groups[:500]
        if isinstance(group, str)
    }
    return next((role for role in ROLE_PRECEDENCE if role in roles), None)


def admission(sso: OrganizationSso, email: str, claims: dict) -> str:
    """The role the person gets, or SsoRefused: an email outside the allowed domains, or
    no group that gives a role."""
    domain = email.rpartition("@")[2].casefold() if "@" in email else ""
    if not domain or domain not in sso.allowed_domains:
        raise SsoRefused(
            f"{sso.organization.name} accepts sign-ins only from "
            f"{', '.join(sso.allowed_domains) or 'no domain yet'}; this account's email is not one.",
            "email_domain",
        )
    role = role_from_claims(sso, claims)
    if role is None:
        raise SsoRefused(
            f"Your identity provider lists no group that gives a role at {sso.organization.name}. "
            "Ask your administrator to add you to one.",
            "no_role",
        )
    return role


def account_for(sso: OrganizationSso, email: str):
    """The existing account this sign-in belongs to (None: a new one will be made), or
    SsoRefused when the name belongs to someone this organization may not take over."""
    existing = get_user_model().objects.filter(username__iexact=email).first()
    if existing is None:
        return None
    others = existing.memberships.exclude(organization=sso.organization).exists()
    if existing.is_staff or existing.is_superuser or others:
        raise SsoRefused(
            "An account with this email already exists outside this organization; "
            "ask your administrator.",
            "account_elsewhere",
        )
    return existing


@transaction.atomic
def membership_set(sso: OrganizationSso, user, role: str, request=None) -> None:
    membership, created = Membership.objects.get_or_create(
        user=user, organization=sso.organization, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])


def refused(sso: OrganizationSso | None, request, error: SsoRefused, email: str) -> None:
    record_event(
        events.SIGNIN_REFUSED,
        request,
        organization=sso.organization if sso else None,
        details={"reason": error.reason, "email": email[:200]},
    )


def local_signin_refusal(request, user) -> str | None:
    """Why `user` may not sign in with a local credential (a member of an SSO-only
    organization who is not its admin), or None. An admin's local sign-in into such an
    organization is the break-glass path: allowed, and audited."""
    memberships = Membership.objects.filter(user=user, organization__sso__sso_only=True)
    refused_in = [m.organization for m in memberships if m.role != Role.ADMIN]
    for membership in memberships:
        event = (
            events.PASSWORD_REFUSED if membership.role != Role.ADMIN else events.BREAK_GLASS_SIGNIN
        )
        if refused_in and membership.role == Role.ADMIN:
            continue  # refused anyway: no break-glass sign-in happened
        record_event(event, request, actor=user, organization=membership.organization)
    if not refused_in:
        return None
    names = ", ".join(sorted(org.name for org in refused_in))
    return (
        f"{names} signs in through its identity provider only: use its sign-in button, "
        "not a password."
    )


def succeeded(sso: OrganizationSso, request, email: str, role: str, *, new: bool) -> None:
    record_event(
        events.SIGNIN_SUCCEEDED,
        request,
        organization=sso.organization,
        details={"email": email[:200], "role": role, "new_account": new},
    )
