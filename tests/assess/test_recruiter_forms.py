"""The hiring team's forms: the browser's number limits are the server's, revoking a link
asks first, the email field is styled like the others, and every page has a favicon."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

pytestmark = pytest.mark.usefixtures("emails_sent_at_once")

SITE_CSS = Path(__file__).resolve().parents[2] / "assess" / "static" / "assess" / "site.css"


def url(name, *args):
    return reverse(f"org:{name}", args=["acme", *args])


def number_limits(page: str, name: str) -> tuple[str, str]:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
    return re.search(r'min="(\d+)"', tag).group(1), re.search(r'max="(\d+)"', tag).group(1)


def test_number_fields_carry_the_limits_the_server_enforces(client, recruiter, assessment):
    page = client.get(url("assessment_new")).content.decode()
    assert number_limits(page, "time_limit_minutes") == ("1", "600")
    assert number_limits(page, "pass_mark") == ("0", "100")
    refused = client.post(
        url("assessment_new"), {"title": "X", "time_limit_minutes": 601, "pass_mark": 101}
    )
    assert "Between 1 and 600 minutes." in refused.content.decode()
    assert "A percent, 0 to 100." in refused.content.decode()
    invite = client.get(url("invitations", assessment.pk)).content.decode()
    assert number_limits(invite, "days") == ("1", "90")


def test_revoking_asks_first_and_the_email_field_is_styled(client, recruiter, invitation):
    inv, _ = invitation
    page = client.get(url("invitations", inv.assessment_id)).content.decode()
    revoke = re.search(r"<form[^>]*/revoke/[^>]*>", page).group(0)
    assert 'data-confirm="Revoke the link of Ada Lovelace?' in revoke
    assert "assess/team.js" in page  # the script that asks, a static file (no inline script)
    assert 'type="email"' in page
    assert "input[type=email]" in SITE_CSS.read_text()


def test_every_page_names_a_favicon_and_favicon_ico_finds_it(client, recruiter):
    page = client.get(url("assessment_list")).content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    assert icon.endswith("assess/favicon.svg")
    redirect = client.get("/favicon.ico")
    assert redirect.status_code == 301 and redirect["Location"] == icon


def test_the_invitation_email_carries_the_recruiters_own_words(client, recruiter, assessment):
    from django.core import mail

    client.post(
        url("builder", assessment.pk),
        {
            "title": assessment.title,
            "time_limit_minutes": 60,
            "pass_mark": 60,
            "invitation_message": "Thanks for your time today! Any questions: jobs@acme.test",
        },
    )
    page = client.get(url("invitations", assessment.pk)).content.decode()
    assert "The email carries your message" in page
    client.post(
        url("invitations", assessment.pk),
        {"candidate_name": "Grace Hopper", "candidate_email": "grace@example.com"},
    )
    body = mail.outbox[0].body
    assert (
        "Thanks for your time today! Any questions: jobs@acme.test\n\nOpen your personal link"
        in body
    )
