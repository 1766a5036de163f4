"""The reviewer's decision and the test's integrity policy."""

from __future__ import annotations

from django import forms

from assess.strictinput import validate_storable_text

from .models import Decision

NOTE_MAX = 2000


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        required=False,
        max_length=NOTE_MAX,
        validators=[validate_storable_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What you looked at and why you decided so.",
    )

    def clean(self):
        # A form posted with two decisions is ambiguous: Django would keep the last one.
        if hasattr(self.data, "getlist") and len(self.data.getlist("decision")) > 1:
            raise forms.ValidationError("Choose one decision.")
        return super().clean()


class PolicyForm(forms.Form):
    ai_assistance_allowed = forms.BooleanField(
        required=False, label="AI assistants allowed (chat models, code completion)"
    )
    outside_paste_allowed = forms.BooleanField(
        required=False, label="Pasting from outside the test's page allowed"
    )
