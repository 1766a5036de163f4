"""Forms of the review dashboard: attempt filters and rubric scoring."""

from __future__ import annotations

from django import forms

from assess.attempts.models import AttemptStatus, CandidateLevel
from assess.hiring.models import Assessment


class AttemptFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", "Any status"),
        (AttemptStatus.IN_PROGRESS, "In progress"),
        (AttemptStatus.SUBMITTED, "Submitted"),
        ("waiting", "Waiting for a score"),
        ("graded", "Fully scored"),
    ]
    SORT_CHOICES = [
        ("date", "Newest first"),
        ("-date", "Oldest first"),
        ("score", "Highest score"),
        ("-score", "Lowest score"),
        ("candidate", "Candidate A-Z"),
    ]
    assessment = forms.ModelChoiceField(
        queryset=Assessment.objects.none(), required=False, empty_label="Any assessment"
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, required=False)
    level = forms.ChoiceField(
        label="Level (percent rule)",
        choices=[("", "Any level"), *CandidateLevel.choices],
        required=False,
    )
    min_score = forms.FloatField(label="Score from", min_value=0, max_value=100, required=False)
    max_score = forms.FloatField(label="to", min_value=0, max_value=100, required=False)
    since = forms.DateField(
        label="Started from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(choices=SORT_CHOICES, required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = Assessment.objects.filter(organization=organization)


class RubricForm(forms.Form):
    items = forms.TypedMultipleChoiceField(
        coerce=int, choices=[], required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    # When the answer was shown (signed): how long the review took.
    clock = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args, rubric, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].choices = [
            (i, f"{r['points']} pt: {r['criterion']}") for i, r in enumerate(rubric)
        ]
