"""The admin's page: connect Greenhouse (the key shown once), rotate it (the old one stops
working), test the connection, read the log; only the organization's admins may."""

from __future__ import annotations

import base64

import pytest
from cryptography.fernet import Fernet

from assess.audit.models import AuditEvent
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


def test_the_log_is_read_page_by_page_newest_first(admin_client, acme, globex):
    from assess.integrations.models import AtsExchange

    AtsExchange.objects.bulk_create(
        AtsExchange(connection=acme.connection, direction="in", endpoint=f"call-{i:03}")
        for i in range(120)
    )
    AtsExchange.objects.create(connection=globex.connection, direction="in", endpoint="theirs")
    first = admin_client.get(page_url(acme.org)).content.decode()
    assert first.count("call-") == 50 and "call-119" in first and "Page 1 of 3" in first
    last = admin_client.get(page_url(acme.org), {"page": "3"}).content.decode()
    assert last.count("call-") == 20 and "call-000" in last and "theirs" not in last
    for odd in ("abc", "0", "99", "\x00"):
        assert admin_client.get(page_url(acme.org), {"page": odd}).status_code == 200


def test_the_log_is_purged_after_its_retention(acme, settings):
    from datetime import timedelta

    from django.utils import timezone

    from assess.integrations.models import AtsExchange
    from assess.integrations.pushes import exchanges_purge_expired

    settings.INTEGRATIONS_EXCHANGE_RETENTION_DAYS = 30
    old, recent = (
        AtsExchange.objects.create(connection=acme.connection, direction="in", endpoint=name)
        for name in ("old", "recent")
    )
    AtsExchange.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    assert exchanges_purge_expired() == 1
    assert list(AtsExchange.objects.values_list("endpoint", flat=True)) == ["recent"]
    assert settings.CELERY_BEAT_SCHEDULE["purge-ats-exchanges"]["task"] == (
        "assess.integrations.purge_exchanges"
    )


def test_disconnecting_refuses_the_key_at_once_and_erases_what_we_hold(admin_client, acme, client):
    connection = AtsConnection.objects.get()
    connection.outgoing_key_sealed = credential_seal("their-api-key")
    connection.save()
    response = admin_client.post(page_url(acme.org) + "greenhouse/disconnect/")
    assert response.status_code == 302
    listed = client.get("/integrations/greenhouse/list_tests", HTTP_AUTHORIZATION=basic(acme.key))
    assert listed.status_code == 401
    connection.refresh_from_db()
    assert not connection.active
    assert (connection.key_sealed, connection.outgoing_key_sealed, connection.key_prefix) == (
        "",
        "",
        "",
    )
    trail = AuditEvent.objects.filter(organization=acme.org, event__startswith="integration.")
    assert [(e.event, e.details) for e in trail] == [
        ("integration.disconnected", {"ats": "greenhouse"})
    ]
    page = admin_client.get(page_url(acme.org)).content.decode()
    section = page.split('id="ats-greenhouse"')[1].split("</section>")[0]
    assert "Not connected" in section and "Disconnect" not in section
    # Connecting again makes a new key that works; the old one stays refused.
    admin_client.post(page_url(acme.org) + "greenhouse/connect/")
    shown = admin_client.get(page_url(acme.org)).content.decode()
    key = shown.split('<code id="new-key">')[1].split("</code>")[0]
    assert (
        client.get("/integrations/greenhouse/list_tests", HTTP_AUTHORIZATION=basic(key)).status_code
        == 200
    )
    assert (
        client.get(
            "/integrations/greenhouse/list_tests", HTTP_AUTHORIZATION=basic(acme.key)
        ).status_code
        == 401
    )


def test_only_the_organizations_admin_disconnects(acme, globex, client, django_user_model):
    recruiter = django_user_model.objects.create_user("rita")
    Membership.objects.create(user=recruiter, organization=acme.org, role=Role.RECRUITER)
    client.force_login(recruiter)
    assert client.post(page_url(acme.org) + "greenhouse/disconnect/").status_code == 403
    other_admin = django_user_model.objects.create_user("olga")
    Membership.objects.create(user=other_admin, organization=globex.org, role=Role.ADMIN)
    client.force_login(other_admin)
    assert client.post(page_url(acme.org) + "greenhouse/disconnect/").status_code == 404
    assert client.post(page_url(globex.org) + "nosuch/disconnect/").status_code == 404
    assert AtsConnection.objects.get(organization=acme.org).active
