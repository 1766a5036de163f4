"""Erasing a candidate leaves nothing of them behind (the database, the var folder, the
logs), while the bank's statistics and calibration come out the same."""

from __future__ import annotations

import json
import logging

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from assess.api.models import WebhookDelivery
from assess.api.webhooks import delivery_send
from assess.calibration.models import ItemCalibration, ItemParameter
from assess.calibration.services import item_calibration_run
from assess.models import Attempt, Invitation, Membership, Role
from assess.privacy.erasure_log import erasure_log_read
from assess.privacy.models import AnonymousResponse, AuditAction, PrivacyAuditEntry
from assess.privacy.services import privacy_settings_update
from assess.review.item_responses import item_statistics_refresh
from quizzes.models import AssessmentStatistics, ItemStatistics, Question
from tests.assess import factories
from tests.assess.privacy_support import (
    candidate_with_everything,
    database_hits,
    file_hits,
    other_candidate,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def erasure_log(settings, tmp_path):
    settings.PRIVACY_ERASURE_LOG = str(tmp_path / "erasure-log.jsonl")
    return tmp_path / "erasure-log.jsonl"


@pytest.fixture
def admin_user(org, django_user_model, settings):
    """The organization's admin: the one who may erase."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = django_user_model.objects.create_user("ana", password="pw-ana-12345678")
    Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
    return user


def _statistics() -> dict:
    """The bank's figures, as the bank editors' page reads them (times of computation aside)."""
    items = list(
        ItemStatistics.objects.order_by("assessment_id", "version_id", "variant").values_list(
            "assessment_id", "version_id", "variant", "responses", "facility", "sd",
            "discrimination", "discriminative_efficiency", "median_seconds", "mean_seconds",
            "flags",
        )
    )  # fmt: skip
    tests = list(
        AssessmentStatistics.objects.order_by("assessment_id").values_list(
            "assessment_id", "attempts", "items_per_attempt", "mean_percent", "sd_percent", "alpha"
        )
    )
    seen = list(Question.objects.order_by("key").values_list("key", "seen_by"))
    return {"items": items, "tests": tests, "seen": seen}


def _calibration(calibration: ItemCalibration) -> dict:
    params = ItemParameter.objects.filter(calibration=calibration).order_by("question_id")
    return {
        "candidates": calibration.candidates,
        "responses": calibration.responses,
        "cuts": (calibration.mid_cut, calibration.senior_cut),
        "params": [(p.question_id, p.responses, p.discrimination, p.difficulty) for p in params],
    }


def _same(before, after):
    """Equal, floats to a relative 1e-9 (sums taken in another order)."""
    if isinstance(before, dict):
        assert before.keys() == after.keys()
        for key in before:
            _same(before[key], after[key])
    elif isinstance(before, list | tuple):
        assert len(before) == len(after)
        for a, b in zip(before, after, strict=True):
            _same(a, b)
    elif isinstance(before, float):
        assert after == pytest.approx(before, rel=1e-9, abs=1e-12)
    else:
        assert before == after


def test_an_erased_candidate_is_found_nowhere_and_the_statistics_do_not_change(
    client, assessment, admin_user, erasure_log, caplog, settings,
    django_capture_on_commit_callbacks, tmp_path,
):  # fmt: skip
    settings.ASSESS_ADAPTIVE_MAX_EXPOSURE = 1.0  # no exposure simulation: not under test
    caplog.set_level(logging.DEBUG)
    others = [other_candidate(assessment, f"Other Person{i}") for i in range(3)]
    candidate = candidate_with_everything(
        client, assessment, admin_user, django_capture_on_commit_callbacks
    )
    # Every kind of data is there before (so the searches below can fail); the raw link
    # never is (only its hash, and the sealed email link).
    for label, needle in candidate.needles.items():
        assert bool(database_hits(needle)) == (label != "token"), label
    [graded_event] = WebhookDelivery.objects.filter(payload__data__attempt__id=candidate.attempt.pk)
    item_statistics_refresh()
    before = _statistics()
    calibration_before = _calibration(item_calibration_run())

    answers = candidate.attempt.answers.count()
    client.force_login(admin_user)
    erase = client.post(
        reverse("org:privacy_erase", args=[assessment.organization.slug, candidate.invitation.pk]),
        {"confirm": "erase"},
    )
    assert erase.status_code == 302
    assert not Invitation.objects.filter(pk=candidate.invitation.pk).exists()
    assert not Attempt.objects.filter(pk=candidate.attempt.pk).exists()

    for label, needle in candidate.needles.items():
        assert database_hits(needle) == [], f"the {label} is still in the database"
        for folder in (django_settings.VAR_DIR, tmp_path):
            assert file_hits(folder, needle) == [], f"the {label} is in a file"
        assert needle.lower() not in caplog.text.lower(), f"the {label} is in the logs"

    # The others are untouched; what statistics need stays, without identity.
    assert Attempt.objects.filter(pk__in=[a.pk for a in others]).count() == 3
    assert AnonymousResponse.objects.count() == answers
    assert AnonymousResponse.objects.filter(score__isnull=False).count() == answers
    item_statistics_refresh()
    _same(before, _statistics())
    _same(calibration_before, _calibration(item_calibration_run()))

    # The audit trail says an erasure happened, and nothing of whom.
    entry = PrivacyAuditEntry.objects.get(action=AuditAction.ERASED)
    assert entry.actor == admin_user and entry.detail == ""
    # Connected systems are told, by ids only.
    erased = WebhookDelivery.objects.get(event_type="candidate.erased")
    assert erased.payload["data"] == {
        "invitation": {"id": candidate.invitation.pk},
        "attempt": {"id": candidate.attempt.pk},
    }
    # A delivery task still queued for the erased payload finds nothing to send.
    assert delivery_send(graded_event.pk) is None
    # The erasure log (for restores) names the invitation by numbers only.
    [line] = erasure_log_read()
    assert line.invitation_id == candidate.invitation.pk
    assert json.loads(erasure_log.read_text())["organization_id"] == assessment.organization_id
    # The link is dead.
    assert client.get(reverse("assess:attempt_landing", args=[candidate.token])).status_code == 404


def test_the_candidate_erases_their_own_data_from_their_link(
    client, assessment, admin_user, erasure_log, django_capture_on_commit_callbacks
):
    candidate = candidate_with_everything(
        client, assessment, admin_user, django_capture_on_commit_callbacks
    )
    client.logout()
    page = client.get(reverse("org:my_data", args=[candidate.token]))
    assert page.status_code == 200 and "Erase my data" in page.content.decode()
    unconfirmed = client.post(reverse("org:my_data_erase", args=[candidate.token]))
    assert unconfirmed.status_code == 400
    assert "Tick the box" in unconfirmed.content.decode()
    assert Invitation.objects.filter(pk=candidate.invitation.pk).exists()

    done = client.post(reverse("org:my_data_erase", args=[candidate.token]), {"confirm": "erase"})
    assert done.status_code == 200 and "Your data is erased" in done.content.decode()
    for label, needle in candidate.needles.items():
        assert database_hits(needle) == [], f"the {label} is still in the database"
    entry = PrivacyAuditEntry.objects.get(action=AuditAction.ERASED)
    assert entry.source == "candidate" and entry.actor is None
    again = client.post(reverse("org:my_data_erase", args=[candidate.token]), {"confirm": "erase"})
    assert again.status_code == 404


def test_an_expired_link_can_no_longer_erase_or_export(client, assessment):
    from datetime import timedelta

    invitation, token = factories.make_invitation(assessment, expires_in=timedelta(seconds=-1))
    privacy_settings_update(
        assessment.organization,
        privacy_text="",
        contact="dpo@acme.example",
        retention_days=365,
        evidence_days=90,
    )
    for name in ("my_data", "my_data_export", "my_data_export_json"):
        refused = client.get(reverse(f"org:{name}", args=[token]))
        assert refused.status_code == 410
        assert "ask dpo@acme.example" in refused.content.decode()
    refused = client.post(reverse("org:my_data_erase", args=[token]), {"confirm": "erase"})
    assert refused.status_code == 410
    assert Invitation.objects.filter(pk=invitation.pk).exists()
