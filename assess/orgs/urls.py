"""The hiring team's landing pages (in the `org` namespace, see assess/org_urls.py)."""

from django.urls import path

from . import views

ORG = "org/<slug:org_slug>/"

urlpatterns = [
    path("org/", views.home, name="home"),
    path(ORG, views.org_home, name="org_home"),
    path(ORG + "settings/", views.org_settings, name="org_settings"),
]
