"""The hiring team's pages, all under /org/<slug>/ (the organization comes from the URL and
every view checks the user's role in it), the sign-in page, and the candidate's
integrity-signal endpoint beside the other /t/<token>/ addresses."""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import recruiter_views as rv
from . import review_views as rev

app_name = "org"

ORG = "org/<slug:org_slug>/"

urlpatterns = [
    path(
        "org/login/",
        auth_views.LoginView.as_view(template_name="assess/recruiter/login.html"),
        name="login",
    ),
    path("org/logout/", auth_views.LogoutView.as_view(next_page="org:login"), name="logout"),
    path("org/", rv.home, name="home"),
    path(ORG, rv.org_home, name="org_home"),
    # Building (recruiters, admins)
    path(ORG + "assessments/", rv.assessment_list, name="assessment_list"),
    path(ORG + "assessments/new/", rv.assessment_new, name="assessment_new"),
    path(ORG + "assessments/<int:assessment_id>/", rv.builder, name="builder"),
    path(ORG + "assessments/<int:assessment_id>/sections/", rv.section_new, name="section_new"),
    path(
        ORG + "assessments/<int:assessment_id>/sections/<int:section_id>/<slug:action>/",
        rv.section_change,
        name="section_change",
    ),
    path(
        ORG + "assessments/<int:assessment_id>/duplicate/",
        rv.assessment_copy,
        name="assessment_copy",
    ),
    path(
        ORG + "assessments/<int:assessment_id>/archive/",
        rv.assessment_set_archived,
        name="assessment_archive",
    ),
    path(ORG + "assessments/<int:assessment_id>/invitations/", rv.invitations, name="invitations"),
    path(
        ORG + "invitations/<int:invitation_id>/<slug:action>/",
        rv.invitation_change,
        name="invitation_change",
    ),
    path(ORG + "bank/<int:question_id>/", rv.question_preview, name="question_preview"),
    # Reports (recruiters, reviewers, admins)
    path(ORG + "attempts/<int:attempt_id>/report/", rv.report, name="report"),
    # Reviewing (reviewers, admins)
    path(ORG + "review/", rev.dashboard, name="dashboard"),
    path(ORG + "review/export.csv", rev.export_csv, name="export_csv"),
    path(ORG + "review/health/", rev.health, name="health"),
    path(ORG + "review/attempts/<int:attempt_id>/", rev.attempt_review, name="attempt_review"),
    path(
        ORG + "review/attempts/<int:attempt_id>/answers/<int:answer_id>/score/",
        rev.answer_score,
        name="answer_score",
    ),
    path(
        ORG + "review/attempts/<int:attempt_id>/answers/<int:answer_id>/regrade/",
        rev.regrade,
        name="regrade",
    ),
    path(
        ORG + "review/assessments/<int:assessment_id>/",
        rev.assessment_stats,
        name="assessment_stats",
    ),
    path(ORG + "review/assessments/<int:assessment_id>/compare/", rev.compare, name="compare"),
    # The candidate's page reports integrity signals here (the link's token is the credential).
    path("t/<str:token>/signals/", rev.attempt_signals, name="attempt_signals"),
]
