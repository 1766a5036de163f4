"""Invitation emails through a real SMTP server (aiosmtpd on loopback): sent by the Celery
task in batches, a delivery state per invitation with a retry, and never a link in a log."""

from __future__ import annotations

import logging
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assess.attempts.services import invitation_for_token
from assess.hiring.delivery import BATCH_SIZE
from assess.hiring.models import EmailDelivery, Invitation
from tests.assess import factories

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("emails_sent_at_once")]
LINK = re.compile(r"https?://\S+/t/([A-Za-z0-9_-]{20,})/")


@pytest.fixture
def assessment(org, bank):
    """One question of each kind, with a limit the builder accepts (it refuses to send a
    test estimated longer than its time limit)."""
    return factories.make_assessment(
        org, [bank[k] for k in ("single", "multiple", "numeric", "written", "coding")], minutes=60
    )


def invite(client, assessment, name: str, email: str):
    return client.post(
        reverse("org:invitations", args=[assessment.organization.slug, assessment.pk]),
        {"candidate_name": name, "candidate_email": email},
    )


def tokens_in(receiver) -> list[str]:
    return [m for r in receiver.messages for m in LINK.findall(r.body)]


def test_an_invitation_reaches_the_candidate_through_smtp(
    client, recruiter, assessment, smtp_receiver
):
    page = invite(client, assessment, "Grace Hopper", "grace@example.com")
    assert page.status_code == 200
    [mail] = smtp_receiver.messages
    assert mail.recipients == ["grace@example.com"]
    assert mail.subject == "Your test: Normalization screen"
    [token] = tokens_in(smtp_receiver)
    assert invitation_for_token(token).candidate_name == "Grace Hopper"
    invitation = Invitation.objects.get(candidate_email="grace@example.com")
    assert invitation.delivery == EmailDelivery.SENT and invitation.send_count == 1
    assert invitation.sealed_link == ""  # the link is erased once the server took it
    listing = client.get(
        reverse("org:invitations", args=[assessment.organization.slug, assessment.pk])
    ).content.decode()
    assert 'class="delivery-sent">Sent' in listing


def test_a_csv_is_sent_in_batches_over_one_connection_each(
    client, recruiter, assessment, smtp_receiver
):
    rows = "".join(f"Candidate {n},c{n}@example.com\n" for n in range(BATCH_SIZE * 2 + 7))
    client.post(
        reverse("org:invitations", args=[assessment.organization.slug, assessment.pk]),
        {"csv": "1", "file": SimpleUploadedFile("c.csv", rows.encode(), content_type="text/csv")},
    )
    assert len(smtp_receiver.messages) == BATCH_SIZE * 2 + 7
    assert len({r.peer for r in smtp_receiver.messages}) == 3  # three batches, three logins
    assert len(set(tokens_in(smtp_receiver))) == BATCH_SIZE * 2 + 7
    assert not Invitation.objects.exclude(delivery=EmailDelivery.SENT).exists()


def test_a_refusing_mail_server_shows_failed_and_the_recruiter_retries_the_same_link(
    client, recruiter, assessment, smtp_receiver, settings
):
    settings.ASSESS_EMAIL_MAX_RETRIES = 2
    smtp_receiver.refuse = True  # 451: try again later, to every try
    page = invite(client, assessment, "Ada Lovelace", "ada@example.com")
    invitation = Invitation.objects.get(candidate_email="ada@example.com")
    assert invitation.delivery == EmailDelivery.FAILED and invitation.delivery_tries == 3
    assert "451" in invitation.delivery_error
    shown_link = re.search(r"/t/([A-Za-z0-9_-]{20,})/", page.content.decode()).group(1)
    listing = client.get(
        reverse("org:invitations", args=[assessment.organization.slug, assessment.pk])
    ).content.decode()
    assert 'class="delivery-failed">Failed' in listing and ">Retry</button>" in listing
    smtp_receiver.refuse = False
    client.post(
        reverse(
            "org:invitation_change",
            args=[assessment.organization.slug, invitation.pk, "retry-email"],
        )
    )
    invitation.refresh_from_db()
    assert invitation.delivery == EmailDelivery.SENT
    assert tokens_in(smtp_receiver) == [shown_link]  # the link the recruiter saw, unchanged


def test_a_title_saved_with_a_line_break_still_makes_a_one_line_subject(
    client, recruiter, assessment, smtp_receiver
):
    type(assessment).objects.filter(pk=assessment.pk).update(title="Senior\r\nBcc: x@evil")
    invite(client, assessment, "Grace Hopper", "grace@example.com")
    [mail] = smtp_receiver.messages
    assert mail.subject == "Your test: Senior Bcc: x@evil"
    assert mail.recipients == ["grace@example.com"]


def test_no_log_line_holds_a_candidate_link_during_invite_csv_resend_and_retry(
    client, recruiter, assessment, smtp_receiver, caplog
):
    slug = assessment.organization.slug
    with caplog.at_level(logging.DEBUG):
        invite(client, assessment, "Grace Hopper", "grace@example.com")
        client.post(
            reverse("org:invitations", args=[slug, assessment.pk]),
            {
                "csv": "1",
                "file": SimpleUploadedFile(
                    "c.csv", b"Alan Turing,alan@example.com\n", content_type="text/csv"
                ),
            },
        )
        grace = Invitation.objects.get(candidate_email="grace@example.com")
        client.post(reverse("org:invitation_change", args=[slug, grace.pk, "resend"]))
        smtp_receiver.refuse = True
        alan = Invitation.objects.get(candidate_email="alan@example.com")
        client.post(reverse("org:invitation_change", args=[slug, alan.pk, "resend"]))
        smtp_receiver.refuse = False
        client.post(reverse("org:invitation_change", args=[slug, alan.pk, "retry-email"]))
        for token in tokens_in(smtp_receiver):
            client.get(f"/t/{token}x/")  # a mistyped link: Django logs the 404's path
    tokens = tokens_in(smtp_receiver)
    assert len(tokens) == 4  # Grace twice, Alan twice (the refused try sent nothing)
    logged = caplog.text + "".join(r.getMessage() for r in caplog.records)
    assert "email not sent" in logged  # the failure is logged...
    for token in tokens:
        assert token[:20] not in logged  # ...but no link, nor any part of one


def test_a_new_link_to_copy_replaces_the_old_one_and_cancels_its_failed_email(
    client, recruiter, assessment, smtp_receiver, caplog, settings
):
    """ "New link" (a server without email, a lost email): shown once in the POST's answer,
    never cached, not emailed; the old link stops working and the queued or failed email
    that carried it is cancelled, so it can never deliver a dead link."""
    settings.ASSESS_EMAIL_MAX_RETRIES = 0
    smtp_receiver.refuse = True
    invite(client, assessment, "Ada Lovelace", "ada@example.com")
    invitation = Invitation.objects.get(candidate_email="ada@example.com")
    assert invitation.delivery == EmailDelivery.FAILED and invitation.sealed_link
    old_hash = invitation.token_hash
    smtp_receiver.refuse = False
    url = reverse("org:invitation_change", args=["acme", invitation.pk, "link"])
    with caplog.at_level(logging.DEBUG):
        page = client.post(url)
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    token = LINK.search(page.content.decode()).group(1)
    assert invitation_for_token(token).pk == invitation.pk
    invitation.refresh_from_db()
    assert invitation.token_hash != old_hash
    assert invitation.delivery == EmailDelivery.NOT_EMAILED and invitation.sealed_link == ""
    assert smtp_receiver.messages == []  # nothing emailed, not even the new link
    assert token[:20] not in caplog.text + "".join(r.getMessage() for r in caplog.records)
    # Re-opened, the page shows no link at all: only its hash is kept.
    listing = client.get(reverse("org:invitations", args=["acme", assessment.pk]))
    assert token not in listing.content.decode() and not LINK.search(listing.content.decode())


def test_another_organizations_recruiter_cannot_make_a_new_link(
    client, assessment, django_user_model
):
    from assess.models import Membership, Role

    invitation, _ = factories.make_invitation(assessment)
    stranger = django_user_model.objects.create_user("mallory", password="pw-m-12345678")
    Membership.objects.create(
        user=stranger, organization=factories.make_org("other"), role=Role.ADMIN
    )
    client.force_login(stranger)
    old_hash = invitation.token_hash
    for slug in ("other", "acme"):
        page = client.post(reverse("org:invitation_change", args=[slug, invitation.pk, "link"]))
        assert page.status_code in (403, 404)
    invitation.refresh_from_db()
    assert invitation.token_hash == old_hash
