"""The admin's page (in the `org` namespace, under /org/<slug>/) and the endpoints
Greenhouse calls (namespace `integrations`, under /integrations/)."""

from django.urls import path

from assess.orgs.urls import ORG

from . import greenhouse_views, views

urlpatterns = [
    path(ORG + "settings/integrations/", views.integrations_page, name="integrations"),
    path(
        ORG + "settings/integrations/connect/",
        views.integrations_connect,
        name="integrations_connect",
    ),
    path(ORG + "settings/integrations/check/", views.integrations_check, name="integrations_check"),
    path(
        ORG + "settings/integrations/pushes/<int:push_id>/retry/",
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
]
