"""The notice: the candidate reads what is recorded, who sees it, how long and how to get a
copy or deletion, with the organization's own text and contact, and confirms it before
starting; the confirmation and the notice's version are stored with the attempt."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from assess.models import Attempt, Membership, Role
from assess.privacy.models import AuditAction, NoticeConfirmation, PrivacyAuditEntry
from assess.privacy.notice import CONFIRM_FIELD, VERSION_FIELD
from tests.assess import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(org, django_user_model, settings):
    """The organization's admin, in a browser of their own (the candidate uses `client`)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = django_user_model.objects.create_user("ana", password="pw-ana-12345678")
    Membership.objects.create(user=user, organization=org, role=Role.ADMIN)
    admin = Client()
    admin.force_login(user)
    return admin


def _set_privacy(client, org, **fields):
    data = {"privacy_text": "", "contact": "", "retention_days": "365", "evidence_days": "90"}
    return client.post(reverse("org:privacy_settings", args=[org.slug]), {**data, **fields})


def test_the_landing_page_says_what_is_recorded_before_the_start(client, org, invitation):
    _, token = invitation
    html = client.get(reverse("assess:attempt_landing", args=[token])).content.decode()
    notice = html.split('id="privacy-notice"')[1].split("</section>")[0]
    for words in (
        "What is recorded",
        "the code you write and each run of the sample tests",
        "when you leave this test",
        "Your network address",
        "Who sees it",
        "The hiring team of Acme",
        "kept 365 days after you",
        "signals 90 days",
        "download a copy",
        "erase it",
    ):
        assert words in notice, words
    assert html.index('id="privacy-notice"') < html.index('<button type="submit">Start the test')
    assert f'name="{CONFIRM_FIELD}"' in html and "required" in html


def test_the_organizations_text_contact_and_periods_reach_the_notice(
    admin_client, client, org, invitation
):
    saved = _set_privacy(
        admin_client,
        org,
        privacy_text="Acme Ltd, 1 Main St, is the controller.\nOur DPO answers within 30 days.",
        contact="privacy@acme.example",
        retention_days="180",
        evidence_days="30",
    )
    assert saved.status_code == 302
    settings_page = admin_client.get(reverse("org:org_settings", args=[org.slug])).content.decode()
    assert "privacy@acme.example" in settings_page and "180" in settings_page
    assert PrivacyAuditEntry.objects.get(action=AuditAction.SETTINGS_CHANGED).detail == (
        "attempts 180 days, evidence 30 days"
    )
    _, token = invitation
    html = client.get(reverse("assess:attempt_landing", args=[token])).content.decode()
    assert "Acme Ltd, 1 Main St, is the controller." in html
    assert "Our DPO answers within 30 days." in html
    assert "privacy@acme.example" in html
    assert "kept 180 days" in html and "signals 30 days" in html


def test_the_start_needs_the_confirmation_and_stores_it_with_its_version(
    admin_client, client, org, invitation
):
    inv, token = invitation
    start = reverse("assess:attempt_begin", args=[token])
    refused = client.post(start, {VERSION_FIELD: "1"})
    assert refused.status_code == 400
    assert "Please confirm that you have read" in refused.content.decode()
    assert not Attempt.objects.filter(invitation=inv).exists()
    for hostile in ("", "\x00", "9" * 500, "yes\n"):
        response = client.post(start, {CONFIRM_FIELD: hostile, VERSION_FIELD: hostile})
        assert response.status_code == 400
    # The notice changes while the page is open: the candidate reads it again.
    client.get(reverse("assess:attempt_landing", args=[token]))  # version 1 shown
    _set_privacy(admin_client, org, contact="dpo@acme.example")
    stale = client.post(start, {CONFIRM_FIELD: "yes", VERSION_FIELD: "1"})
    assert stale.status_code == 400 and "has changed" in stale.content.decode()
    assert "dpo@acme.example" in stale.content.decode()
    assert client.post(start, {CONFIRM_FIELD: "yes", VERSION_FIELD: "2"}).status_code == 302
    confirmation = NoticeConfirmation.objects.get(attempt__invitation=inv)
    assert confirmation.notice.number == 2
    assert "dpo@acme.example" in confirmation.notice.text
    # A later change makes a new version; this attempt keeps the one it confirmed.
    _set_privacy(admin_client, org, contact="legal@acme.example")
    other, other_token = factories.make_invitation(inv.assessment, name="Second Person")
    client.get(reverse("assess:attempt_landing", args=[other_token]))
    client.post(
        reverse("assess:attempt_begin", args=[other_token]),
        {CONFIRM_FIELD: "yes", VERSION_FIELD: "3"},
    )
    assert NoticeConfirmation.objects.get(attempt__invitation=other).notice.number == 3
    confirmation.refresh_from_db()
    assert confirmation.notice.number == 2 and "legal@" not in confirmation.notice.text
