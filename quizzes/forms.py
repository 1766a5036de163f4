from django import forms

from .models import Level, Topic
from .practice import PRACTICE_LENGTHS


class PracticeStartForm(forms.Form):
    topic = forms.ModelChoiceField(
        queryset=Topic.objects.all(), required=False, empty_label="Any topic"
    )
    level = forms.ChoiceField(choices=[("", "Any level"), *Level.choices], required=False)
    length = forms.TypedChoiceField(
        choices=[(n, f"{n} questions") for n in PRACTICE_LENGTHS],
        coerce=int,
        initial=PRACTICE_LENGTHS[0],
        label="Length",
    )
