"""The privacy pages: the export holds every kind of the candidate's data and nothing of
others'; only the organization's admin reaches them; another organization's candidates are
"no such candidate"; hostile ids and form values get clear 4xx answers; the erasure log
re-applies erasures to a restored database."""

from __future__ import annotations

import json

import pytest
from django.core import serializers
from django.core.management import call_command
from django.urls import reverse

from assess.models import Attempt, Invitation, Membership, Role
from assess.privacy.models import AuditAction, LegalHold, PrivacyAuditEntry, PrivacySettings
from assess.privacy.services import candidate_erase
from tests.assess import factories
from tests.assess.privacy_support import candidate_with_everything, other_candidate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def erasure_log(settings, tmp_path):
    settings.PRIVACY_ERASURE_LOG = str(tmp_path / "erasure-log.jsonl")
    return tmp_path / "erasure-log.jsonl"


@pytest.fixture
def admin_user(org, django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = django_user_model.objects.create_user("ana", password="pw-ana-12345678")
    Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
    return user


@pytest.fixture
def candidate(client, assessment, admin_user, django_capture_on_commit_callbacks):
    made = candidate_with_everything(
        client, assessment, admin_user, django_capture_on_commit_callbacks
    )
    client.force_login(admin_user)
    return made


def _url(name, org, invitation_id):
    return reverse(f"org:{name}", args=[org.slug, invitation_id])


def test_the_export_holds_every_kind_of_data_and_nothing_of_others(
    client, org, assessment, candidate
):
    other = other_candidate(assessment, "Bartholomew Other")
    response = client.get(_url("privacy_export_json", org, candidate.invitation.pk))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)
    text = response.content.decode()
    assert data["candidate"] == {"name": candidate.name, "email": candidate.email}
    attempt = data["attempt"]
    kinds = {a["kind"] for a in attempt["answers"]}
    assert kinds == {"single_choice", "multiple_choice", "numeric", "written", "coding"}
    coding = next(a for a in attempt["answers"] if a["kind"] == "coding")
    assert candidate.code_marker in coding["response"]
    runs = {r["kind"] for r in coding["code_runs"]}
    assert runs == {"sample run", "graded submission"}
    assert all(candidate.code_marker in r["code"] for r in coding["code_runs"])
    written = next(a for a in attempt["answers"] if a["kind"] == "written")
    assert written["reviews"][0]["note"].startswith(candidate.name)
    single = next(a for a in attempt["answers"] if a["kind"] == "single_choice")
    assert single["chosen"] == ["To avoid dividing by zero when a channel is constant"]
    assert single["response"] is None  # the bank's index would reveal its order
    assert {s["kind"] for s in attempt["integrity_signals"]} == {
        "tab_hidden",
        "paste",
        "question_time",
    }
    assert len(attempt["report_links"]) == 1
    assert attempt["webhook_events"][0]["type"] == "attempt.graded"
    assert attempt["notice_confirmed"]["version"] == 1
    assert "What is recorded" in attempt["notice_confirmed"]["text"]
    assert data["invitation"]["decision"] == "advanced"
    # Nothing of another candidate, and no answer key.
    assert "Bartholomew" not in text and str(other.invitation.candidate_email) not in text
    assert "Batch statistics from two samples are noisy" not in text  # the model answer
    assert '"correct"' not in text
    # The readable page holds the same, and the export is audited (naming no one).
    page = client.get(_url("privacy_export", org, candidate.invitation.pk)).content.decode()
    assert candidate.name in page and candidate.code_marker in page
    assert "Pasted into an answer, question 1 (40 characters)" in page
    assert "(multiple choice (several answers))" in page
    assert PrivacyAuditEntry.objects.filter(action=AuditAction.EXPORTED).count() == 2


def test_the_candidate_gets_the_same_copy_through_their_link(client, candidate):
    client.logout()
    copy = client.get(reverse("org:my_data_export_json", args=[candidate.token]))
    assert copy.status_code == 200
    assert json.loads(copy.content)["candidate"]["email"] == candidate.email
    page = client.get(reverse("org:my_data_export", args=[candidate.token]))
    assert candidate.code_marker in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin" and "no-cache" in page["Cache-Control"]


def test_only_the_admin_reaches_the_privacy_pages(client, org, candidate, django_user_model):
    for role in (Role.RECRUITER, Role.REVIEWER):
        user = django_user_model.objects.create_user(f"u-{role}", password="pw-123456789xyz")
        Membership.objects.create(user=user, organization=org, role=role)
        client.force_login(user)
        assert client.get(reverse("org:privacy", args=[org.slug])).status_code == 403
        assert (
            client.get(_url("privacy_export_json", org, candidate.invitation.pk)).status_code == 403
        )
        refused = client.post(
            _url("privacy_erase", org, candidate.invitation.pk), {"confirm": "erase"}
        )
        assert refused.status_code == 403
    assert Invitation.objects.filter(pk=candidate.invitation.pk).exists()


def test_another_organizations_admin_never_exports_or_erases_our_candidates(
    client, org, candidate, django_user_model
):
    globex = factories.make_org("globex")
    rival = django_user_model.objects.create_user("rival", password="pw-rival-1234567")
    Membership.objects.create(user=rival, organization=globex, role=Role.ADMIN)
    client.force_login(rival)
    pk = candidate.invitation.pk
    # Through their own organization: no such candidate.
    for name in ("privacy_candidate", "privacy_export", "privacy_export_json"):
        response = client.get(_url(name, globex, pk))
        assert response.status_code == 404 and candidate.name not in response.content.decode()
    for name in ("privacy_erase", "privacy_hold", "privacy_hold_lift"):
        response = client.post(_url(name, globex, pk), {"confirm": "erase", "reason": "x"})
        assert response.status_code == 404
    # Through ours: not a member.
    assert client.get(_url("privacy_export_json", org, pk)).status_code == 404
    assert client.post(_url("privacy_erase", org, pk), {"confirm": "erase"}).status_code == 404
    # The search finds only their own candidates.
    found = client.get(reverse("org:privacy", args=[globex.slug]), {"q": candidate.email})
    assert found.status_code == 200 and "No candidate of Globex matches." in found.content.decode()
    assert candidate.name not in found.content.decode()
    assert Invitation.objects.filter(pk=pk).exists()
    assert not PrivacyAuditEntry.objects.filter(organization=globex).exists()


@pytest.mark.parametrize(
    "hostile_id",
    ["abc", "0", "-1", "1.5", "9" * 40, "%00", "１２", "1%0a2", "99999999999999999"],
)
def test_hostile_candidate_ids_are_a_clear_404(client, org, admin_user, hostile_id):
    client.force_login(admin_user)
    base = f"/org/{org.slug}/privacy/candidates/{hostile_id}/"
    for method, path in (
        ("get", ""),
        ("get", "export.json"),
        ("post", "erase/"),
        ("post", "hold/"),
    ):
        response = getattr(client, method)(base + path, {"confirm": "erase", "reason": "r"})
        assert response.status_code == 404
        assert "No such candidate." in response.content.decode()


def test_hostile_form_values_get_clear_errors(client, org, candidate):
    pk = candidate.invitation.pk
    for reason, message in (
        ("", "Say why the data must be kept."),
        ("a\x00b", "This field contains a NUL character."),
        ("x" * 5000, "Keep the reason under 300 characters."),
        ("two\nlines", "This field must be a single line."),
    ):
        response = client.post(_url("privacy_hold", org, pk), {"reason": reason})
        assert response.status_code == 400 and message in response.content.decode()
    assert not LegalHold.objects.exists()
    for confirm in ("", "yes", "\x00", "erase" * 1000):
        response = client.post(_url("privacy_erase", org, pk), {"confirm": confirm})
        assert response.status_code == 400
        assert "Tick the box to confirm the erasure." in response.content.decode()
    assert Invitation.objects.filter(pk=pk).exists()
    for q in ("\x00", "y" * 500, "a\nb"):
        assert client.get(reverse("org:privacy", args=[org.slug]), {"q": q}).status_code == 400
    settings_url = reverse("org:privacy_settings", args=[org.slug])
    good = {"privacy_text": "", "contact": "", "retention_days": "365", "evidence_days": "90"}
    for field, value, message in (
        ("retention_days", "10", "from 30 to 3650"),
        ("retention_days", "9" * 50, "from 30 to 3650"),
        ("retention_days", "\x00", "from 30 to 3650"),
        ("evidence_days", "400", "cannot be kept longer than the attempts"),
        ("privacy_text", "x" * 5000, "under 4000 characters"),
        ("privacy_text", "bad\x00", "contains a NUL character"),
        ("contact", "a\nb", "single line"),
    ):
        response = client.post(settings_url, {**good, field: value})
        assert response.status_code == 400, (field, value)
        assert message in response.content.decode()
    assert not PrivacySettings.objects.filter(organization=org, retention_days=10).exists()


def test_a_legal_hold_blocks_erasure_until_lifted(client, org, candidate, admin_user):
    pk = candidate.invitation.pk
    placed = client.post(_url("privacy_hold", org, pk), {"reason": "Claim 17 at the labour court"})
    assert placed.status_code == 302
    again = client.post(_url("privacy_erase", org, pk), {"confirm": "erase"}, follow=True)
    assert "under a legal hold" in again.content.decode()
    assert Invitation.objects.filter(pk=pk).exists()
    client.logout()
    refused = client.post(
        reverse("org:my_data_erase", args=[candidate.token]), {"confirm": "erase"}
    )
    assert refused.status_code == 409 and "legal hold" in refused.content.decode()
    client.force_login(admin_user)
    assert client.post(_url("privacy_hold_lift", org, pk)).status_code == 302
    assert client.post(_url("privacy_erase", org, pk), {"confirm": "erase"}).status_code == 302
    assert not Invitation.objects.filter(pk=pk).exists()
    actions = list(PrivacyAuditEntry.objects.order_by("at", "pk").values_list("action", flat=True))
    assert actions[-3:] == [AuditAction.HOLD_PLACED, AuditAction.HOLD_LIFTED, AuditAction.ERASED]


def test_a_restore_from_a_backup_re_applies_the_erasures(
    org, assessment, candidate, erasure_log, capsys
):
    """The backup is every row of the candidate (Django's serializer, primary keys kept);
    the restore saves them back, as a database restore would."""
    attempt = candidate.attempt
    rows = [
        candidate.invitation,
        attempt,
        *attempt.answers.all(),
        *attempt.integrity_events.all(),
        *attempt.shares.all(),
    ]
    backup = serializers.serialize("json", rows)
    candidate_erase(candidate.invitation, source="admin")
    for restored in serializers.deserialize("json", backup):
        restored.save()
    assert Attempt.objects.filter(pk=attempt.pk).exists()  # the restore brought them back
    # A candidate erased before the backup is absent; an id reused after the restore
    # (another invitation) is left alone.
    stranger, _ = factories.make_invitation(assessment, name="Reused Id")
    with erasure_log.open("a") as log:
        log.write(
            json.dumps(
                {
                    "organization_id": org.pk,
                    "invitation_id": stranger.pk,
                    "invitation_created_at": "2020-01-01T00:00:00+00:00",
                    "erased_at": "2020-02-01T00:00:00+00:00",
                }
            )
            + "\n"
        )
        log.write(
            json.dumps(
                {
                    "organization_id": org.pk,
                    "invitation_id": 987654,
                    "invitation_created_at": "2020-01-01T00:00:00+00:00",
                    "erased_at": "2020-02-01T00:00:00+00:00",
                }
            )
            + "\n"
        )
    call_command("privacy_replay_erasures")
    assert capsys.readouterr().out.strip() == (
        "1 erasure(s) re-applied, 1 already absent, 1 skipped (the id now names another invitation)"
    )
    assert not Invitation.objects.filter(pk=candidate.invitation.pk).exists()
    assert not Attempt.objects.filter(pk=attempt.pk).exists()
    assert Invitation.objects.filter(pk=stranger.pk).exists()
    # Replaying twice is harmless.
    call_command("privacy_replay_erasures")
    assert "0 erasure(s) re-applied" in capsys.readouterr().out


def test_a_malformed_erasure_log_is_named_not_guessed(erasure_log):
    from django.core.management.base import CommandError

    erasure_log.write_text('{"organization_id": 1}\n')
    with pytest.raises(CommandError, match="line 1: not an erasure record"):
        call_command("privacy_replay_erasures")
    with pytest.raises(CommandError, match="No erasure log"):
        call_command("privacy_replay_erasures", "--log", str(erasure_log) + ".missing")


@pytest.mark.parametrize("token", ["x", "A" * 43, "A" * 500, "%00", "..%2F..", "ｔｏｋｅｎ"])
def test_hostile_candidate_links_are_refused_on_the_data_pages(client, token):
    for path in ("privacy/", "privacy/export/", "privacy/export.json"):
        response = client.get(f"/t/{token}/{path}")
        assert response.status_code == 404
        if "%2F" not in token:  # a slash: no page at all, Django's plain 404
            assert "This link is not valid" in response.content.decode()
    erase = client.post(f"/t/{token}/privacy/erase/", {"confirm": "erase"})
    assert erase.status_code == 404


def test_deleting_a_candidate_in_the_admin_site_is_an_erasure(
    client, assessment, django_user_model, erasure_log
):
    from assess.privacy.erasure_log import erasure_log_read
    from assess.privacy.services import hold_place

    staff = django_user_model.objects.create_superuser("root", password="pw-root-1234567")
    client.force_login(staff)
    unstarted, _ = factories.make_invitation(assessment, name="Never Began")
    held, _ = factories.make_invitation(assessment, name="Held Person")
    hold_place(held, "Claim 9")
    deleted = client.post(f"/admin/assess/invitation/{unstarted.pk}/delete/", {"post": "yes"})
    assert deleted.status_code == 302
    assert not Invitation.objects.filter(pk=unstarted.pk).exists()
    assert [line.invitation_id for line in erasure_log_read()] == [unstarted.pk]
    assert PrivacyAuditEntry.objects.get(action=AuditAction.ERASED).actor == staff
    refused = client.post(f"/admin/assess/invitation/{held.pk}/delete/", {"post": "yes"})
    assert refused.status_code == 403
    assert Invitation.objects.filter(pk=held.pk).exists()
