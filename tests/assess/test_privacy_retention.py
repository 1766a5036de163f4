"""Retention: with the clock fixed, the daily run erases exactly what each organization's
periods say is due, keeps what is held, and the admin sees it coming."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from assess.attempts.services import attempt_start, attempt_submit
from assess.models import Attempt, IntegrityEvent, IntegrityKind, Invitation, Membership, Role
from assess.privacy.models import AuditAction, AuditSource, PrivacyAuditEntry
from assess.privacy.retention import retention_apply, retention_upcoming
from assess.privacy.services import hold_place, privacy_settings_update
from assess.privacy.tasks import apply_retention
from tests.assess import factories

pytestmark = pytest.mark.django_db

# The clock every test fixes (the attempts are dated relative to it); the task's test runs
# seconds after it with the real clock.
NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def erasure_log(settings, tmp_path):
    settings.PRIVACY_ERASURE_LOG = str(tmp_path / "erasure-log.jsonl")


def _submitted(assessment, name: str, days_ago: float, *, evidence: bool = False) -> Attempt:
    invitation, _ = factories.make_invitation(assessment, name=name)
    attempt = attempt_start(invitation)
    IntegrityEvent.objects.create(
        attempt=attempt, kind=IntegrityKind.QUESTION_TIME, position=0, amount=5000
    )
    if evidence:
        IntegrityEvent.objects.create(attempt=attempt, kind=IntegrityKind.TAB_HIDDEN)
        IntegrityEvent.objects.create(
            attempt=attempt, kind=IntegrityKind.PASTE, position=0, amount=12
        )
    attempt_submit(attempt)
    when = NOW - timedelta(days=days_ago)
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=when - timedelta(minutes=20), submitted_at=when, deadline=when
    )
    return attempt


def _gone(attempt) -> bool:
    return not Invitation.objects.filter(pk=attempt.invitation_id).exists()


def _evidence(attempt) -> list[str]:
    return sorted(
        IntegrityEvent.objects.filter(attempt_id=attempt.pk).values_list("kind", flat=True)
    )


@pytest.fixture
def population(org, assessment, django_user_model):
    privacy_settings_update(org, privacy_text="", contact="", retention_days=60, evidence_days=14)
    admin = django_user_model.objects.create_user("ana", password="pw-ana-12345678")
    Membership.objects.create(user=admin, organization=org, role=Role.ADMIN)
    other_org = factories.make_org("globex")
    other_assessment = factories.make_assessment(
        other_org, list(assessment.sections.get().questions.all())
    )
    never_started, _ = factories.make_invitation(assessment, name="Never Started")
    Invitation.objects.filter(pk=never_started.pk).update(expires_at=NOW - timedelta(days=61))
    held = _submitted(assessment, "Held Candidate", 90)
    hold_place(held.invitation, "Claim 2030-17 before the labour court", actor=admin)
    return {
        "due": _submitted(assessment, "Due Candidate", 61),
        "soon": _submitted(assessment, "Soon Candidate", 59),
        "held": held,
        "never_started": never_started,
        "evidence_due": _submitted(assessment, "Evidence Due", 20, evidence=True),
        "evidence_kept": _submitted(assessment, "Evidence Kept", 10, evidence=True),
        # Another organization keeps attempts a year (the default).
        "other_org": _submitted(other_assessment, "Other Org", 61, evidence=True),
        "admin": admin,
    }


def test_the_admin_sees_what_goes_in_the_next_30_days(org, population):
    upcoming = retention_upcoming(org, now=NOW)
    listed = {(item.candidate_name, item.what, item.held) for item in upcoming}
    assert listed == {
        ("Never Started", "everything", False),
        ("Held Candidate", "everything", True),
        ("Due Candidate", "everything", False),
        ("Soon Candidate", "everything", False),
        ("Evidence Due", "integrity evidence", False),
        ("Evidence Kept", "integrity evidence", False),
    }
    soon = next(i for i in upcoming if i.candidate_name == "Soon Candidate")
    assert soon.due_at == NOW + timedelta(days=1)
    assert [i.due_at for i in upcoming] == sorted(i.due_at for i in upcoming)


def test_the_daily_run_erases_exactly_what_is_due_and_keeps_what_is_held(org, population):
    run = retention_apply(now=NOW)
    assert (run.candidates_erased, run.evidence_erased, run.held) == (2, 1, 1)
    assert (
        _gone(population["due"])
        and not Invitation.objects.filter(pk=population["never_started"].pk).exists()
    )
    for kept in ("soon", "held", "evidence_due", "evidence_kept", "other_org"):
        assert not _gone(population[kept]), kept
    # Focus and paste signals go after 14 days; the time per question stays with the attempt.
    assert _evidence(population["evidence_due"]) == [IntegrityKind.QUESTION_TIME]
    assert len(_evidence(population["evidence_kept"])) == 3
    assert len(_evidence(population["other_org"])) == 3
    # Audited, naming no one.
    erasures = PrivacyAuditEntry.objects.filter(action=AuditAction.ERASED)
    assert [(e.source, e.detail) for e in erasures] == [(AuditSource.RETENTION, "")] * 2
    assert PrivacyAuditEntry.objects.get(action=AuditAction.EVIDENCE_EXPIRED).detail == (
        "1 attempt(s)"
    )
    # A second run the same day finds nothing more; the next day, the next one is due.
    assert (
        retention_apply(now=NOW).candidates_erased,
        retention_apply(now=NOW).evidence_erased,
    ) == (0, 0)
    assert retention_apply(now=NOW + timedelta(days=1, minutes=1)).candidates_erased == 1
    assert _gone(population["soon"])


def test_a_lifted_hold_lets_retention_erase(org, population, client):
    admin = population["admin"]
    client.force_login(admin)
    held = population["held"]
    lifted = client.post(reverse("org:privacy_hold_lift", args=[org.slug, held.invitation_id]))
    assert lifted.status_code == 302
    assert PrivacyAuditEntry.objects.filter(action=AuditAction.HOLD_LIFTED, actor=admin).exists()
    retention_apply(now=NOW)
    assert _gone(held)


def test_the_daily_task_is_scheduled_and_runs_the_same_function(org, population):
    from assess.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["apply-retention"]
    assert entry["task"] == apply_retention.name
    app.loader.import_default_modules()  # what a worker does on start: autodiscovery
    assert entry["task"] in app.tasks
    assert entry["options"]["queue"] == django_settings.CELERY_PERIODIC_QUEUE
    assert entry["schedule"] == 24 * 3600
    assert apply_retention() == (
        "2 candidate(s) erased, integrity evidence of 1 attempt(s) erased, 1 held"
    )
    assert _gone(population["due"]) and not _gone(population["soon"])


def test_shortening_the_periods_warns_of_what_is_now_due(org, population, client):
    client.force_login(population["admin"])
    saved = client.post(
        reverse("org:privacy_settings", args=[org.slug]),
        {"privacy_text": "", "contact": "", "retention_days": "30", "evidence_days": "14"},
        follow=True,
    )
    # Past 30 days: "due" (61), "soon" (59) and the invitation never started; the held
    # one (90) is not counted, the evidence candidates (10 and 20 days) are not due.
    assert "the data of 3 candidate(s) is due now" in saved.content.decode()
