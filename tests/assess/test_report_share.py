"""A recruiter shares a read-only, expiring link to a report with a hiring manager who has
no account; the link shows only that report, and stops at its expiry or when withdrawn."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.models import ReportShare
from assess.review.services import report_share_create, report_share_revoke
from tests.assess import factories


@pytest.fixture
def graded(org, bank):
    assessment = factories.make_assessment(org, [bank["single"]], minutes=10)
    inv, _ = factories.make_invitation(assessment, name="Grace Hopper")
    attempt = attempt_start(inv)
    answer_save(attempt, 0, 0, 0)
    return attempt_submit(attempt)


def test_a_recruiter_shares_a_link_a_manager_without_an_account_can_read(client, recruiter, graded):
    page = client.post(
        reverse("org:report_share", args=["acme", graded.pk]), {"days": 7}
    ).content.decode()
    link = re.search(r"<code>(http://testserver/shared/[\w-]+/)</code>", page).group(1)
    share = ReportShare.objects.get()
    assert (
        share.created_by == recruiter and link.rstrip("/").rsplit("/", 1)[1] not in share.token_hash
    )
    assert timedelta(days=6, hours=23) < share.expires_at - timezone.now() <= timedelta(days=7)

    client.logout()
    shared = client.get(link.removeprefix("http://testserver"))
    body = shared.content.decode()
    assert shared.status_code == 200 and "Grace Hopper" in body and "read-only copy" in body
    assert shared["Referrer-Policy"] == "no-referrer" and "no-cache" in shared["Cache-Control"]
    assert "/review/" not in body and "Share a read-only link" not in body  # nothing to act on


def test_the_shared_link_uses_the_public_address_when_one_is_set(
    client, recruiter, graded, settings
):
    settings.ASSESS_PUBLIC_URL = "https://assess.example.com/"
    page = client.post(
        reverse("org:report_share", args=["acme", graded.pk]), {"days": 7}
    ).content.decode()
    assert re.search(r"<code>https://assess\.example\.com/shared/[\w-]+/</code>", page), page


def test_an_expired_withdrawn_or_unknown_link_is_refused(client, graded):
    share, token = report_share_create(graded, None, days=1)
    ReportShare.objects.filter(pk=share.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = client.get(f"/shared/{token}/")
    assert expired.status_code == 410 and "expired" in expired.content.decode()
    share, token = report_share_create(graded, None, days=1)
    report_share_revoke(share)
    withdrawn = client.get(f"/shared/{token}/")
    assert withdrawn.status_code == 410 and "withdrawn" in withdrawn.content.decode()
    assert client.get("/shared/not-a-token/").status_code == 404


def test_only_members_may_share_and_the_days_are_bounded(client, recruiter, graded, bank):
    too_long = client.post(reverse("org:report_share", args=["acme", graded.pk]), {"days": 90})
    assert too_long.status_code == 302 and not ReportShare.objects.exists()
    other = factories.make_assessment(factories.make_org("globex"), [bank["single"]])
    inv, _ = factories.make_invitation(other)
    foreign = attempt_start(inv)
    response = client.post(reverse("org:report_share", args=["acme", foreign.pk]), {"days": 7})
    assert response.status_code == 404 and not ReportShare.objects.exists()
