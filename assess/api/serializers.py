"""Input serializers (shape and types only; strict: unknown keys and loose types are
refused) and output serializers (what the API and the webhooks send). No business rules:
those are in the domain functions the views call."""

from __future__ import annotations

from collections.abc import Mapping

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assess.evidence.models import Decision
from assess.evidence.selectors import decision_of
from assess.hiring import selectors as hiring_selectors
from assess.strictinput import validate_single_line
from grader.routing import ungradable_problems
from quizzes.models import Kind, Level, Question, Topic

from ..hiring.models import DrawSource
from ..models import Assessment, Attempt, Invitation, Section
from ..scoring import LevelSource, attempt_results
from .models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from .services import attempt_state, question_ref, topic_ref

# --- Strict input ---------------------------------------------------------------------------


class StrictInput(serializers.Serializer):
    """Refuses keys it does not declare: a misspelt optional field would otherwise be
    ignored without a word."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(str(key) for key in data if key not in self.fields)
            if unknown:
                raise serializers.ValidationError({key: ["Unknown field."] for key in unknown})
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF's CharField also takes numbers)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only (DRF's also takes "5", 5.0 and true)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    """true or false only (DRF's also takes "yes", 1, "on")."""

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class StrictEmailField(serializers.EmailField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class DrawInput(StrictInput):
    count = StrictIntegerField(min_value=0, max_value=100)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False, default="")
    level = serializers.ChoiceField(choices=Level.choices, required=False, default="")
    topic = StrictCharField(
        max_length=80,
        required=False,
        default="",
        help_text="A bank topic's slug, or the id of one of your library's topics.",
    )
    points = StrictIntegerField(
        required=False, help_text="What each drawn question is worth, 1 to 100 (default 1)."
    )
    source = serializers.ChoiceField(
        choices=DrawSource.choices,
        required=False,
        default=DrawSource.BANK,
        help_text="Draw from the bank (default), your organization's library, or both.",
    )


class SectionInput(StrictInput):
    title = StrictCharField(
        max_length=200, required=False, default="Questions", validators=[validate_single_line]
    )
    questions = serializers.ListField(
        child=StrictCharField(max_length=80),
        required=False,
        default=list,
        max_length=200,
        help_text="Questions picked explicitly: bank ids, and `library:<id>` for your "
        "library's published questions.",
    )
    points = serializers.DictField(
        child=StrictIntegerField(),
        required=False,
        default=dict,
        help_text="What some of `questions` are worth, named as in `questions`, 1 to 100 "
        "(default 1).",
    )
    draw = DrawInput(required=False, help_text="Questions drawn at random per candidate.")


class AssessmentInput(StrictInput):
    title = StrictCharField(max_length=200, validators=[validate_single_line])
    instructions = StrictCharField(max_length=20_000, required=False, default="", allow_blank=True)
    time_limit_minutes = StrictIntegerField(min_value=1, max_value=600, required=False, default=60)
    pass_mark = StrictIntegerField(min_value=0, max_value=100, required=False, default=60)
    shuffle_questions = StrictBooleanField(required=False, default=True)
    shuffle_choices = StrictBooleanField(required=False, default=True)
    sections = SectionInput(many=True, allow_empty=False, max_length=20)


class InvitationInput(StrictInput):
    candidate_name = StrictCharField(max_length=200)
    candidate_email = StrictEmailField(max_length=254)
    expires_in_days = StrictIntegerField(min_value=1, max_value=90, required=False)
    send_email = StrictBooleanField(
        required=False,
        default=True,
        help_text="Email the link to the candidate (false when your system sends it).",
    )


class WebhookEndpointInput(StrictInput):
    url = StrictCharField(max_length=500, help_text="http(s) URL that receives the events.")
    description = StrictCharField(max_length=200, required=False, default="", allow_blank=True)


class WebhookEndpointUpdate(StrictInput):
    active = StrictBooleanField(required=False)
    description = StrictCharField(max_length=200, required=False, allow_blank=True)


# --- Query parameters -----------------------------------------------------------------------

ATTEMPT_STATES = [
    ("in_progress", "In progress"),
    ("grading", "Submitted, not fully graded"),
    ("graded", "Fully graded"),
]


class AttemptFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=ATTEMPT_STATES, required=False)
    assessment = serializers.IntegerField(min_value=1, max_value=2**62, required=False)
    since = serializers.DateTimeField(required=False, help_text="Started at or after (ISO 8601).")
    graded_since = serializers.DateTimeField(
        required=False, help_text="Fully graded at or after (ISO 8601)."
    )


class InvitationFilter(serializers.Serializer):
    assessment = serializers.IntegerField(min_value=1, max_value=2**62, required=False)


class DeliveryFilter(serializers.Serializer):
    status = serializers.ChoiceField(choices=DeliveryStatus.choices, required=False)
    endpoint = serializers.IntegerField(min_value=1, max_value=2**62, required=False)


class BankFilter(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    level = serializers.ChoiceField(choices=Level.choices, required=False)
    topic = serializers.SlugField(max_length=80, required=False)
    search = serializers.CharField(max_length=100, required=False)


# --- Output ---------------------------------------------------------------------------------


class DrawOut(serializers.ModelSerializer):
    count = serializers.IntegerField(source="draw_count")
    points = serializers.IntegerField(
        source="draw_points", help_text="What each drawn question is worth."
    )
    kind = serializers.CharField(source="draw_kind")
    level = serializers.CharField(source="draw_level")
    topic = serializers.SerializerMethodField(
        help_text="The bank topic's slug, or your library topic's id; null: any topic."
    )
    source = serializers.CharField(source="draw_source")

    class Meta:
        model = Section
        fields = ["count", "kind", "level", "topic", "points", "source"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_topic(self, section) -> str | None:
        return topic_ref(section.draw_topic, section.assessment.organization_id)


def _picks_in_order(section) -> list:
    return sorted(section.picks.all(), key=lambda pick: pick.position)


class SectionOut(serializers.ModelSerializer):
    questions = serializers.SerializerMethodField(
        help_text="The picked questions, in the order the recruiter set: bank ids, and "
        "`library:<id>` for your library's own."
    )
    points = serializers.SerializerMethodField(
        help_text="What each of `questions` is worth, named as in `questions`, in order."
    )
    draw = DrawOut(source="*", read_only=True)

    class Meta:
        model = Section
        fields = ["title", "position", "questions", "points", "draw"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_questions(self, section) -> list[str]:
        owner = section.assessment.organization_id
        return [question_ref(pick.question, owner) for pick in _picks_in_order(section)]

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_points(self, section) -> dict[str, int]:
        owner = section.assessment.organization_id
        return {question_ref(p.question, owner): p.points for p in _picks_in_order(section)}


class AssessmentOut(serializers.ModelSerializer):
    sections = SectionOut(many=True, read_only=True)
    archived = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "title",
            "instructions",
            "time_limit_minutes",
            "pass_mark",
            "shuffle_questions",
            "shuffle_choices",
            "archived",
            "created_at",
            "sections",
        ]

    def get_archived(self, assessment) -> bool:
        return getattr(assessment, "archived_at", None) is not None


class InvitationOut(serializers.ModelSerializer):
    state = serializers.SerializerMethodField()
    attempt = serializers.SerializerMethodField()

    class Meta:
        model = Invitation
        fields = [
            "id",
            "assessment",
            "candidate_name",
            "candidate_email",
            "expires_at",
            "created_at",
            "state",
            "attempt",
        ]

    def get_state(self, invitation) -> str:
        return hiring_selectors.invitation_state(invitation)

    def get_attempt(self, invitation) -> int | None:
        attempt = getattr(invitation, "attempt", None)
        return attempt.pk if attempt is not None else None


class InvitationCreatedOut(InvitationOut):
    url = serializers.SerializerMethodField(
        help_text="The candidate's link: shown once, never stored."
    )

    class Meta(InvitationOut.Meta):
        fields = [*InvitationOut.Meta.fields, "url"]

    def get_url(self, invitation) -> str:
        return self.context["url"]


class TallyOut(serializers.Serializer):
    label = serializers.CharField()
    earned = serializers.FloatField(help_text="Points earned (each score times its points).")
    possible = serializers.IntegerField(help_text="The questions' points, added up.")
    questions = serializers.IntegerField()
    pending = serializers.IntegerField(help_text="Questions not scored yet.")
    percent = serializers.FloatField(
        allow_null=True, help_text="Of the points of the questions already scored."
    )


class LevelProbabilitiesOut(serializers.Serializer):
    not_yet_junior = serializers.FloatField(help_text="Below junior (added with the floor level).")
    junior = serializers.FloatField()
    mid = serializers.FloatField()
    senior = serializers.FloatField()


class AbilityOut(serializers.Serializer):
    level = serializers.CharField(
        help_text="The most probable level: not_yet_junior, junior, mid or senior."
    )
    confidence = serializers.FloatField(
        help_text="The probability of that level, 0 to 1, allowing for how uncertain the "
        "questions' parameters are."
    )
    probabilities = LevelProbabilitiesOut()
    theta = serializers.FloatField(help_text="Ability on the calibrated scale (docs/scoring.md).")
    se = serializers.FloatField(help_text="Its standard error.")
    items = serializers.IntegerField(help_text="Scored answers it rests on.")
    calibration_id = serializers.IntegerField(
        allow_null=True, help_text="The item parameters' version; null: the level priors."
    )
    calibrated = serializers.BooleanField(
        help_text="Whether every scored question's difficulty is measured (answered by "
        "enough candidates), not assumed from its level."
    )


class HeadlineOut(serializers.Serializer):
    level = serializers.CharField(help_text="not_yet_junior, junior, mid or senior.")
    source = serializers.ChoiceField(
        choices=[LevelSource.CALIBRATED, LevelSource.PERCENT_RULE],
        help_text="calibrated when every scored question is calibrated, else percent_rule.",
    )
    certainty = serializers.FloatField(
        allow_null=True, help_text="The probability of that level, 0 to 1; null: none scored."
    )
    scored_answers = serializers.IntegerField(help_text="Scored answers the certainty rests on.")
    other = serializers.CharField(help_text="The other method's level; empty while it has none.")
    final = serializers.BooleanField(help_text="False while answers wait for a grade.")


class ResultsOut(serializers.Serializer):
    complete = serializers.BooleanField()
    passed = serializers.BooleanField(allow_null=True)
    level_estimate = serializers.CharField(
        help_text="The percent rule's level: not_yet_junior, junior, mid or senior; empty "
        "until complete."
    )
    headline = HeadlineOut(
        allow_null=True,
        help_text="The one level the report leads with (docs/scoring.md); null until there is one.",
    )
    total = TallyOut()
    sections = TallyOut(many=True)
    topics = TallyOut(many=True)
    levels = TallyOut(many=True)
    ability = AbilityOut(
        allow_null=True,
        help_text="The calibrated level estimate over the answers scored so far; null before any.",
    )


class AttemptAssessmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class CandidateOut(serializers.Serializer):
    name = serializers.CharField(source="candidate_name")
    email = serializers.EmailField(source="candidate_email")


class AttemptOut(serializers.ModelSerializer):
    status = serializers.SerializerMethodField()
    assessment = AttemptAssessmentOut()
    candidate = CandidateOut(source="invitation")

    class Meta:
        model = Attempt
        fields = [
            "id",
            "assessment",
            "invitation",
            "candidate",
            "status",
            "started_at",
            "deadline",
            "submitted_at",
            "submit_reason",
            "graded_at",
            "score_percent",
            "passed",
            "level_estimate",
        ]

    @extend_schema_field(serializers.ChoiceField(choices=ATTEMPT_STATES))
    def get_status(self, attempt) -> str:
        return attempt_state(attempt)


class IntegrityDecisionOut(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    decided_at = serializers.DateTimeField(source="created_at")


class AttemptDetailOut(AttemptOut):
    results = serializers.SerializerMethodField()
    # The reviewer's decision only (null until one is recorded): the integrity evidence and
    # its summary stay in the review (assess.evidence).
    integrity_decision = serializers.SerializerMethodField()

    class Meta(AttemptOut.Meta):
        fields = [*AttemptOut.Meta.fields, "results", "integrity_decision"]

    @extend_schema_field(IntegrityDecisionOut(allow_null=True))
    def get_integrity_decision(self, attempt) -> dict | None:
        decision = decision_of(attempt)
        return IntegrityDecisionOut(decision).data if decision is not None else None

    @extend_schema_field(ResultsOut)
    def get_results(self, attempt) -> dict:
        return ResultsOut(attempt_results(attempt)).data


class TopicOut(serializers.ModelSerializer):
    class Meta:
        model = Topic
        fields = ["slug", "title", "description"]


class BankQuestionOut(serializers.ModelSerializer):
    topic = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    version = serializers.IntegerField(source="latest_version.number")
    content = serializers.JSONField(
        source="latest_version.content",
        help_text="The whole question as in the bank, answer key included (staff tokens only).",
    )
    cannot_grade = serializers.SerializerMethodField(
        help_text="Why no live grading worker can grade this coding question for your "
        "organization now (it cannot be picked); null when one can."
    )

    class Meta:
        model = Question
        fields = ["key", "kind", "topic", "level", "version", "content", "cannot_grade"]

    def get_cannot_grade(self, question: Question) -> str | None:
        # One look at the workers' announcements per response, shared by every row.
        gaps = self.context.get("ungradable")
        if gaps is None:
            gaps = ungradable_problems(organization=self.context.get("organization"))
            self.context["ungradable"] = gaps
        return gaps.get(question.latest_version.content.get("problem", "")) or None


class WebhookEndpointOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "active", "created_at"]


class WebhookEndpointCreatedOut(WebhookEndpointOut):
    secret = serializers.CharField(help_text="Signs every delivery: shown once, keep it.")

    class Meta(WebhookEndpointOut.Meta):
        fields = [*WebhookEndpointOut.Meta.fields, "secret"]


class WebhookDeliveryOut(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "status",
            "tries",
            "response_status",
            "error",
            "created_at",
            "last_tried_at",
            "next_try_at",
            "delivered_at",
            "payload",
        ]
