"""An applicant-tracking system erases a candidate through the API: DELETE on the
invitation; never another organization's; refused while a legal hold is on."""

import pytest

from assess.api.models import WebhookDelivery
from assess.models import Attempt, Invitation
from assess.privacy.models import AuditAction, AuditSource, PrivacyAuditEntry
from assess.privacy.services import hold_lift, hold_place
from tests.api.conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def erasure_log(settings, tmp_path):
    settings.PRIVACY_ERASURE_LOG = str(tmp_path / "erasure-log.jsonl")


def _url(invitation_id) -> str:
    return f"/api/v1/invitations/{invitation_id}/"


def test_the_ats_erases_its_candidate(api, acme):
    response = api.delete(_url(acme.invitation.pk))
    assert response.status_code == 204
    assert not Invitation.objects.filter(pk=acme.invitation.pk).exists()
    assert not Attempt.objects.filter(pk=acme.attempt.pk).exists()
    entry = PrivacyAuditEntry.objects.get(action=AuditAction.ERASED)
    assert entry.source == AuditSource.API and entry.organization == acme.org
    assert WebhookDelivery.objects.filter(
        endpoint=acme.endpoint, event_type="candidate.erased"
    ).exists()
    assert_error(api.delete(_url(acme.invitation.pk)), 404, "not_found")
    assert_error(api.get(_url(acme.invitation.pk)), 404, "not_found")


def test_another_organizations_candidate_is_not_found_and_kept(api, acme, globex):
    assert_error(api.delete(_url(globex.invitation.pk)), 404, "not_found")
    assert Invitation.objects.filter(pk=globex.invitation.pk).exists()
    assert not PrivacyAuditEntry.objects.exists()


def test_a_held_candidate_is_a_409_until_the_hold_is_lifted(api, acme):
    hold_place(acme.invitation, "Claim 4 at the labour court")
    error = assert_error(api.delete(_url(acme.invitation.pk)), 409, "conflict")
    assert "legal hold" in error["message"]
    assert Invitation.objects.filter(pk=acme.invitation.pk).exists()
    hold_lift(acme.invitation)
    assert api.delete(_url(acme.invitation.pk)).status_code == 204


@pytest.mark.parametrize("hostile", ["abc", "-1", "99999999999999999999999", "%00"])
def test_hostile_ids_are_a_clear_404(api, acme, hostile):
    assert_error(api.delete(_url(hostile)), 404)
