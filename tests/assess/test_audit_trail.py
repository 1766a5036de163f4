"""The audit trail as an organization's admin meets it: events recorded with who, when,
from where and on what; a page that filters them and a CSV that a spreadsheet shows as
text; nothing in it can be edited (model, Django admin, database), only the retention purge
removes old events; another organization's admin never sees them."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assess.audit import events
from assess.audit.models import AuditEvent, AuditTrailImmutable
from assess.audit.retention import audit_purge_expired, audit_retention_set
from assess.audit.trail import record_event
from assess.models import Membership, Role
from tests.assess import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db, django_user_model, org):
    other = factories.make_org("globex")

    def user(name, organization, role):
        u = django_user_model.objects.create_user(name, email=f"{name}@example.com")
        Membership.objects.create(user=u, organization=organization, role=role)
        return u

    return {
        # acme's admin: reads acme's trail.
        "admin": user("ada", org, Role.ADMIN),
        # acme's recruiter: works in acme, may not read its trail.
        "recruiter": user("rita", org, Role.RECRUITER),
        # globex's admin: an admin, but of another organization.
        "other_admin": user("olga", other, Role.ADMIN),
        "other_org": other,
    }


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_event_records_actor_organization_address_and_target(people, org):
    rita = people["recruiter"]
    client = signed_in(rita)
    client.get("/")  # a real request, for its address
    request = client.get(reverse("org:home")).wsgi_request
    (row,) = record_event(events.REPORT_VIEWED, request, organization=org, target=rita)
    row = AuditEvent.objects.get(pk=row.pk)
    assert (row.event, row.organization_id, row.actor_id) == ("report.viewed", org.pk, rita.pk)
    assert row.actor_label == "rita@example.com"
    assert row.address == "127.0.0.1"
    assert (row.target_type, row.target_id) == ("auth.user", str(rita.pk))


def test_an_event_outside_any_page_goes_to_each_of_the_actors_organizations(people, org):
    ada = people["admin"]
    Membership.objects.create(user=ada, organization=people["other_org"], role=Role.REVIEWER)
    rows = record_event(events.SIGNIN_SUCCEEDED, actor=ada)
    assert sorted(r.organization_id for r in rows) == sorted([org.pk, people["other_org"].pk])
    (nobody,) = record_event(events.SIGNIN_FAILED, details={"known_account": False})
    assert nobody.organization_id is None


@pytest.mark.parametrize(
    "details", [{"password": "x"}, {"api_token": "x"}, {"candidate_link": "x"}, {"code": "x"}]
)
def test_details_never_carry_secrets_links_or_code(people, details):
    with pytest.raises(ValueError):
        record_event(events.SIGNIN_FAILED, details=details)
    assert not AuditEvent.objects.exists()


def test_details_are_bounded_and_storable(people):
    (row,) = record_event(
        events.SIGNIN_FAILED, details={"reason": "x\0y" * 500, "ratio": float("nan")}
    )
    row = AuditEvent.objects.get(pk=row.pk)
    assert len(row.details["reason"]) == 200 and "\0" not in row.details["reason"]
    assert row.details["ratio"] == "nan"
    with pytest.raises(ValueError):
        record_event("Not An Event!")


def test_an_event_cannot_be_changed_or_deleted_through_the_model(people, org):
    (row,) = record_event(events.ROLE_CHANGED, actor=people["admin"], organization=org)
    row.event = "nothing.happened"
    with pytest.raises(AuditTrailImmutable):
        row.save()
    with pytest.raises(AuditTrailImmutable):
        row.delete()
    with pytest.raises(AuditTrailImmutable):
        AuditEvent.objects.filter(pk=row.pk).update(event="nothing.happened")
    with pytest.raises(AuditTrailImmutable):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=row.pk).event == "role.changed"


def test_the_database_refuses_to_change_or_delete_an_event(people, org):
    (row,) = record_event(events.ROLE_CHANGED, actor=people["admin"], organization=org)
    table = AuditEvent._meta.db_table
    for sql in (
        f"UPDATE {table} SET event = 'x' WHERE id = %s",
        f"DELETE FROM {table} WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [row.pk])
    assert AuditEvent.objects.get(pk=row.pk).event == "role.changed"


def test_the_django_admin_shows_events_read_only(people, org, django_user_model):
    (row,) = record_event(events.ROLE_CHANGED, actor=people["admin"], organization=org)
    root = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client = signed_in(root)
    change = reverse("admin:assess_audit_auditevent_change", args=[row.pk])
    page = client.get(change)
    assert page.status_code == 200 and 'name="event"' not in page.content.decode()
    client.post(change, {"event": "nothing.happened"})
    assert (
        client.get(reverse("admin:assess_audit_auditevent_delete", args=[row.pk])).status_code
        == 403
    )
    assert client.get(reverse("admin:assess_audit_auditevent_add")).status_code == 403
    assert AuditEvent.objects.get(pk=row.pk).event == "role.changed"


def test_the_purge_removes_only_what_each_organizations_retention_says(people, org, settings):
    settings.AUDIT_RETENTION_DAYS = 365
    audit_retention_set(org, 30)
    now = timezone.now()
    acme_old = record_event(events.REPORT_VIEWED, actor=people["admin"], organization=org)[0]
    acme_new = record_event(events.REPORT_VIEWED, actor=people["admin"], organization=org)[0]
    globex = record_event(events.REPORT_VIEWED, actor=people["other_admin"])[0]
    aged = {acme_old.pk: now - timedelta(days=31), globex.pk: now - timedelta(days=100)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL assess_audit.purge = 'on'")  # the purge's key, to age rows
        cursor.execute("ALTER TABLE assess_audit_auditevent DISABLE TRIGGER USER")
        for pk, at in aged.items():
            cursor.execute("UPDATE assess_audit_auditevent SET at = %s WHERE id = %s", [at, pk])
        cursor.execute("ALTER TABLE assess_audit_auditevent ENABLE TRIGGER USER")
    assert audit_purge_expired() == 1
    assert set(AuditEvent.objects.values_list("pk", flat=True)) == {acme_new.pk, globex.pk}


def test_the_admin_filters_and_exports_as_text_a_spreadsheet_will_not_run(
    people, org, django_user_model
):
    rita, ada = people["recruiter"], people["admin"]
    # A member whose email was typed to run a formula in whoever opens the export.
    hostile = django_user_model.objects.create_user("eve", email='=HYPERLINK("http://x")')
    Membership.objects.create(user=hostile, organization=org, role=Role.REVIEWER)
    record_event(events.REPORT_VIEWED, actor=rita, organization=org, details={"note": "a;=1+1"})
    record_event(events.REPORT_VIEWED, actor=hostile, organization=org)
    record_event(events.SIGNIN_SUCCEEDED, actor=ada, organization=org)
    record_event(events.REPORT_VIEWED, actor=people["other_admin"])  # globex's
    client = signed_in(ada)
    url = reverse("org:audit", args=[org.slug])
    page = client.get(url, {"event": "report.viewed"}).content.decode()
    assert "rita@example.com" in page and "signin.succeeded</td>" not in page
    assert "olga@example.com" not in client.get(url).content.decode()
    by_actor = client.get(url, {"actor": "ADA@example.com"}).content.decode()
    assert "signin.succeeded</td>" in by_actor and "rita@example.com</td>" not in by_actor
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert "No event matches" in client.get(url, {"since": tomorrow}).content.decode()

    response = client.get(reverse("org:audit_export", args=[org.slug]), {"event": "report.viewed"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["time (UTC)", "event", "by"]
    assert [r[1:3] for r in rows[1:]] == [
        ["report.viewed", '\'=HYPERLINK("http://x")'],
        ["report.viewed", "rita@example.com"],
    ]
    assert rows[2][6] == "note=a;'=1+1"
    # The export is itself audited.
    assert AuditEvent.objects.filter(event="audit.exported", actor=ada).exists()


def test_only_the_organizations_admins_see_its_trail(people, org):
    record_event(events.REPORT_VIEWED, actor=people["recruiter"], organization=org)
    for name, status in (("other_admin", 404), ("recruiter", 403)):
        client = signed_in(people[name])
        assert client.get(reverse("org:audit", args=[org.slug])).status_code == status
        assert client.get(reverse("org:audit_export", args=[org.slug])).status_code == status
        response = client.post(reverse("org:audit_retention", args=[org.slug]), {"days": "40"})
        assert response.status_code == status
    assert Client().get(reverse("org:audit", args=[org.slug])).status_code == 302


@pytest.mark.parametrize(
    "query",
    [
        {"event": "x\0y"},
        {"actor": "a" * 10_000},
        {"actor": "<script>alert(1)</script>"},
        {"since": "NaN"},
        {"since": "99999-01-01"},
        {"since": "9999-12-31", "until": "9999-12-31"},
        {"since": "2026-05-02", "until": "2026-05-01"},
        {"page": "NaN"},
        {"page": "-1"},
        {"event": ["a", "b"]},
    ],
)
def test_hostile_filters_get_a_clear_answer_never_a_500(people, org, query):
    client = signed_in(people["admin"])
    for name in ("org:audit", "org:audit_export"):
        response = client.get(reverse(name, args=[org.slug]), query)
        assert response.status_code in (200, 400)
        if response.status_code == 400:
            assert 'role="alert"' in response.content.decode()


@pytest.mark.parametrize("days", ["", "NaN", "1e9", "-5", "29", "3651", "x\0", "9" * 400])
def test_a_bad_retention_is_refused_with_a_message(people, org, days):
    client = signed_in(people["admin"])
    response = client.post(reverse("org:audit_retention", args=[org.slug]), {"days": days})
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()


def test_the_admin_sets_the_retention_and_it_is_audited(people, org):
    client = signed_in(people["admin"])
    response = client.post(
        reverse("org:audit_retention", args=[org.slug]), {"days": "90"}, follow=True
    )
    assert "kept 90 days" in response.content.decode()
    row = AuditEvent.objects.get(event="audit.retention_changed")
    assert row.details == {"from_days": 365, "to_days": 90}
