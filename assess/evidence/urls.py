"""The reviewer's integrity pages and the test's policy, under /org/<slug>/ (the `org`
namespace, joined in assess/org_urls.py)."""

from django.urls import path

from assess.orgs.urls import ORG

from . import views

urlpatterns = [
    path(
        ORG + "review/attempts/<int:attempt_id>/integrity/",
        views.attempt_integrity,
        name="attempt_integrity",
    ),
    path(
        ORG + "review/attempts/<int:attempt_id>/answers/<int:answer_id>/playback/",
        views.answer_playback,
        name="answer_playback",
    ),
    path(
        ORG + "review/attempts/<int:attempt_id>/answers/<int:answer_id>/similar/<int:other_id>/",
        views.answer_pair,
        name="answer_pair",
    ),
    path(
        ORG + "assessments/<int:assessment_id>/integrity-policy/",
        views.policy_edit,
        name="integrity_policy",
    ),
]
