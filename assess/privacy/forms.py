"""Forms of the privacy pages. Error messages never repeat the value sent: it may be huge
or hold a NUL."""

from __future__ import annotations

from django import forms

from assess.strictinput import validate_single_line, validate_storable_text

from .models import (
    CONTACT_MAX,
    MAX_RETENTION_DAYS,
    MIN_EVIDENCE_DAYS,
    MIN_RETENTION_DAYS,
    PRIVACY_TEXT_MAX,
)
from .policy import HOLD_REASON_MAX, privacy_settings_of

SEARCH_MAX = 200


def _days(label: str, minimum: int) -> forms.IntegerField:
    message = f"Enter a whole number of days from {minimum} to {MAX_RETENTION_DAYS}."
    return forms.IntegerField(
        label=label,
        min_value=minimum,
        max_value=MAX_RETENTION_DAYS,
        error_messages={
            "required": message,
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
    )


class PrivacySettingsForm(forms.Form):
    privacy_text = forms.CharField(
        label="Your privacy notice (shown to candidates before they start)",
        required=False,
        max_length=PRIVACY_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        validators=[validate_storable_text],
        error_messages={"max_length": f"Keep the notice under {PRIVACY_TEXT_MAX} characters."},
    )
    contact = forms.CharField(
        label="Privacy contact (where candidates ask for a copy or deletion)",
        required=False,
        max_length=CONTACT_MAX,
        validators=[validate_single_line],
        error_messages={"max_length": f"Keep the contact under {CONTACT_MAX} characters."},
    )
    retention_days = _days("Keep attempts, code and reports for (days)", MIN_RETENTION_DAYS)
    evidence_days = _days("Keep focus and paste signals for (days)", MIN_EVIDENCE_DAYS)

    def clean(self):
        data = super().clean()
        kept, evidence = data.get("retention_days"), data.get("evidence_days")
        if kept is not None and evidence is not None and evidence > kept:
            self.add_error(
                "evidence_days", "Integrity evidence cannot be kept longer than the attempts."
            )
        return data


class HoldForm(forms.Form):
    reason = forms.CharField(
        label="Why the data must be kept",
        max_length=HOLD_REASON_MAX,
        validators=[validate_single_line],
        error_messages={
            "required": "Say why the data must be kept.",
            "max_length": f"Keep the reason under {HOLD_REASON_MAX} characters.",
        },
    )


class EraseForm(forms.Form):
    confirm = forms.ChoiceField(
        choices=[("erase", "Erase")],
        error_messages={
            "required": "Tick the box to confirm the erasure.",
            "invalid_choice": "Tick the box to confirm the erasure.",
        },
    )


class CandidateSearchForm(forms.Form):
    q = forms.CharField(
        label="Name or email",
        max_length=SEARCH_MAX,
        validators=[validate_single_line],
        error_messages={
            "required": "Type a name or an email address.",
            "max_length": f"Type at most {SEARCH_MAX} characters.",
        },
    )


def privacy_settings_form(organization, data=None) -> PrivacySettingsForm:
    """The settings page's privacy form, filled with the organization's current values."""
    current = privacy_settings_of(organization)
    return PrivacySettingsForm(
        data,
        initial={
            "privacy_text": current.privacy_text,
            "contact": current.contact,
            "retention_days": current.retention_days,
            "evidence_days": current.evidence_days,
        },
    )
