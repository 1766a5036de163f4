"""An organization's privacy policy as the lower layers need it: its settings row (notice
text, contact, retention periods) and the errors of a privacy request. The candidate's
landing page (`notice`) and the organization's settings page (`forms`) read it; the
erasure, export and retention (`services`, `export`, `retention`) sit above the features
they erase (docs/architecture.md)."""

from __future__ import annotations

from assess.orgs.models import Organization
from quizzes.errors import UserError

from .models import PrivacySettings

HOLD_REASON_MAX = 300


class PrivacyError(UserError):
    """A privacy request that cannot be honoured."""


class CandidateHeld(PrivacyError):
    status = 409


class CandidateNotFound(PrivacyError):
    status = 404


def privacy_settings_of(organization: Organization) -> PrivacySettings:
    settings_row, _ = PrivacySettings.objects.get_or_create(organization=organization)
    return settings_row
