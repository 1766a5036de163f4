"""The hiring team's sign-in and sign-out (in the `org` namespace, see assess/org_urls.py):
allauth's views at the addresses the team has always used. allauth's own pages (second
factors, passkeys) are under /accounts/ (assess/urls.py)."""

from allauth.account import views as allauth_views
from django.urls import path

from . import views
from .forms import TeamSigninForm

ORG = "org/<slug:org_slug>/"
MEMBER = ORG + "security/members/<str:user_id>/"

urlpatterns = [
    path(
        "org/login/",
        allauth_views.LoginView.as_view(
            form_class=TeamSigninForm, template_name="assess/recruiter/login.html"
        ),
        name="login",
    ),
    path("org/logout/", allauth_views.LogoutView.as_view(), name="logout"),
    path("org/me/sessions/", views.my_sessions, name="my_sessions"),
    path("org/me/sessions/<str:session_id>/end/", views.my_session_end, name="my_session_end"),
    path(ORG + "security/", views.security, name="security"),
    path(ORG + "security/policy/", views.security_policy_save, name="security_policy"),
    path(MEMBER + "reset-mfa/", views.member_factors_reset_view, name="member_factors_reset"),
    path(MEMBER + "end-sessions/", views.member_sessions_end, name="member_sessions_end"),
]
