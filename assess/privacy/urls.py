"""The privacy pages: the admin's under /org/<slug>/privacy/ (in the `org` namespace, see
assess/org_urls.py) and the candidate's under their link (in the `assess` namespace).
Candidate ids are taken as text and checked by the view, so a hostile id is a clear 404."""

from django.urls import path

from . import views

ORG = "org/<slug:org_slug>/"
CANDIDATE = ORG + "privacy/candidates/<str:invitation_id>/"

urlpatterns = [
    path(ORG + "privacy/", views.privacy_overview, name="privacy"),
    path(ORG + "privacy/settings/", views.privacy_settings_save, name="privacy_settings"),
    path(CANDIDATE, views.candidate_data, name="privacy_candidate"),
    path(CANDIDATE + "hold/", views.candidate_hold_place, name="privacy_hold"),
    path(CANDIDATE + "hold/lift/", views.candidate_hold_lift, name="privacy_hold_lift"),
    path(CANDIDATE + "erase/", views.candidate_data_erase, name="privacy_erase"),
    path(
        CANDIDATE + "export/", views.candidate_data_export, {"fmt": "html"}, name="privacy_export"
    ),
    path(
        CANDIDATE + "export.json",
        views.candidate_data_export,
        {"fmt": "json"},
        name="privacy_export_json",
    ),
]

candidate_urlpatterns = [
    path("t/<str:token>/privacy/", views.my_data, name="my_data"),
    path(
        "t/<str:token>/privacy/export/",
        views.my_data_export,
        {"fmt": "html"},
        name="my_data_export",
    ),
    path(
        "t/<str:token>/privacy/export.json",
        views.my_data_export,
        {"fmt": "json"},
        name="my_data_export_json",
    ),
    path("t/<str:token>/privacy/erase/", views.my_data_erase, name="my_data_erase"),
]
