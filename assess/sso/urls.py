"""SSO's pages in the `org` namespace (see assess/org_urls.py); allauth's own sign-in and
callback addresses are under /accounts/oidc/<provider id>/."""

from django.urls import path

from . import saml_views, views

urlpatterns = [
    path("org/sso/", views.sso_start, name="sso_start"),
    path("org/<slug:org_slug>/settings/sso/", views.sso_settings, name="sso_settings"),
    path(
        "org/<slug:org_slug>/settings/sso/saml/",
        saml_views.saml_settings,
        name="sso_saml_settings",
    ),
]
