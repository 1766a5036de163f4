"""SCIM 2.0 provisioning as an identity provider drives it: users and groups created,
found by userName, replaced, patched, deactivated and deleted; groups give roles; a
deactivated person is locked out within one request; one organization's token never
sees or touches another's directory."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from assess.api.models import ApiToken
from assess.audit.models import AuditEvent
from assess.models import Membership, Role
from assess.scim.models import Directory
from tests.assess import factories
from tests.assess.scim_support import (
    ERROR_SCHEMA,
    GROUP_SCHEMA,
    PATCH_SCHEMA,
    USER_SCHEMA,
    DirectoryClient,
    role_of,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def acme(db):
    return factories.make_org("acme")


@pytest.fixture
def idp(acme):
    """acme's directory, with its token."""
    return DirectoryClient(acme)


def test_directory_creates_a_user_and_finds_it_by_username(idp):
    created = idp.create_user(
        "ada@acme.com",
        name={"givenName": "Ada", "familyName": "Lovelace"},
        emails=[{"value": "ada@acme.com", "primary": True}],
        externalId="okta-1",
        active=True,
    )
    assert created["userName"] == "ada@acme.com" and created["active"] is True
    assert created["meta"]["location"].endswith(f"/scim/v2/Users/{created['id']}")
    user = get_user_model().objects.get(username="ada@acme.com")
    assert (user.first_name, user.email, user.has_usable_password()) == (
        "Ada",
        "ada@acme.com",
        False,
    )

    found = idp.call("get", 'Users?filter=userName eq "ADA@acme.com"').json()
    assert found["totalResults"] == 1 and found["Resources"][0]["id"] == created["id"]
    missing = idp.call("get", 'Users?filter=userName eq "nobody@acme.com"').json()
    assert missing["totalResults"] == 0 and missing["Resources"] == []
    read = idp.call("get", f"Users/{created['id']}").json()
    assert read["name"]["familyName"] == "Lovelace" and read["externalId"] == "okta-1"


def test_every_change_is_in_the_organizations_audit_trail(idp, acme):
    ada = idp.create_user("ada@acme.com")
    group = idp.create_group("Admin", [ada["id"]])
    idp.call("put", f"Users/{ada['id']}", {"schemas": [USER_SCHEMA], "userName": "ada@acme.com"})
    idp.call("delete", f"Groups/{group['id']}")
    idp.call("delete", f"Users/{ada['id']}")
    trail = list(
        AuditEvent.objects.filter(organization=acme).order_by("pk").values_list("event", flat=True)
    )
    assert trail == [
        "scim.user_created",
        "scim.group_created",
        "role.changed",  # none -> admin
        "scim.user_updated",
        "scim.group_deleted",
        "role.changed",  # admin -> none
        "scim.user_deactivated",
        "scim.user_deleted",
    ]


def test_groups_give_roles_and_a_group_mapping_to_no_role_gives_none(idp, acme):
    ada = idp.create_user("ada@acme.com")
    bob = idp.create_user("bob@acme.com")
    assert role_of("ada@acme.com", acme) is None  # no group yet: no access
    idp.create_group("Reviewer", [ada["id"]])
    idp.create_group("Engineering", [bob["id"]])
    assert role_of("ada@acme.com", acme) == Role.REVIEWER
    assert role_of("bob@acme.com", acme) is None
    admins = idp.create_group("Admin", [])
    response = idp.call(
        "patch",
        f"Groups/{admins['id']}",
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": ada["id"]}]}],
        },
    )
    assert response.status_code == 200, response.content
    assert role_of("ada@acme.com", acme) == Role.ADMIN
    response = idp.call(
        "patch",
        f"Groups/{admins['id']}",
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "remove", "path": f'members[value eq "{ada["id"]}"]'}],
        },
    )
    assert response.status_code == 200, response.content
    assert role_of("ada@acme.com", acme) == Role.REVIEWER
    assert idp.call("delete", f"Groups/{admins['id']}").status_code == 204
    read = idp.call("get", f"Users/{ada['id']}").json()
    assert [g["display"] for g in read["groups"]] == ["Reviewer"]


def test_deactivation_locks_the_person_out_within_one_request(idp, acme, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    ada = idp.create_user("ada@acme.com")
    idp.create_group("Recruiter", [ada["id"]])
    user = get_user_model().objects.get(username="ada@acme.com")
    user.set_password("pw-ada-12345678")
    user.save()
    credentials = {"username": "ada@acme.com", "password": "pw-ada-12345678"}
    assert Client().post("/org/login/", credentials).status_code == 302
    browser = Client()
    assert browser.post("/org/login/", credentials).status_code == 302
    assert browser.get("/org/acme/assessments/").status_code == 200
    _, raw = ApiToken.issue(acme, "ada's script", created_by=user)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.get("/api/v1/assessments/").status_code == 200

    response = idp.call(
        "patch",
        f"Users/{ada['id']}",
        {
            "schemas": [PATCH_SCHEMA],
            "Operations": [{"op": "replace", "path": "active", "value": False}],
        },
    )
    assert response.status_code == 200 and response.json()["active"] is False
    page = browser.get("/org/acme/assessments/")
    assert page.status_code == 302 and "/org/login/" in page["Location"]
    assert api.get("/api/v1/assessments/").status_code == 401
    assert role_of("ada@acme.com", acme) is None
    deactivated = AuditEvent.objects.get(event="scim.user_deactivated", organization=acme)
    assert deactivated.target_id == str(user.pk)
    # Two sessions: the sign-in checked above and the browser's.
    assert deactivated.details["sessions_ended"] == 2 and deactivated.details["api_revoked"] == 1
    ended = AuditEvent.objects.filter(event="session.ended", details__reason="scim_deactivated")
    assert ended.filter(organization=acme).count() == 2
    assert AuditEvent.objects.filter(
        event="role.changed", organization=acme, details__to="none"
    ).exists()
    refused = Client().post("/org/login/", credentials)
    assert refused.status_code == 200 and "correct username and password" in refused.text

    # Reactivated by a full replace: the role comes back from the group.
    response = idp.call(
        "put",
        f"Users/{ada['id']}",
        {
            "schemas": [USER_SCHEMA],
            "userName": "ada@acme.com",
            "active": True,
        },
    )
    assert response.status_code == 200, response.content
    assert role_of("ada@acme.com", acme) == Role.RECRUITER


def test_delete_removes_the_account(idp, acme):
    ada = idp.create_user("ada@acme.com")
    assert idp.call("delete", f"Users/{ada['id']}").status_code == 204
    assert not get_user_model().objects.filter(username="ada@acme.com").exists()
    gone = idp.call("get", f"Users/{ada['id']}")
    assert gone.status_code == 404 and gone.json()["schemas"] == [ERROR_SCHEMA]
    idp.create_user("ada@acme.com")  # the name is free again


def test_another_organizations_token_sees_and_touches_nothing(idp, acme):
    ada = idp.create_user("ada@acme.com")
    group = idp.create_group("Admin", [ada["id"]])
    globex = DirectoryClient(factories.make_org("globex"))
    assert globex.call("get", "Users").json()["totalResults"] == 0
    assert globex.call("get", 'Users?filter=userName eq "ada@acme.com"').json()["totalResults"] == 0
    for method, path, body in [
        ("get", f"Users/{ada['id']}", None),
        ("put", f"Users/{ada['id']}", {"schemas": [USER_SCHEMA], "userName": "x", "active": False}),
        (
            "patch",
            f"Users/{ada['id']}",
            {
                "schemas": [PATCH_SCHEMA],
                "Operations": [{"op": "replace", "path": "active", "value": False}],
            },
        ),
        ("delete", f"Users/{ada['id']}", None),
        ("get", f"Groups/{group['id']}", None),
        ("delete", f"Groups/{group['id']}", None),
    ]:
        response = globex.call(method, path, body)
        assert response.status_code == 404, (method, path, response.content)
        assert response.json()["schemas"] == [ERROR_SCHEMA]
    # Nor can it put acme's user into one of its own groups.
    response = globex.call(
        "post",
        "Groups",
        {"schemas": [GROUP_SCHEMA], "displayName": "Admin", "members": [{"value": ada["id"]}]},
    )
    assert response.status_code == 400 and response.json()["scimType"] == "invalidValue"
    # Nor take over acme's account by its name.
    response = globex.call("post", "Users", {"schemas": [USER_SCHEMA], "userName": "ada@acme.com"})
    assert response.status_code == 409 and response.json()["scimType"] == "uniqueness"
    assert role_of("ada@acme.com", acme) == Role.ADMIN
    assert get_user_model().objects.get(username="ada@acme.com").is_active
    # Each refusal is in globex's trail; those that named acme's rows are in acme's too.
    refusals = AuditEvent.objects.filter(event="scim.request_refused")
    assert refusals.filter(organization__slug="globex").count() == 8
    assert refusals.filter(organization=acme).count() == 6
    assert all(e.details["status"] == 404 for e in refusals.filter(organization=acme))


def test_a_rotated_token_stops_working_and_no_token_is_a_401(idp, acme):
    old = idp.token
    Directory.rotate(acme)
    response = idp.call("get", "Users")
    assert response.status_code == 401 and response.json()["schemas"] == [ERROR_SCHEMA]
    assert Client().get("/scim/v2/Users").status_code == 401
    assert Directory.objects.get(organization=acme).key_hash != old


def test_a_staff_or_other_organizations_account_is_never_adopted(idp, acme, django_user_model):
    django_user_model.objects.create_user("root@acme.com", is_staff=True)
    local = django_user_model.objects.create_user("rita@acme.com")
    Membership.objects.create(user=local, organization=acme, role=Role.RECRUITER)
    staff = idp.call("post", "Users", {"schemas": [USER_SCHEMA], "userName": "root@acme.com"})
    assert staff.status_code == 409
    # A member of this organization alone is taken over by its directory.
    adopted = idp.create_user("rita@acme.com")
    assert django_user_model.objects.filter(username="rita@acme.com").count() == 1
    assert adopted["userName"] == "rita@acme.com"
