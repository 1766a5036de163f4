"""Security headers and sign-in throttling, as a browser or an attacker meets them."""

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


def _wrong_then_right(client, url: str, username: str, password: str) -> tuple[int, int]:
    statuses = set()
    for n in range(60):
        statuses.add(client.post(url, {"username": username, "password": f"wrong-{n}"}).status_code)
    right = client.post(url, {"username": username, "password": password})
    return statuses, right


@pytest.mark.django_db
def test_sixty_wrong_passwords_lock_the_hiring_team_sign_in_even_for_the_right_one(
    client, django_user_model
):
    django_user_model.objects.create_user("rachel", password="the-right-one-2026")
    statuses, right = _wrong_then_right(
        client, reverse("org:login"), "rachel", "the-right-one-2026"
    )
    assert 429 in statuses
    assert right.status_code == 429
    assert "Too many failed sign-ins" in right.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sixty_wrong_passwords_lock_the_admin_sign_in(client, django_user_model):
    django_user_model.objects.create_superuser("root", "root@example.com", "admin-right-2026")
    statuses, right = _wrong_then_right(client, reverse("admin:login"), "root", "admin-right-2026")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_a_lockout_is_per_account_and_a_few_mistakes_do_not_lock(client, django_user_model):
    django_user_model.objects.create_user("rachel", password="the-right-one-2026")
    django_user_model.objects.create_user("ravi", password="ravi-right-2026")
    url = reverse("org:login")
    for n in range(10):
        client.post(url, {"username": "rachel", "password": f"wrong-{n}"})
    for n in range(3):
        client.post(url, {"username": "ravi", "password": f"wrong-{n}"})
    ok = client.post(url, {"username": "ravi", "password": "ravi-right-2026"})
    assert ok.status_code == 302 and client.session["_auth_user_id"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/", "/admin/login/"])
def test_library_pages_run_no_inline_script_the_policy_would_block(client, path):
    response = client.get(path)
    assert response.status_code == 200
    script_src = re.search(r"script-src ([^;]*)", response["Content-Security-Policy"]).group(1)
    assert script_src.startswith("'self'") and "unsafe" not in script_src
    tags = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert [t for t in tags if "src=" not in t and "nonce=" not in t] == []


def test_the_client_address_trusts_only_the_proxy_s_forwarded_entry(rf, settings):
    from assess.clientip import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9")
    settings.TRUSTED_PROXY_COUNT = 0  # no proxy: the header is the client's own words
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_COUNT = 1  # the proxy appended the address it saw
    assert client_ip(request) == "203.0.113.9"


@pytest.mark.django_db
def test_a_forged_forwarded_header_does_not_dodge_the_lockout(client, django_user_model):
    django_user_model.objects.create_user("rachel", password="the-right-one-2026")
    url = reverse("org:login")
    for n in range(10):
        client.post(
            url,
            {"username": "rachel", "password": f"wrong-{n}"},
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
    right = client.post(
        url,
        {"username": "rachel", "password": "the-right-one-2026"},
        HTTP_X_FORWARDED_FOR="198.51.100.200",
    )
    assert right.status_code == 429
