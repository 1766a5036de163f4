from django.urls import path, re_path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerSplitView,
)

from . import library_views, views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v1/assessments/", views.AssessmentListView.as_view(), name="assessments"),
    path(
        "v1/assessments/<int:assessment_id>/",
        views.AssessmentDetailView.as_view(),
        name="assessment",
    ),
    path(
        "v1/assessments/<int:assessment_id>/invitations/",
        views.AssessmentInvitationsView.as_view(),
        name="assessment-invitations",
    ),
    path("v1/invitations/", views.InvitationListView.as_view(), name="invitations"),
    path(
        "v1/invitations/<int:invitation_id>/",
        views.InvitationDetailView.as_view(),
        name="invitation",
    ),
    path("v1/attempts/", views.AttemptListView.as_view(), name="attempts"),
    path("v1/attempts/<int:attempt_id>/", views.AttemptDetailView.as_view(), name="attempt"),
    path("v1/bank/topics/", views.BankTopicListView.as_view(), name="bank-topics"),
    path("v1/bank/questions/", views.BankQuestionListView.as_view(), name="bank-questions"),
    path(
        "v1/bank/questions/<slug:key>/",
        views.BankQuestionDetailView.as_view(),
        name="bank-question",
    ),
    path(
        "v1/webhooks/endpoints/", views.WebhookEndpointListView.as_view(), name="webhook-endpoints"
    ),
    path(
        "v1/webhooks/endpoints/<int:endpoint_id>/",
        views.WebhookEndpointDetailView.as_view(),
        name="webhook-endpoint",
    ),
    path(
        "v1/webhooks/deliveries/",
        views.WebhookDeliveryListView.as_view(),
        name="webhook-deliveries",
    ),
    path(
        "v1/library/topics/",
        library_views.LibraryTopicListView.as_view(),
        name="library-topics",
    ),
    re_path(
        r"^v1/library/topics/(?P<slug>[a-z0-9-]{1,60})/$",
        library_views.LibraryTopicDetailView.as_view(),
        name="library-topic",
    ),
    path(
        "v1/library/questions/",
        library_views.LibraryQuestionListView.as_view(),
        name="library-questions",
    ),
    path(
        "v1/library/questions/<int:item_id>/",
        library_views.LibraryQuestionDetailView.as_view(),
        name="library-question",
    ),
    re_path(
        r"^v1/library/questions/(?P<item_id>[0-9]{1,9})/(?P<action>submit|publish|retire|restore)/$",
        library_views.LibraryQuestionActionView.as_view(),
        name="library-question-action",
    ),
    re_path(r"^", views.NotFoundView.as_view(), name="not-found"),
]
