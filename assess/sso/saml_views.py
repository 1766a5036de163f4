"""The admin's SAML 2.0 settings page (the sign-in itself is allauth's, under
/accounts/saml/<organization slug>/)."""

from __future__ import annotations

import functools

from allauth.socialaccount.providers.saml.views import acs, finish_acs, login
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods
from lxml import etree
from onelogin.saml2.xmlparser import DTDForbidden, EntitiesForbidden, NotSupportedError

from assess.orgs.access import MANAGE, org_view
from assess.orgs.models import Organization

from . import saml, services
from .models import OrganizationSso
from .saml_forms import SamlSettingsForm, saml_settings_initial


@require_http_methods(["GET", "POST"])
@org_view(MANAGE)
def saml_settings(request: HttpRequest, org: Organization, role: str) -> HttpResponse:
    sso = OrganizationSso.objects.select_related("app").filter(organization=org).first()
    if request.method == "POST":
        form = SamlSettingsForm(request.POST, request.FILES, has_secret=True)
        if form.is_valid():
            saml.saml_configure(org, form.cleaned_data, actor=request.user, request=request)
            messages.success(request, "Saved: the SAML identity provider's settings.")
            return redirect("org:sso_saml_settings", org_slug=org.slug)
        status = 400
    else:
        form, status = SamlSettingsForm(initial=saml_settings_initial(sso)), 200
    context = {"org": org, "form": form, "sso": sso, **saml.sp_addresses(request, org)}
    return render(request, "assess/sso/saml_settings.html", context, status=status)


def _refused(request, organization_slug: str, message: str, reason: str, status: int):
    sso = (
        OrganizationSso.objects.select_related("organization")
        .filter(app__provider="saml", app__client_id=organization_slug)
        .first()
    )
    services.refused(sso, request, services.SsoRefused(message, reason), "")
    return render(request, "assess/sso/refused.html", {"message": message}, status=status)


def saml_finish_acs(request: HttpRequest, organization_slug: str) -> HttpResponse:
    """allauth's last step of a SAML sign-in, where python3-saml reads the response. Two
    refusals allauth leaves bare: a valid assertion whose request this browser did not
    make, or already used (a replay), fails its state check with a plain 403; a response
    that is no XML, has a DTD or is nested too deep raises lxml's or the parser's error
    (a 500). Here the person reads why and the organization's trail records it."""
    _host_known(request)
    try:
        return finish_acs(request, organization_slug=organization_slug)
    except PermissionDenied:
        message = (
            "This sign-in answer was already used or was not started in this browser. "
            "Start the sign-in again."
        )
        reason = "saml: replayed or unsolicited assertion"
        return _refused(request, organization_slug, message, reason, 403)
    except (etree.LxmlError, DTDForbidden, EntitiesForbidden, NotSupportedError) as error:
        message = (
            "Your identity provider's answer could not be trusted (it is not a readable SAML "
            "response). Start the sign-in again."
        )
        reason = f"saml: unreadable response: {type(error).__name__}"
        return _refused(request, organization_slug, message, reason, 400)


def _host_known(request: HttpRequest) -> None:
    """allauth's SAML views read the Host header itself (a request without one, as HTTP/1.0
    allows, was a 500); the host Django would use, checked against ALLOWED_HOSTS (else 400)."""
    request.META.setdefault("HTTP_HOST", request.get_host())


def _with_host(view):
    @functools.wraps(view)  # keeps allauth's csrf_exempt (the IdP's page posts the answer)
    def wrapped(request: HttpRequest, organization_slug: str) -> HttpResponse:
        _host_known(request)
        return view(request, organization_slug=organization_slug)

    return wrapped


# Matched before allauth's own SAML addresses (assess/urls.py), at the same paths.
allauth_saml_urlpatterns = [
    path("accounts/saml/<str:organization_slug>/login/", _with_host(login)),
    path("accounts/saml/<str:organization_slug>/acs/", _with_host(acs)),
    path("accounts/saml/<str:organization_slug>/acs/finish/", saml_finish_acs),
]
