"""The audit page's filter and retention forms: any typed value gets a clear error."""

from __future__ import annotations

from django import forms

from assess.strictinput import validate_storable_text

from .retention import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS

FIRST_YEAR, LAST_YEAR = 2000, 2999


class AuditFilterForm(forms.Form):
    event = forms.CharField(
        required=False, max_length=64, label="Event", validators=[validate_storable_text]
    )
    actor = forms.CharField(
        required=False,
        max_length=254,
        label="By (email or username)",
        validators=[validate_storable_text],
    )
    since = forms.DateField(required=False, label="From")
    until = forms.DateField(required=False, label="To")

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        for name, day in (("since", since), ("until", until)):
            if day and not FIRST_YEAR <= day.year <= LAST_YEAR:
                self.add_error(name, f"Give a date between {FIRST_YEAR} and {LAST_YEAR}.")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return data


class AuditRetentionForm(forms.Form):
    days = forms.IntegerField(
        min_value=MIN_RETENTION_DAYS,
        max_value=MAX_RETENTION_DAYS,
        label="Keep the audit trail for (days)",
    )
