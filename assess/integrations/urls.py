"""The admin's page (in the `org` namespace, under /org/<slug>/) and the endpoints the
ATSes call (namespace `integrations`, under /integrations/)."""

from django.urls import path

from assess.orgs.urls import ORG

from . import ashby_views, greenhouse_views, lever_views, views

PAGE = ORG + "settings/integrations/"

urlpatterns = [
    path(PAGE, views.integrations_page, name="integrations"),
    # Before `<slug:ats>/connect/`: Lever is connected by OAuth, not with a key of ours.
    path(PAGE + "lever/connect/", lever_views.lever_connect, name="integrations_lever_connect"),
    path(PAGE + "lever/settings/", lever_views.lever_settings, name="integrations_lever_settings"),
    path(PAGE + "<slug:ats>/connect/", views.integrations_connect, name="integrations_connect"),
    path(PAGE + "<slug:ats>/check/", views.integrations_check, name="integrations_check"),
    path(
        PAGE + "<slug:ats>/disconnect/",
        views.integrations_disconnect,
        name="integrations_disconnect",
    ),
    path(
        PAGE + "<slug:ats>/api-key/",
        views.integrations_outgoing_key,
        name="integrations_outgoing_key",
    ),
    path(
        PAGE + "pushes/<int:push_id>/retry/",
        views.integrations_push_retry,
        name="integrations_push_retry",
    ),
]

app_name = "integrations"
ats_urlpatterns = [
    path("greenhouse/list_tests", greenhouse_views.list_tests, name="greenhouse_list_tests"),
    path("greenhouse/send_test", greenhouse_views.send_test, name="greenhouse_send_test"),
    path(
        "greenhouse/test_status", greenhouse_views.test_status_view, name="greenhouse_test_status"
    ),
    path(
        "greenhouse/response_error",
        greenhouse_views.response_error,
        name="greenhouse_response_error",
    ),
    path("ashby/assessment.list", ashby_views.assessment_list, name="ashby_assessment_list"),
    path(
        "ashby/assessment.start", ashby_views.assessment_start_view, name="ashby_assessment_start"
    ),
    path("ashby/assessment.cancel", ashby_views.assessment_cancel, name="ashby_assessment_cancel"),
    # One address for every organization: Lever registers one redirect URI per app.
    path("lever/oauth/callback", lever_views.lever_oauth_callback, name="lever_oauth_callback"),
    path("lever/<str:webhook_id>/webhook", lever_views.lever_webhook, name="lever_webhook"),
]
