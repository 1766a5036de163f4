"""Erasures racing on a real database: two admins (or an admin and the retention run)
erasing one candidate at once erase them once; the other is told it is already done."""

import pytest

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.models import Invitation
from assess.privacy.erasure_log import erasure_log_read
from assess.privacy.models import AnonymousResponse, AuditAction, PrivacyAuditEntry
from assess.privacy.policy import CandidateNotFound
from assess.privacy.services import candidate_erase
from tests.assess import factories
from tests.assess.test_concurrency import in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_erasures_at_once_erase_the_candidate_once(settings, tmp_path):
    settings.PRIVACY_ERASURE_LOG = str(tmp_path / "erasure-log.jsonl")
    bank = factories.make_bank("single", "numeric")
    assessment = factories.make_assessment(factories.make_org(), [bank["single"], bank["numeric"]])
    invitation, _ = factories.make_invitation(assessment)
    attempt = attempt_start(invitation)
    answer_save(attempt, 0, 0, 0)
    attempt_submit(attempt)

    # Each admin's page loaded the candidate before either pressed "Erase".
    loaded = [Invitation.objects.get(pk=invitation.pk) for _ in range(2)]
    results = in_threads(2, lambda i: candidate_erase(loaded[i], source="admin"))
    refused = [r for r in results if isinstance(r, CandidateNotFound)]
    done = [r for r in results if not isinstance(r, Exception)]
    assert len(done) == 1 and len(refused) == 1, results
    assert "already been erased" in refused[0].message
    assert AnonymousResponse.objects.count() == 2
    assert PrivacyAuditEntry.objects.filter(action=AuditAction.ERASED).count() == 1
    assert len(erasure_log_read()) == 1


def test_a_save_that_meets_its_attempt_erased_is_told_the_link_is_gone(settings, tmp_path):
    """The candidate's tab autosaves in the instant their erasure commits: the page had
    found the attempt, the lock finds it gone."""
    from assess.attempts.services import InvitationInvalid

    bank = factories.make_bank("single")
    assessment = factories.make_assessment(factories.make_org(), [bank["single"]])
    invitation, _ = factories.make_invitation(assessment)
    attempt = attempt_start(invitation)  # what the autosave view had loaded
    candidate_erase(Invitation.objects.get(pk=invitation.pk), source="candidate")
    with pytest.raises(InvitationInvalid) as refused:
        answer_save(attempt, 0, 0, 0)
    assert refused.value.status == 404
