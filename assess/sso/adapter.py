"""allauth's social-account hooks for the organizations' identity providers: every sign-in
is checked against its organization's rules before allauth signs the person in, and a
first sign-in makes the account (just in time)."""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.shortcuts import render

from . import services


def _claims(sociallogin) -> dict:
    data = sociallogin.account.extra_data or {}
    if sociallogin.account.get_provider().id == "saml":
        return data  # the assertion's attributes, each a list of values
    return data.get("userinfo") or data.get("id_token") or {}


class OrganizationSsoAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin) -> None:
        sso = services.sso_of_app(sociallogin.provider.app)
        claims = _claims(sociallogin)
        email = claims.get("email")  # a SAML attribute is a list: allauth mapped it to user
        email = str((email if isinstance(email, str) else "") or sociallogin.user.email or "")
        email = email.strip()
        try:
            if sso is None:
                raise services.SsoRefused("This sign-in is not set up.", "not_configured")
            role = services.admission(sso, email, claims)
            existing = None if sociallogin.is_existing else services.account_for(sso, email)
        except services.SsoRefused as error:
            services.refused(sso, request, error, email)
            page = render(
                request, "assess/sso/refused.html", {"message": error.message}, status=403
            )
            raise ImmediateHttpResponse(page) from None
        if existing is not None:
            sociallogin.connect(request, existing)
        if sociallogin.is_existing:
            services.membership_set(sso, sociallogin.user, role, request)
            services.succeeded(sso, request, email, role, new=False)
        else:
            # Made in save_user, just after this hook.
            request._sso_pending = (sso, email, role)

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ) -> None:
        """An identity provider's answer that failed allauth's checks (a replayed or forged
        callback, an id token for another audience, expired or from another issuer): the
        person reads why, and the organization's trail records it."""
        sso = services.sso_of_app(getattr(provider, "app", None)) if provider else None
        reason = str(error or "unknown")[:40]
        if exception is not None:
            reason = f"{reason}: {type(exception).__name__}"
        saml_reason = (extra_context or {}).get("saml_last_error_reason")
        if saml_reason:  # python3-saml's why: signature, audience, times, destination
            reason = f"saml: {saml_reason}"[:200]
        refusal = services.SsoRefused(
            "Your identity provider's answer could not be trusted (it was used before, has "
            "expired, or was not meant for this site). Start the sign-in again.",
            reason,
        )
        services.refused(sso, request, refusal, "")
        page = render(request, "assess/sso/refused.html", {"message": refusal.message}, status=400)
        raise ImmediateHttpResponse(page)

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return True

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        return True

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.username = (data.get("email") or user.email or "").strip().casefold()[:150]
        return user

    def save_user(self, request, sociallogin, form=None):
        user = super().save_user(request, sociallogin, form)
        user.set_unusable_password()
        user.save(update_fields=["password"])
        sso, email, role = request._sso_pending
        services.membership_set(sso, user, role, request)
        services.succeeded(sso, request, email, role, new=True)
        return user
