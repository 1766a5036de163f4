"""The admin's SCIM settings, in the `org` namespace (see assess/org_urls.py)."""

from django.urls import path

from . import settings_views

ORG = "org/<slug:org_slug>/"

urlpatterns = [
    path(ORG + "settings/scim/token/", settings_views.token_rotate, name="scim_token_rotate"),
    path(ORG + "settings/scim/groups/", settings_views.group_roles, name="scim_group_roles"),
]
