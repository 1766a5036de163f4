"""Forms of the hiring team's pages: they parse and validate input; the domain functions
in assess.hiring.services and assess.hiring.invitations act on it."""

from __future__ import annotations

from django import forms

from assess.library.topics import topics_for
from assess.strictinput import validate_single_line
from quizzes.models import Kind, Level, Topic

from .invitations import CSV_MAX_BYTES, MAX_EXTRA_MINUTES
from .models import MAX_POINTS, MIN_POINTS, Assessment, DrawSource
from .selectors import GpuNeeds, Stage
from .services import ASSESSMENT_FIELDS, POINTS_ERROR


class AssessmentForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = list(ASSESSMENT_FIELDS)
        widgets = {
            "instructions": forms.Textarea(attrs={"rows": 4}),
            "invitation_message": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {
            "time_limit_minutes": "Time limit (minutes)",
            "pass_mark": "Pass mark (%)",
            "shuffle_questions": "Shuffle the questions",
            "shuffle_choices": "Shuffle the choices",
        }
        help_texts = {
            "pass_mark": "A percent of the total score.",
            "shuffle_questions": "Each candidate gets the questions of a section in another order.",
            "shuffle_choices": "Each candidate gets the choices of a question in another order.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The browser's limits are the server's (clean_* below), not the column's.
        self.fields["time_limit_minutes"].widget.attrs.update(min=1, max=600)
        self.fields["pass_mark"].widget.attrs.update(min=0, max=100)

    def clean_time_limit_minutes(self):
        value = self.cleaned_data["time_limit_minutes"]
        if not 1 <= value <= 600:
            raise forms.ValidationError("Between 1 and 600 minutes.")
        return value

    def clean_pass_mark(self):
        value = self.cleaned_data["pass_mark"]
        if not 0 <= value <= 100:
            raise forms.ValidationError("A percent, 0 to 100.")
        return value


def _topic_choices(organization):
    """The bank's topics and the organization's own (never another organization's)."""
    return [("", "Any topic"), *((t.slug, t.title) for t in topics_for(organization))]


class BankFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", "Any kind"), *Kind.choices], required=False)
    level = forms.ChoiceField(choices=[("", "Any level"), *Level.choices], required=False)
    topic = forms.ChoiceField(choices=[], required=False)
    gpu = forms.ChoiceField(
        label="Grading", choices=[("", "Any grading"), *GpuNeeds.choices], required=False
    )
    q = forms.CharField(label="Search", max_length=100, required=False)
    source = forms.ChoiceField(
        label="Source",
        choices=[("", "Bank and library"), ("bank", "The bank"), ("library", "Our library")],
        required=False,
    )

    def __init__(self, *args, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = _topic_choices(organization)


def points_field(**kwargs) -> forms.IntegerField:
    """What a question is worth; every bad value (text, NaN, 0, 101, huge) gets one message."""
    return forms.IntegerField(
        min_value=MIN_POINTS,
        max_value=MAX_POINTS,
        error_messages={
            key: POINTS_ERROR for key in ("required", "invalid", "min_value", "max_value")
        },
        **kwargs,
    )


class PointsForm(forms.Form):
    points = points_field(label="Points")


class DrawForm(forms.Form):
    draw_count = forms.IntegerField(label="Random questions", min_value=0, max_value=100)
    # Left out (an older page): the section keeps its points.
    draw_points = points_field(label="Points each", required=False)
    draw_kind = forms.ChoiceField(
        label="Kind", choices=[("", "Any kind"), *Kind.choices], required=False
    )
    draw_level = forms.ChoiceField(
        label="Level", choices=[("", "Any level"), *Level.choices], required=False
    )
    draw_topic = forms.ModelChoiceField(
        label="Topic", queryset=Topic.objects.none(), required=False, empty_label="Any topic"
    )
    # Left out (an older page): the bank, as before sources existed.
    draw_source = forms.ChoiceField(label="From", choices=DrawSource.choices, required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        # Another organization's topic id is "not one of the available choices".
        self.fields["draw_topic"].queryset = topics_for(organization)


class AdaptiveForm(forms.Form):
    adaptive = forms.BooleanField(label="Adaptive", required=False)
    adaptive_min_items = forms.IntegerField(label="Min questions", min_value=1, max_value=100)
    adaptive_max_items = forms.IntegerField(label="Max questions", min_value=1, max_value=100)
    adaptive_target_se = forms.FloatField(label="Target SE", min_value=0.05, max_value=2.0)
    adaptive_exposure = forms.IntegerField(label="Exposure control", min_value=1, max_value=50)


class SectionForm(forms.Form):
    title = forms.CharField(max_length=200, validators=[validate_single_line])


class InviteForm(forms.Form):
    candidate_name = forms.CharField(label="Candidate's name", max_length=200)
    candidate_email = forms.EmailField(label="Email", max_length=254)
    days = forms.IntegerField(
        label="Link valid for (days)", min_value=1, max_value=90, required=False
    )
    extra_percent = forms.TypedChoiceField(
        label="Extra time (accommodations)",
        choices=[(0, "None"), (25, "+25%"), (50, "+50%"), (100, "+100%")],
        coerce=int,
        required=False,
        empty_value=0,
    )
    extra_minutes = forms.IntegerField(
        label="or extra minutes",
        min_value=0,
        max_value=MAX_EXTRA_MINUTES,
        required=False,
        help_text="Custom minutes replace the percentage.",
    )


class CandidateFilterForm(forms.Form):
    q = forms.CharField(label="Search", max_length=100, required=False)
    stage = forms.ChoiceField(
        label="Stage", choices=[("", "Any stage"), *Stage.choices], required=False
    )
    assessment = forms.ModelChoiceField(
        label="Assessment",
        queryset=Assessment.objects.none(),
        required=False,
        empty_label="Any assessment",
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = organization.assessments.all()


class CandidateBulkForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("advance", "Advance"),
            ("reject", "Reject"),
            ("remind", "Remind"),
            ("export", "Export"),
            ("compare", "Compare"),
        ]
    )
    selected = forms.TypedMultipleChoiceField(coerce=int, choices=[])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Any id is accepted here; the service looks each one up within the organization.
        self.fields["selected"].valid_value = lambda value: str(value).isdigit()


class CsvInviteForm(forms.Form):
    file = forms.FileField(label="CSV file (name,email per line)")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > CSV_MAX_BYTES:
            raise forms.ValidationError(
                f"The file is larger than {CSV_MAX_BYTES // 1024} KiB; split it into smaller files."
            )
        return upload


class ExtendForm(forms.Form):
    days = forms.IntegerField(min_value=1, max_value=90, initial=7)
