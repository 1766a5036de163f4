"""The form of the organization's settings page."""

from __future__ import annotations

from django import forms

ON, OFF = "on", "off"


class CandidateFeedbackForm(forms.Form):
    # Two explicit choices, not a checkbox: a checkbox reads anything as "on", and an
    # absent field as "off", so a broken or hostile POST would flip the switch silently.
    candidate_feedback = forms.ChoiceField(
        label="Feedback report for candidates",
        choices=[
            (ON, "On: candidates get a feedback report after submitting"),
            (OFF, "Off: candidates see only that their test was submitted"),
        ],
        widget=forms.RadioSelect,
        # The message never repeats the value sent: it may be huge or hold a NUL.
        error_messages={
            "required": "Choose on or off.",
            "invalid_choice": "Choose on or off.",
        },
    )

    def enabled(self) -> bool:
        return self.cleaned_data["candidate_feedback"] == ON
