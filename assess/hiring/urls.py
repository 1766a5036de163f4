"""Building assessments and inviting candidates (recruiters, admins), under /org/<slug>/."""

from django.urls import path

from assess.orgs.urls import ORG

from . import invitation_views, views

urlpatterns = [
    path(ORG + "assessments/", views.assessment_list, name="assessment_list"),
    path(ORG + "assessments/new/", views.assessment_new, name="assessment_new"),
    path(ORG + "assessments/<int:assessment_id>/", views.builder, name="builder"),
    path(ORG + "assessments/<int:assessment_id>/sections/", views.section_new, name="section_new"),
    path(
        ORG + "assessments/<int:assessment_id>/sections/<int:section_id>/<slug:action>/",
        views.section_change,
        name="section_change",
    ),
    path(
        ORG + "assessments/<int:assessment_id>/preview/",
        views.assessment_preview,
        name="assessment_preview",
    ),
    path(
        ORG + "assessments/<int:assessment_id>/duplicate/",
        views.assessment_copy,
        name="assessment_copy",
    ),
    path(
        ORG + "assessments/<int:assessment_id>/archive/",
        views.assessment_set_archived,
        name="assessment_archive",
    ),
    path(
        ORG + "assessments/<int:assessment_id>/invitations/",
        invitation_views.invitations,
        name="invitations",
    ),
    path(
        ORG + "invitations/<int:invitation_id>/<slug:action>/",
        invitation_views.invitation_change,
        name="invitation_change",
    ),
    path(ORG + "candidates/", invitation_views.candidates, name="candidates"),
    path(ORG + "bank/<int:question_id>/", views.question_preview, name="question_preview"),
]
