"""Security headers, as a browser or an attacker meets them (sign-in throttling:
test_signin_throttling.py)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from assess.models import Membership, Role

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = [*ROOT.glob("assess/templates/**/*.html"), *ROOT.glob("quizzes/templates/**/*.html")]


@pytest.fixture(autouse=True)
def fast_hashes(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_every_inline_script_in_the_templates_carries_the_csp_nonce():
    offenders = []
    for path in TEMPLATES:
        text = path.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if (
                "src=" not in tag
                and "application/json" not in tag
                and 'nonce="{{ request.csp_nonce }}"' not in tag
            ):
                offenders.append(f"{path.relative_to(ROOT)}: {tag}")
        # Inline event handlers cannot carry a nonce: the policy blocks them.
        for handler in re.findall(r"\son[a-z]+\s*=", text):
            offenders.append(f"{path.relative_to(ROOT)}: {handler.strip()}")
    assert offenders == []


def test_pages_send_a_csp_whose_nonce_matches_their_inline_scripts(
    client, org, assessment, django_user_model
):
    user = django_user_model.objects.create_user("rita", password="pw-rita-12345678")
    Membership.objects.create(user=user, organization=org, role=Role.REVIEWER)
    client.force_login(user)
    response = client.get(reverse("org:assessment_stats", args=[org.slug, assessment.pk]))
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "script-src 'self' 'nonce-" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    tags = re.findall(r"<script(?![^>]*\ssrc=)([^>]*)>", response.content.decode())
    inline = [attrs for attrs in tags if 'type="application/json"' not in attrs]  # data only
    assert inline and all(f'nonce="{nonce}"' in attrs for attrs in inline)
    again = client.get(reverse("org:assessment_stats", args=[org.slug, assessment.pk]))
    assert nonce not in again["Content-Security-Policy"]  # a fresh nonce per response


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/admin/login/"])
def test_library_pages_run_no_inline_script_the_policy_would_block(client, path):
    response = client.get(path)
    assert response.status_code == 200
    script_src = re.search(r"script-src ([^;]*)", response["Content-Security-Policy"]).group(1)
    assert script_src.startswith("'self'") and "unsafe" not in script_src
    tags = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert [t for t in tags if "src=" not in t and "nonce=" not in t] == []
