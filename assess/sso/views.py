"""The admin's SSO settings page, and the page where a team member starts a sign-in
through their organization's identity provider."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from assess.orgs.access import MANAGE, org_view
from assess.orgs.models import Organization

from . import saml, services
from .forms import SsoSettingsForm, sso_settings_initial
from .models import OrganizationSso


def _sign_in_url(sso: OrganizationSso) -> str:
    if sso.protocol == OrganizationSso.Protocol.SAML:
        return saml.sign_in_url(sso)
    return reverse("openid_connect_login", kwargs={"provider_id": sso.provider_id})


def _continue_page(request: HttpRequest, sso: OrganizationSso) -> HttpResponse:
    """A form that posts to allauth's sign-in, which redirects to the identity provider.
    The site's CSP allows forms to post to itself only, and browsers hold the redirect
    that follows a form to the same rule: this page alone also allows the provider."""
    issuer = urlsplit(sso.app.settings.get("server_url", "") or sso.saml_sso_url)
    response = render(
        request,
        "assess/sso/continue.html",
        {"sso": sso, "action": _sign_in_url(sso), "provider": issuer.netloc},
    )
    if issuer.scheme in ("https", "http") and issuer.netloc:
        response._csp_update = {"form-action": [f"{issuer.scheme}://{issuer.netloc}"]}
    return response


@require_http_methods(["GET", "POST"])
@org_view(MANAGE)
def sso_settings(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    sso = OrganizationSso.objects.select_related("app").filter(organization=org).first()
    if request.method == "POST":
        form = SsoSettingsForm(request.POST, has_secret=bool(sso and sso.app.secret))
        if form.is_valid():
            services.sso_configure(org, form.cleaned_data, actor=request.user, request=request)
            messages.success(request, "Saved: the identity provider's settings.")
            return redirect("org:sso_settings", org_slug=org.slug)
        status = 400
    else:
        form, status = SsoSettingsForm(initial=sso_settings_initial(sso)), 200
    provider_id = sso.provider_id if sso else f"org-{org.slug}"
    context = {
        "org": org,
        "form": form,
        "sso": sso,
        "callback": request.build_absolute_uri(
            reverse("openid_connect_callback", kwargs={"provider_id": provider_id})
        ),
        "sign_in": request.build_absolute_uri(
            reverse("openid_connect_login", kwargs={"provider_id": provider_id})
        ),
    }
    return render(request, "assess/sso/settings.html", context, status=status)


@require_http_methods(["GET", "POST"])
def sso_start(request: HttpRequest) -> HttpResponse:
    """A team member names their organization; its identity provider takes over."""
    error = ""
    if request.method == "POST":
        slug = str(request.POST.get("organization", "")).strip().casefold()[:80]
        sso = OrganizationSso.objects.select_related("app").filter(organization__slug=slug).first()
        if sso is not None:
            return _continue_page(request, sso)
        error = "This organization does not sign in through an identity provider."
    return render(request, "assess/sso/start.html", {"error": error}, status=400 if error else 200)
