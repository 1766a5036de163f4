"""The REST API's views: parse with an input serializer, scope by the token's
organization, call one domain function, answer with an output serializer."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response

from assess.hiring import selectors as hiring_selectors
from assess.hiring.invitations import invitation_invite, invitation_link
from assess.privacy.models import AuditSource
from assess.privacy.services import candidate_erase
from assess.publicurl import public_base_url
from assess.review.selectors import AttemptFilters, attempts_list
from quizzes.models import Topic

from ..hiring.models import DrawSource
from ..models import Attempt
from . import serializers as s
from .auth import CanReadBank
from .base import ApiView
from .models import WebhookDelivery, WebhookEndpoint
from .services import (
    SectionSpec,
    assessment_create_from_queries,
    assessments_of,
    invitations_of,
)
from .webhook_addresses import webhook_endpoint_register


def _validated(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


# --- Assessments and invitations ------------------------------------------------------------


class AssessmentListView(ApiView):
    filter_serializer_class = None

    def get_throttles(self):
        self.throttle_scope = "api_write" if self.request.method == "POST" else "api_read"
        return super().get_throttles()

    @extend_schema(
        responses=s.AssessmentOut(many=True), summary="List the organization's assessments"
    )
    def get(self, request):
        self.query_filters()
        return self.list_response(assessments_of(self.organization), s.AssessmentOut)

    @extend_schema(
        request=s.AssessmentInput,
        responses={201: s.AssessmentOut},
        summary="Create an assessment from bank queries",
        description="Each section names questions to ask (bank ids, `library:<id>` for your "
        "library's) and/or a random draw (count, kind, level, topic, source) made per "
        "candidate when the attempt starts.",
    )
    def post(self, request):
        data = _validated(s.AssessmentInput, request)
        sections = [
            SectionSpec(
                title=spec["title"],
                questions=spec["questions"],
                draw_count=spec.get("draw", {}).get("count", 0),
                draw_kind=spec.get("draw", {}).get("kind", ""),
                draw_level=spec.get("draw", {}).get("level", ""),
                draw_topic=spec.get("draw", {}).get("topic", ""),
                points=spec["points"],
                draw_points=spec.get("draw", {}).get("points"),
                draw_source=spec.get("draw", {}).get("source", DrawSource.BANK),
            )
            for spec in data.pop("sections")
        ]
        assessment = assessment_create_from_queries(
            self.organization, sections=sections, created_by=request.auth.created_by, **data
        )
        return Response(
            s.AssessmentOut(assessments_of(self.organization).get(pk=assessment.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class AssessmentDetailView(ApiView):
    @extend_schema(responses=s.AssessmentOut, summary="Read an assessment")
    def get(self, request, assessment_id: int):
        self.query_filters()
        assessment = get_object_or_404(assessments_of(self.organization), pk=assessment_id)
        return Response(s.AssessmentOut(assessment).data)


class AssessmentInvitationsView(ApiView):
    throttle_scope = "api_write"

    @extend_schema(
        request=s.InvitationInput,
        responses={201: s.InvitationCreatedOut},
        summary="Invite a candidate",
        description="Emails the candidate their link and returns it as `url` (shown once: "
        "only its hash is stored).",
    )
    def post(self, request, assessment_id: int):
        assessment = get_object_or_404(assessments_of(self.organization), pk=assessment_id)
        data = _validated(s.InvitationInput, request)
        invitation, token = invitation_invite(
            assessment,
            name=data["candidate_name"],
            email=data["candidate_email"],
            user=request.auth.created_by,
            base_url=public_base_url(request),
            days=data.get("expires_in_days"),
            send_email=data["send_email"],
        )
        url = invitation_link(public_base_url(request), token)
        return Response(
            s.InvitationCreatedOut(invitation, context={"url": url}).data,
            status=status.HTTP_201_CREATED,
        )


class InvitationListView(ApiView):
    filter_serializer_class = s.InvitationFilter

    @extend_schema(
        parameters=[s.InvitationFilter],
        responses=s.InvitationOut(many=True),
        summary="List invitations",
    )
    def get(self, request):
        filters = self.query_filters()
        return self.list_response(
            invitations_of(self.organization, assessment_id=filters.get("assessment")),
            s.InvitationOut,
        )


class InvitationDetailView(ApiView):
    def get_throttles(self):
        self.throttle_scope = "api_read" if self.request.method == "GET" else "api_write"
        return super().get_throttles()

    @extend_schema(responses=s.InvitationOut, summary="Read an invitation")
    def get(self, request, invitation_id: int):
        self.query_filters()
        invitation = get_object_or_404(invitations_of(self.organization), pk=invitation_id)
        return Response(s.InvitationOut(invitation).data)

    @extend_schema(
        responses={
            204: None,
            409: OpenApiResponse(description="The candidate's data is under a legal hold."),
        },
        summary="Erase the candidate and all their data",
        description="The invitation, attempt, answers, code, reports and signals are erased "
        "(docs/privacy.md); `candidate.erased` is sent to the webhooks. 409 while the "
        "organization holds the candidate's data under a legal hold.",
    )
    def delete(self, request, invitation_id: int):
        invitation = get_object_or_404(invitations_of(self.organization), pk=invitation_id)
        candidate_erase(invitation, source=AuditSource.API)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Attempts and results -------------------------------------------------------------------


class AttemptListView(ApiView):
    filter_serializer_class = s.AttemptFilter

    @extend_schema(
        parameters=[s.AttemptFilter],
        responses=s.AttemptOut(many=True),
        summary="List attempts",
        description="Newest first. Poll with `status=graded&graded_since=...`, "
        "or register a webhook.",
    )
    def get(self, request):
        f = self.query_filters()
        qs = attempts_list(
            self.organization,
            AttemptFilters(
                # The API says `grading` for what the dashboard calls `waiting`.
                status={"grading": "waiting"}.get(f.get("status", ""), f.get("status", "")),
                assessment=f.get("assessment"),
                started_after=f.get("since"),
                graded_after=f.get("graded_since"),
            ),
        )
        return self.list_response(qs, s.AttemptOut)


class AttemptDetailView(ApiView):
    @extend_schema(
        responses=s.AttemptDetailOut,
        summary="Read an attempt and its results",
        description="Scores per section, topic and level; pass/fail and the level estimate "
        "once every answer is scored (docs/scoring.md).",
    )
    def get(self, request, attempt_id: int):
        self.query_filters()
        attempt: Attempt = get_object_or_404(
            attempts_list(self.organization, AttemptFilters()), pk=attempt_id
        )
        return Response(s.AttemptDetailOut(attempt).data)


# --- The question bank (staff tokens only) --------------------------------------------------


class BankTopicListView(ApiView):
    permission_classes = [CanReadBank]

    @extend_schema(responses=s.TopicOut(many=True), summary="List the bank's topics (bank scope)")
    def get(self, request):
        self.query_filters()
        return self.list_response(Topic.objects.bank().order_by("position", "slug"), s.TopicOut)


class BankQuestionListView(ApiView):
    permission_classes = [CanReadBank]
    filter_serializer_class = s.BankFilter

    @extend_schema(
        parameters=[s.BankFilter],
        responses=s.BankQuestionOut(many=True),
        summary="List the bank's questions, answer keys included (bank scope)",
    )
    def get(self, request):
        f = self.query_filters()
        qs = hiring_selectors.bank_browse(
            kind=f.get("kind", ""),
            level=f.get("level", ""),
            topic=f.get("topic", ""),
            search=f.get("search", ""),
        )
        return self.list_response(qs, s.BankQuestionOut, {"organization": self.organization})


class BankQuestionDetailView(ApiView):
    permission_classes = [CanReadBank]

    @extend_schema(responses=s.BankQuestionOut, summary="Read one bank question (bank scope)")
    def get(self, request, key: str):
        self.query_filters()
        question = get_object_or_404(hiring_selectors.bank_browse(), key=key)
        context = {"organization": self.organization}
        return Response(s.BankQuestionOut(question, context=context).data)


# --- Webhooks -------------------------------------------------------------------------------


class WebhookEndpointListView(ApiView):
    def get_throttles(self):
        self.throttle_scope = "api_write" if self.request.method == "POST" else "api_read"
        return super().get_throttles()

    @extend_schema(responses=s.WebhookEndpointOut(many=True), summary="List webhook endpoints")
    def get(self, request):
        self.query_filters()
        return self.list_response(
            WebhookEndpoint.objects.filter(organization=self.organization).order_by(
                "-created_at", "-id"
            ),
            s.WebhookEndpointOut,
        )

    @extend_schema(
        request=s.WebhookEndpointInput,
        responses={201: s.WebhookEndpointCreatedOut},
        summary="Register a webhook endpoint",
        description="Returns the signing secret once. Events: `attempt.graded`.",
    )
    def post(self, request):
        data = _validated(s.WebhookEndpointInput, request)
        endpoint = webhook_endpoint_register(
            self.organization, data["url"], description=data["description"]
        )
        return Response(s.WebhookEndpointCreatedOut(endpoint).data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailView(ApiView):
    def get_throttles(self):
        self.throttle_scope = "api_read" if self.request.method == "GET" else "api_write"
        return super().get_throttles()

    def _endpoint(self, endpoint_id: int) -> WebhookEndpoint:
        return get_object_or_404(
            WebhookEndpoint.objects.filter(organization=self.organization), pk=endpoint_id
        )

    @extend_schema(responses=s.WebhookEndpointOut, summary="Read a webhook endpoint")
    def get(self, request, endpoint_id: int):
        self.query_filters()
        return Response(s.WebhookEndpointOut(self._endpoint(endpoint_id)).data)

    @extend_schema(
        request=s.WebhookEndpointUpdate,
        responses=s.WebhookEndpointOut,
        summary="Pause, resume or describe a webhook endpoint",
    )
    def patch(self, request, endpoint_id: int):
        endpoint = self._endpoint(endpoint_id)
        data = _validated(s.WebhookEndpointUpdate, request)
        for name, value in data.items():
            setattr(endpoint, name, value)
        if data:
            endpoint.save(update_fields=list(data))
        return Response(s.WebhookEndpointOut(endpoint).data)

    @extend_schema(responses={204: None}, summary="Delete a webhook endpoint and its delivery log")
    def delete(self, request, endpoint_id: int):
        self._endpoint(endpoint_id).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryListView(ApiView):
    filter_serializer_class = s.DeliveryFilter

    @extend_schema(
        parameters=[s.DeliveryFilter],
        responses=s.WebhookDeliveryOut(many=True),
        summary="The delivery log, newest first",
    )
    def get(self, request):
        f = self.query_filters()
        qs = WebhookDelivery.objects.filter(endpoint__organization=self.organization)
        if "status" in f:
            qs = qs.filter(status=f["status"])
        if "endpoint" in f:
            qs = qs.filter(endpoint_id=f["endpoint"])
        return self.list_response(qs.order_by("-created_at", "-id"), s.WebhookDeliveryOut)


class NotFoundView(ApiView):
    """Any other path under /api/: the error body, not Django's HTML page."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound("There is no such API endpoint; see /api/docs/.")
