"""The recruiter's candidate list across assessments: pipeline stages, filters and search,
bulk advance / reject / remind / export, scoped to the organization; extra time given at
invitation lengthens that candidate's deadline."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.attempts.workflow import answer_review
from assess.hiring.selectors import candidates_list, stage_counts
from assess.models import Invitation, Membership, Role
from tests.assess import factories

pytestmark = pytest.mark.usefixtures("emails_sent_at_once")


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr("grader.routing.submissions_enqueue", lambda ids: len(ids))


@pytest.fixture
def pipeline(org, bank, recruiter):
    """One candidate at each stage of a choice-only test (graded on submission), plus a
    written-answer test for `reviewed`; and another organization's candidate."""
    choice = factories.make_assessment(org, [bank["single"]], minutes=10)
    written = factories.make_assessment(org, [bank["written"]], minutes=10)
    written.title = "Written screen"
    written.save()
    people = {}
    for name in ("Ivy Invited", "Stan Started", "Gail Graded", "Ann Advanced", "Rex Rejected"):
        people[name], _ = factories.make_invitation(choice, name=name)
    for name in ("Stan Started", "Gail Graded", "Ann Advanced", "Rex Rejected"):
        attempt = attempt_start(people[name])
        if name != "Stan Started":
            answer_save(attempt, 0, 0, 0)
            attempt_submit(attempt)
    Invitation.objects.filter(pk=people["Ann Advanced"].pk).update(decision="advanced")
    Invitation.objects.filter(pk=people["Rex Rejected"].pk).update(decision="rejected")
    for name in ("Sue Submitted", "Rob Reviewed"):
        people[name], _ = factories.make_invitation(written, name=name)
        attempt = attempt_start(people[name])
        answer_save(attempt, 0, "Noisy statistics.", 0)
        attempt_submit(attempt)
    answer_review(people["Rob Reviewed"].attempt.answers.get(), 1.0, recruiter)
    other = factories.make_assessment(factories.make_org("globex"), [bank["single"]])
    factories.make_invitation(other, name="Olga Other")
    return people


def url(name="candidates"):
    return reverse(f"org:{name}", args=["acme"])


def test_every_candidate_shows_their_stage_and_no_other_organizations(client, pipeline, org):
    stages = {inv.candidate_name: inv.stage for inv in candidates_list(org)}
    assert stages == {
        "Ivy Invited": "invited",
        "Stan Started": "started",
        "Sue Submitted": "submitted",
        "Gail Graded": "graded",
        "Rob Reviewed": "reviewed",
        "Ann Advanced": "advanced",
        "Rex Rejected": "rejected",
    }
    assert stage_counts(org) == dict.fromkeys(stages.values(), 1)
    page = client.get(url()).content.decode()
    assert "Olga Other" not in page and "Gail Graded" in page
    assert "7 candidates" in page


def test_filters_and_search_narrow_the_list(client, pipeline, org):
    page = client.get(url(), {"stage": "graded"}).content.decode()
    assert "Gail Graded" in page and "Ivy Invited" not in page
    written = org.assessments.get(title="Written screen")
    page = client.get(url(), {"assessment": written.pk}).content.decode()
    assert "Sue Submitted" in page and "Rob Reviewed" in page and "Gail Graded" not in page
    page = client.get(url(), {"q": "stan@"}).content.decode()
    assert "Stan Started" in page and "Sue Submitted" not in page
    assert client.get(url(), {"stage": "nonsense", "assessment": "x"}).status_code == 200


def test_bulk_advance_reject_remind_and_export(client, pipeline):
    ids = lambda *names: [pipeline[n].pk for n in names]  # noqa: E731
    client.post(url(), {"action": "advance", "selected": ids("Gail Graded", "Rob Reviewed")})
    assert set(
        Invitation.objects.filter(decision="advanced").values_list("candidate_name", flat=True)
    ) == {"Gail Graded", "Rob Reviewed", "Ann Advanced"}
    client.post(url(), {"action": "reject", "selected": ids("Sue Submitted")})
    assert Invitation.objects.get(pk=pipeline["Sue Submitted"].pk).decision == "rejected"

    Invitation.objects.filter(pk=pipeline["Ivy Invited"].pk).update(send_count=1)  # emailed once
    page = client.post(
        url(), {"action": "remind", "selected": ids("Ivy Invited", "Stan Started")}, follow=True
    ).content.decode()
    assert [m.to for m in mail.outbox] == [["ivy@example.com"]]
    assert mail.outbox[0].subject.startswith("Reminder:") and "/t/" in mail.outbox[0].body
    assert "1 candidate reminded." in page and "Skipped Stan Started" in page

    export = client.post(url(), {"action": "export", "selected": ids("Gail Graded", "Ivy Invited")})
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert {(r["candidate"], r["stage"]) for r in rows} == {
        ("Gail Graded", "advanced"),
        ("Ivy Invited", "invited"),
    }
    scores = {r["candidate"]: r["score_percent"] for r in rows}
    assert scores == {"Gail Graded": "100.0", "Ivy Invited": ""}


def test_bulk_actions_never_touch_another_organizations_candidates(client, pipeline):
    olga = Invitation.objects.get(candidate_name="Olga Other")
    client.post(url(), {"action": "reject", "selected": [olga.pk]})
    olga.refresh_from_db()
    assert olga.decision == ""
    assert client.post(url(), {"action": "advance"}).status_code == 302  # nothing ticked


def test_reviewers_do_not_manage_candidates(client, db, org, django_user_model):
    user = django_user_model.objects.create_user("vic", password="pw-xyz-12345678")
    Membership.objects.create(user=user, organization=org, role=Role.REVIEWER)
    client.force_login(user)
    assert client.get(url()).status_code == 403


def test_extra_time_at_invitation_lengthens_the_deadline(client, recruiter, org, bank):
    assessment = factories.make_assessment(org, [bank["single"]], minutes=30)
    invite = reverse("org:invitations", args=["acme", assessment.pk])
    client.post(
        invite, {"candidate_name": "Al", "candidate_email": "al@example.com", "extra_percent": 50}
    )
    client.post(
        invite,
        {
            "candidate_name": "Bo",
            "candidate_email": "bo@example.com",
            "extra_percent": 25,
            "extra_minutes": 7,
        },
    )
    al, bo = (
        Invitation.objects.get(candidate_name="Al"),
        Invitation.objects.get(candidate_name="Bo"),
    )
    assert (al.extra_minutes, bo.extra_minutes) == (15, 7)
    assert "(45 minutes once you start)" in mail.outbox[0].body
    attempt = attempt_start(al)
    assert attempt.deadline - attempt.started_at == timedelta(minutes=45)
    refused = client.post(
        invite, {"candidate_name": "Cy", "candidate_email": "cy@example.com", "extra_minutes": 601}
    )
    assert refused.status_code == 400


def test_ticked_candidates_are_compared_side_by_side(client, pipeline):
    ids = [pipeline[n].pk for n in ("Gail Graded", "Rob Reviewed", "Ivy Invited")]
    response = client.post(url(), {"action": "compare", "selected": ids})
    assert response.status_code == 302 and "/attempts/compare/?attempt=" in response["Location"]
    page = client.get(response["Location"]).content.decode()
    assert "Gail Graded" in page and "Rob Reviewed" in page and "Ivy Invited" not in page
    assert "The normalization operation" in page and "not asked" in page  # different tests
    one = client.get(reverse("org:attempts_compare", args=["acme"]), {"attempt": ids[0]})
    assert one.status_code == 400


def test_a_reminder_says_reminder_only_when_a_link_was_emailed_before(client, pipeline):
    ivy = pipeline["Ivy Invited"]
    Invitation.objects.filter(pk=ivy.pk).update(send_count=0)  # the ATS mailed its own link
    client.post(url(), {"action": "remind", "selected": [ivy.pk]})
    [first] = mail.outbox
    assert first.subject == "Your test: Normalization screen"
    assert "reminder" not in first.body.lower() and "invites you" in first.body
    client.post(url(), {"action": "remind", "selected": [ivy.pk]})  # now emailed once
    assert mail.outbox[1].subject == "Reminder: your test: Normalization screen"
    assert "A reminder: Acme invited you" in mail.outbox[1].body


def test_an_invitation_whose_first_email_failed_is_not_called_a_reminder(
    client, recruiter, org, bank, monkeypatch
):
    from django.core.mail.backends.locmem import EmailBackend

    from assess.hiring.models import EmailDelivery

    assessment = factories.make_assessment(org, [bank["single"]], minutes=10)
    real_send = EmailBackend.send_messages

    def refuse(self, messages):
        raise OSError("connection refused")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    client.post(
        reverse("org:invitations", args=["acme", assessment.pk]),
        {"candidate_name": "Fay First", "candidate_email": "fay@example.com"},
    )
    fay = Invitation.objects.get(candidate_email="fay@example.com")
    assert fay.delivery in (EmailDelivery.RETRYING, EmailDelivery.FAILED) and not mail.outbox
    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    Invitation.objects.filter(pk=fay.pk).update(delivery=EmailDelivery.FAILED)
    client.post(reverse("org:invitation_change", args=["acme", fay.pk, "retry-email"]))
    [sent] = mail.outbox
    assert sent.subject == "Your test: Normalization screen" and "invites you" in sent.body
