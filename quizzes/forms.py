from django import forms

from .models import AssessmentStatistics, Level, Topic
from .practice import PRACTICE_LENGTHS


class PracticeStartForm(forms.Form):
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.bank(), required=False, empty_label="Any topic"
    )
    level = forms.ChoiceField(choices=[("", "Any level"), *Level.choices], required=False)
    length = forms.TypedChoiceField(
        choices=[(n, f"{n} questions") for n in PRACTICE_LENGTHS],
        coerce=int,
        initial=PRACTICE_LENGTHS[0],
        label="Length",
    )


class StatisticsFilterForm(forms.Form):
    assessment = forms.TypedChoiceField(
        coerce=int, empty_value=None, required=False, label="Attempts from"
    )
    dubious = forms.BooleanField(required=False, label="Only dubious questions")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].choices = [
            ("", "Every assessment"),
            *AssessmentStatistics.objects.values_list("assessment_id", "title"),
        ]
