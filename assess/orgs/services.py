"""Changes to an organization's own settings (the admins' settings page)."""

from __future__ import annotations

from .models import Organization


def organization_set_candidate_feedback(organization: Organization, enabled: bool) -> None:
    """Switch the candidates' feedback report on or off. It takes effect at once, also
    for candidates who submitted before: the done page and the report read the switch."""
    organization.candidate_feedback = enabled
    organization.save(update_fields=["candidate_feedback"])
