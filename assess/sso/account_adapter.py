"""The team's account adapter with SSO-only organizations: a member of one signs in
through its identity provider, never with a local credential; its admins keep their
password as the break-glass path, and every such sign-in is audited."""

from __future__ import annotations

from allauth.account.internal.stagekit import clear_login
from django.shortcuts import render

from assess.accounts.adapter import TeamAccountAdapter

from . import services


class SsoAwareAccountAdapter(TeamAccountAdapter):
    def pre_login(self, request, user, **kwargs):
        response = super().pre_login(request, user, **kwargs)
        if response is not None:
            return response
        if (kwargs.get("signal_kwargs") or {}).get("sociallogin") is not None:
            return None  # through an identity provider: its own checks ran
        refusal = services.local_signin_refusal(request, user)
        if refusal is None:
            return None
        clear_login(request)
        return render(request, "assess/sso/refused.html", {"message": refusal}, status=403)
