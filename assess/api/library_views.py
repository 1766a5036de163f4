"""The organization's question library over the API: list, create and update its own
questions with the library's validation (the bank's validators), send them for review,
publish, retire and restore them, answered in the one error envelope. Writing needs a token
with the library scope; another organization's item is a 404, like an id never used."""

from __future__ import annotations

import re

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response

from assess.library import services
from assess.library.authoring import MAX_SOURCE_CHARS, check_source, parse_yaml
from assess.library.models import LibraryItem
from assess.library.selectors import library_items
from assess.library.topics import (
    own_topics,
    topic_create,
    topic_delete,
    topic_id_problem,
    topic_update,
    topics_in_use,
)
from assess.strictinput import validate_single_line, validate_storable_text
from quizzes.bankvalidate import plain
from quizzes.yamlio import dump_text

from .auth import CanWriteLibrary, HasApiToken
from .base import ApiView
from .errors import Conflict
from .serializers import StrictInput

_LINE = re.compile(r"^line \d+: ")


class LibraryQuestionInput(StrictInput):
    question = serializers.DictField(
        help_text="The question's fields as in a bank file (id, kind, topic, level, prompt, "
        "explanation and the kind's own fields); `pool` is left out: library questions are "
        "private."
    )


class LibraryQuestionOut(serializers.ModelSerializer):
    question = serializers.SerializerMethodField(help_text="The working copy, as written.")
    published_version = serializers.SerializerMethodField()
    retired = serializers.BooleanField()
    advice = serializers.SerializerMethodField(help_text="The bank's cue linter's findings.")

    class Meta:
        model = LibraryItem
        fields = [
            "id",
            "slug",
            "kind",
            "status",
            "retired",
            "published_version",
            "question",
            "advice",
        ]

    def get_question(self, item: LibraryItem) -> dict:
        raw, _ = parse_yaml(item.source, limit=MAX_SOURCE_CHARS)
        return plain(raw) if isinstance(raw, dict) else {}

    def get_published_version(self, item: LibraryItem) -> int | None:
        return item.question.latest_version.number if item.question_id else None

    def get_advice(self, item: LibraryItem) -> list[str]:
        return check_source(item.organization_id, item.source, slug=item.slug).advice


def _source(request) -> str:
    serializer = LibraryQuestionInput(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dump_text(serializer.validated_data["question"])


def _refusal(exc: services.LibraryError) -> exceptions.APIException:
    errors = [_LINE.sub("", error) for error in exc.errors]
    if isinstance(exc, services.Conflict):
        return Conflict(" ".join(errors))
    return exceptions.ValidationError({"question": errors})


class LibraryView(ApiView):
    permission_classes = [HasApiToken, CanWriteLibrary]

    def get_throttles(self):
        safe = self.request.method in ("GET", "HEAD", "OPTIONS")
        self.throttle_scope = "api_read" if safe else "api_write"
        return super().get_throttles()


class LibraryQuestionListView(LibraryView):
    @extend_schema(
        responses=LibraryQuestionOut(many=True), summary="List your organization's own questions"
    )
    def get(self, request):
        self.query_filters()
        return self.list_response(library_items(self.organization), LibraryQuestionOut)

    @extend_schema(
        request=LibraryQuestionInput,
        responses={201: LibraryQuestionOut},
        summary="Write a question into your organization's library (a draft)",
    )
    def post(self, request):
        source = _source(request)
        try:
            item = services.item_create(self.organization, None, source)
        except services.LibraryError as exc:
            raise _refusal(exc) from None
        return Response(LibraryQuestionOut(item).data, status=status.HTTP_201_CREATED)


class LibraryQuestionDetailView(LibraryView):
    @extend_schema(responses=LibraryQuestionOut, summary="Read one of your library's questions")
    def get(self, request, item_id: int):
        self.query_filters()
        item = get_object_or_404(library_items(self.organization), pk=item_id)
        return Response(LibraryQuestionOut(item).data)

    @extend_schema(
        request=LibraryQuestionInput,
        responses=LibraryQuestionOut,
        summary="Replace a library question's working copy (a draft until published)",
    )
    def put(self, request, item_id: int):
        item = get_object_or_404(library_items(self.organization), pk=item_id)
        source = _source(request)
        try:
            item = services.item_update(item, None, source)
        except services.LibraryError as exc:
            raise _refusal(exc) from None
        return Response(LibraryQuestionOut(library_items(self.organization).get(pk=item.pk)).data)


# The workflow's steps, each one service of the library (the same rules as its pages).
LIBRARY_ACTIONS = {
    "submit": services.item_submit,
    "publish": services.item_publish,
    "retire": services.item_retire,
    "restore": services.item_restore,
}


class LibraryQuestionActionView(LibraryView):
    @extend_schema(
        operation_id="library_questions_step",
        parameters=[
            OpenApiParameter("action", str, OpenApiParameter.PATH, enum=sorted(LIBRARY_ACTIONS)),
        ],
        request=None,
        responses=LibraryQuestionOut,
        summary="Send for review, publish, retire or restore one of your library's questions",
        description="`submit` sends the working copy for review; `publish` makes it what new "
        "attempts get (where your organization asks for a second person's review, a person "
        "approves it on the library page: a token cannot); `retire` stops new tests taking "
        "it; `restore` undoes that. A step that does not apply is a 409.",
    )
    def post(self, request, item_id: int, action: str):
        item = get_object_or_404(library_items(self.organization), pk=item_id)
        if request.data:
            raise exceptions.ValidationError({"non_field_errors": ["Send an empty body."]})
        try:
            LIBRARY_ACTIONS[action](item, None)
        except services.NotAllowed as exc:
            raise exceptions.PermissionDenied(" ".join(exc.errors)) from None
        except services.LibraryError as exc:
            raise _refusal(exc) from None
        return Response(LibraryQuestionOut(library_items(self.organization).get(pk=item.pk)).data)


# --- The organization's own topics -------------------------------------------------------


class LibraryTopicChange(StrictInput):
    title = serializers.CharField(max_length=200, validators=[validate_single_line])
    description = serializers.CharField(
        max_length=2000,
        required=False,
        default="",
        allow_blank=True,
        validators=[validate_storable_text],
    )


class LibraryTopicInput(LibraryTopicChange):
    slug = serializers.CharField(
        max_length=60, help_text="The id questions name as their `topic` (a-z, 0-9, '-')."
    )

    def validate_slug(self, value: str) -> str:
        problem = topic_id_problem(value)
        if problem:
            raise serializers.ValidationError(problem)
        return value


class LibraryTopicOut(serializers.Serializer):
    slug = serializers.CharField()
    title = serializers.CharField(source="topic.title")
    description = serializers.CharField(source="topic.description")
    questions = serializers.SerializerMethodField(
        help_text="How many of your questions name it (drafts included): one in use cannot "
        "be deleted."
    )

    def get_questions(self, own) -> int:
        return self.context["in_use"].get(own.slug, 0)


def _topic_out(own, organization) -> dict:
    return LibraryTopicOut(own, context={"in_use": topics_in_use(organization)}).data


def _topic_refusal(exc: services.LibraryError) -> exceptions.APIException:
    if isinstance(exc, services.Conflict):
        return Conflict(" ".join(exc.errors))
    return exceptions.ValidationError({"slug": exc.errors})


class LibraryTopicListView(LibraryView):
    @extend_schema(
        responses=LibraryTopicOut(many=True), summary="List your organization's own topics"
    )
    def get(self, request):
        self.query_filters()
        in_use = topics_in_use(self.organization)
        return self.list_response(
            own_topics(self.organization), LibraryTopicOut, {"in_use": in_use}
        )

    @extend_schema(
        request=LibraryTopicInput,
        responses={201: LibraryTopicOut},
        summary="Add a topic of your own (questions then name it by its id)",
    )
    def post(self, request):
        serializer = LibraryTopicInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            own = topic_create(self.organization, None, **serializer.validated_data)
        except services.LibraryError as exc:
            raise _topic_refusal(exc) from None
        return Response(_topic_out(own, self.organization), status=status.HTTP_201_CREATED)


class LibraryTopicDetailView(LibraryView):
    @extend_schema(responses=LibraryTopicOut, summary="Read one of your topics")
    def get(self, request, slug: str):
        self.query_filters()
        own = get_object_or_404(own_topics(self.organization), slug=slug)
        return Response(_topic_out(own, self.organization))

    @extend_schema(
        request=LibraryTopicChange,
        responses=LibraryTopicOut,
        summary="Rename one of your topics (its id stays: questions name it)",
    )
    def patch(self, request, slug: str):
        own = get_object_or_404(own_topics(self.organization), slug=slug)
        serializer = LibraryTopicChange(data=request.data)
        serializer.is_valid(raise_exception=True)
        own = topic_update(own, **serializer.validated_data)
        return Response(_topic_out(own, self.organization))

    @extend_schema(
        request=None,
        responses={204: None},
        summary="Delete one of your topics (refused, 409, while a question or a draw uses it)",
    )
    def delete(self, request, slug: str):
        own = get_object_or_404(own_topics(self.organization), slug=slug)
        try:
            topic_delete(own)
        except services.LibraryError as exc:
            raise _topic_refusal(exc) from None
        return Response(status=status.HTTP_204_NO_CONTENT)
