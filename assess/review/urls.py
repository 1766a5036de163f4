"""Reports (recruiters, reviewers, admins) and the review dashboard (reviewers, admins),
under /org/<slug>/."""

from django.urls import path

from assess.orgs.urls import ORG

from . import views

urlpatterns = [
    path(ORG + "attempts/<int:attempt_id>/report/", views.report, name="report"),
    path(ORG + "attempts/<int:attempt_id>/share/", views.report_share, name="report_share"),
    path(ORG + "attempts/compare/", views.attempts_side_by_side, name="attempts_compare"),
    path(ORG + "review/", views.dashboard, name="dashboard"),
    path(ORG + "review/queue/", views.review_queue, name="review_queue"),
    path(ORG + "review/export.csv", views.export_csv, name="export_csv"),
    path(ORG + "review/health/", views.health, name="health"),
    path(ORG + "review/attempts/<int:attempt_id>/", views.attempt_review, name="attempt_review"),
    path(
        ORG + "review/attempts/<int:attempt_id>/answers/<int:answer_id>/score/",
        views.answer_score,
        name="answer_score",
    ),
    path(
        ORG + "review/attempts/<int:attempt_id>/answers/<int:answer_id>/regrade/",
        views.regrade,
        name="regrade",
    ),
    path(
        ORG + "review/assessments/<int:assessment_id>/",
        views.assessment_stats,
        name="assessment_stats",
    ),
    path(ORG + "review/assessments/<int:assessment_id>/compare/", views.compare, name="compare"),
]

# In the `assess` namespace (joined with the candidate's pages in assess/urls.py): the older /org/attempts/<id>/ address.
legacy_report_urlpatterns = [
    path("org/attempts/<int:attempt_id>/", views.attempt_report, name="attempt_report"),
]

# At the root, outside every namespace: the report through a share link (no account).
shared_report_urlpatterns = [
    path("shared/<str:token>/", views.report_shared, name="report_shared"),
]
