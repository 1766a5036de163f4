"""The admin's page: connect Greenhouse (the key shown once), rotate it (the old one stops
working), test the connection, read the log; only the organization's admins may."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet

from assess.integrations.credentials import credential_seal, credential_unseal
from assess.integrations.models import AtsConnection
from assess.models import Membership, Role

pytestmark = pytest.mark.django_db


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(f"{key}:".encode()).decode("ascii")


def page_url(org) -> str:
    return f"/org/{org.slug}/settings/integrations/"


def test_connecting_shows_the_key_once_and_greenhouse_can_use_it(admin_client, acme, client):
    AtsConnection.objects.all().delete()
    page = admin_client.get(page_url(acme.org))
    assert b"Not connected" in page.content
    response = admin_client.post(page_url(acme.org) + "greenhouse/connect/")
    assert response.status_code == 302 and "nai_" not in response["Location"]
    shown = admin_client.get(page_url(acme.org)).content.decode()
    key = shown.split('<code id="new-key">')[1].split("</code>")[0]
    assert key.startswith("nai_")
    assert key not in admin_client.get(page_url(acme.org)).content.decode()  # once only
    assert "/integrations/greenhouse/send_test" in shown
    listed = client.get("/integrations/greenhouse/list_tests", HTTP_AUTHORIZATION=basic(key))
    assert listed.status_code == 200


def test_rotating_the_key_stops_the_old_one_at_once(admin_client, acme, client):
    old = acme.key
    admin_client.post(page_url(acme.org) + "greenhouse/connect/")
    assert (
        client.get("/integrations/greenhouse/list_tests", HTTP_AUTHORIZATION=basic(old)).status_code
        == 401
    )
    assert AtsConnection.objects.get().rotated_at is not None


def test_the_key_is_stored_sealed_not_in_clear(acme, settings):
    connection = AtsConnection.objects.get()
    assert acme.key not in connection.key_sealed and acme.key not in connection.key_hash
    assert credential_unseal(connection.key_sealed) == acme.key
    # A Fernet key given in the settings is used instead of the derived one.
    settings.INTEGRATIONS_CREDENTIALS_KEY = Fernet.generate_key().decode()
    assert credential_unseal(connection.key_sealed) is None
    assert credential_unseal(credential_seal("s3cret")) == "s3cret"


def test_testing_the_connection_says_what_greenhouse_will_see(admin_client, acme, client):
    client.get("/integrations/greenhouse/list_tests", HTTP_AUTHORIZATION=basic(acme.key))
    response = admin_client.post(page_url(acme.org) + "greenhouse/check/", follow=True)
    text = response.content.decode()
    assert "The connection works: Greenhouse will see 1 test(s)" in text
    assert "last call from Greenhouse: list_tests" in text
    # The log row is on the page: direction, call, status, timing.
    assert "From the ATS" in text and "list_tests" in text and " ms" in text


def test_testing_a_connection_whose_key_cannot_be_read_says_to_rotate(admin_client, acme, settings):
    settings.INTEGRATIONS_CREDENTIALS_KEY = Fernet.generate_key().decode()
    response = admin_client.post(page_url(acme.org) + "greenhouse/check/", follow=True)
    assert "rotate it" in response.content.decode()


@pytest.mark.parametrize("role", [Role.RECRUITER, Role.REVIEWER])
def test_only_admins_see_the_page(client, acme, role, django_user_model):
    user = django_user_model.objects.create_user(f"u-{role}", password="pw-12345678-x")
    Membership.objects.create(user=user, organization=acme.org, role=role)
    client.force_login(user)
    assert client.get(page_url(acme.org)).status_code == 403
    assert client.post(page_url(acme.org) + "greenhouse/connect/").status_code == 403


def test_another_organizations_admin_gets_a_404(client, acme, globex, django_user_model):
    user = django_user_model.objects.create_user("globex-admin", password="pw-12345678-x")
    Membership.objects.create(user=user, organization=globex.org, role=Role.ADMIN)
    client.force_login(user)
    assert client.get(page_url(acme.org)).status_code == 404
    assert client.post(page_url(acme.org) + "greenhouse/connect/").status_code == 404
    assert AtsConnection.objects.get(organization=acme.org).key_prefix == acme.key[:10]
