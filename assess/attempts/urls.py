"""The candidate's pages under the invitation link /t/<token>/ (the `assess` namespace)."""

from django.urls import path

from . import views

app_name = "assess"

urlpatterns = [
    path("t/<str:token>/", views.attempt_landing, name="attempt_landing"),
    path("t/<str:token>/start/", views.attempt_begin, name="attempt_begin"),
    path("t/<str:token>/q/<int:number>/", views.attempt_question, name="attempt_question"),
    path("t/<str:token>/q/<int:number>/save/", views.answer_autosave, name="answer_autosave"),
    path("t/<str:token>/q/<int:number>/run/", views.sample_run, name="sample_run"),
    path("t/<str:token>/q/<int:number>/next/", views.adaptive_next, name="adaptive_next"),
    path(
        "t/<str:token>/runs/<int:submission_id>/", views.sample_run_status, name="sample_run_status"
    ),
    path("t/<str:token>/review/", views.attempt_review, name="attempt_review"),
    path("t/<str:token>/submit/", views.attempt_finish, name="attempt_finish"),
    path("t/<str:token>/done/", views.attempt_done, name="attempt_done"),
    path("t/<str:token>/feedback/", views.attempt_feedback, name="attempt_feedback"),
    path("t/<str:token>/done/status/", views.attempt_grading_status, name="attempt_grading_status"),
]

# In the `org` namespace (assess/org_urls.py): the candidate's page reports integrity
# signals here (the link's token is the credential).
signal_urlpatterns = [
    path("t/<str:token>/signals/", views.attempt_signals, name="attempt_signals"),
]
