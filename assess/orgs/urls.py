"""Signing in and the hiring team's landing pages (in the `org` namespace, see assess/org_urls.py)."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

ORG = "org/<slug:org_slug>/"

urlpatterns = [
    path(
        "org/login/",
        auth_views.LoginView.as_view(template_name="assess/recruiter/login.html"),
        name="login",
    ),
    path("org/logout/", auth_views.LogoutView.as_view(next_page="org:login"), name="logout"),
    path("org/", views.home, name="home"),
    path(ORG, views.org_home, name="org_home"),
    path(ORG + "settings/", views.org_settings, name="org_settings"),
]
