"""The hiring team's sign-in and sign-out (in the `org` namespace, see assess/org_urls.py):
allauth's views at the addresses the team has always used. allauth's own pages (second
factors, passkeys) are under /accounts/ (assess/urls.py)."""

from allauth.account import views as allauth_views
from django.urls import path

from .forms import TeamSigninForm

urlpatterns = [
    path(
        "org/login/",
        allauth_views.LoginView.as_view(
            form_class=TeamSigninForm, template_name="assess/recruiter/login.html"
        ),
        name="login",
    ),
    path("org/logout/", allauth_views.LogoutView.as_view(), name="logout"),
]
