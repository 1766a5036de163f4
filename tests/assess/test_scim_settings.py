"""The admin's SCIM settings on the organization's settings page: the token is made or
rotated there, shown once and stored only as a hash; only the organization's admins reach
it; the groups' roles are set there, with a clear message for a bad line."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse

from assess.audit.models import AuditEvent
from assess.models import Membership, Role
from assess.scim.models import Directory, DirectoryUser
from tests.assess import factories
from tests.assess.scim_support import DirectoryClient, role_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(db, django_user_model):
    acme, globex = factories.make_org("acme"), factories.make_org("globex")

    def signed_in(name, org, role):
        user = django_user_model.objects.create_user(name)
        Membership.objects.create(user=user, organization=org, role=role)
        client = Client()
        client.force_login(user)
        return client

    return {
        "acme": acme,
        # acme's admin: the one who connects acme's directory.
        "admin": signed_in("ada", acme, Role.ADMIN),
        # acme's recruiter: works in acme, does not run it.
        "recruiter": signed_in("rita", acme, Role.RECRUITER),
        # globex's admin: an admin, of another organization.
        "other_admin": signed_in("olga", globex, Role.ADMIN),
    }


def rotate_url():
    return reverse("org:scim_token_rotate", args=["acme"])


def test_the_admin_makes_a_token_that_is_shown_once_and_stored_hashed(people):
    page = people["admin"].get(reverse("org:org_settings", args=["acme"]))
    assert "No SCIM token yet." in page.text
    made = people["admin"].post(rotate_url())
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    token = re.search(r'value="(nsc_[^"]+)"', made.text).group(1)
    stored = Directory.objects.get(organization=people["acme"])
    assert stored.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Directory.objects.values().get())
    settings_page = people["admin"].get(reverse("org:org_settings", args=["acme"])).text
    assert token not in settings_page and stored.prefix in settings_page
    # The token works; after a rotation it no longer does.
    assert Client().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    people["admin"].post(rotate_url())
    assert Client().get("/scim/v2/Users", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    made = AuditEvent.objects.filter(event="scim.token_created", organization=people["acme"])
    assert [e.details["replaced_previous"] for e in made.order_by("pk")] == [False, True]
    assert {e.actor_label for e in made} == {"ada"}
    assert not any(token in str(e.details) for e in made)


def test_only_the_organizations_admins_reach_the_token(people):
    assert people["recruiter"].post(rotate_url()).status_code == 403
    assert people["other_admin"].post(rotate_url()).status_code == 404
    assert Client().post(rotate_url()).status_code == 302  # to the sign-in page
    assert people["admin"].get(rotate_url()).status_code == 405
    assert not Directory.objects.exists()


def test_the_admin_maps_groups_to_roles_and_members_follow_at_once(people):
    idp = DirectoryClient(people["acme"])
    ada = idp.create_user("ada@acme.com")
    idp.create_group("NormAssess Hiring", [ada["id"]])
    assert role_of("ada@acme.com", people["acme"]) is None
    url = reverse("org:scim_group_roles", args=["acme"])
    response = people["admin"].post(
        url, {"mapping": "NormAssess Hiring = recruiter\nSecOps = admin"}
    )
    assert response.status_code == 302
    assert role_of("ada@acme.com", people["acme"]) == Role.RECRUITER
    changed = AuditEvent.objects.get(event="scim.group_roles_changed")
    assert (
        changed.actor_label == "ada"
        and "normassess hiring = recruiter" in changed.details["groups"]
    )
    page = people["admin"].get(reverse("org:org_settings", args=["acme"])).text
    assert "normassess hiring = recruiter" in page
    assert people["recruiter"].post(url, {"mapping": "x = admin"}).status_code == 403
    assert DirectoryUser.objects.count() == 1


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ("Hiring", "write &#x27;Group name = role&#x27;"),
        ("Hiring = superuser", "the role must be one of"),
        ("= admin", "write &#x27;Group name = role&#x27;"),
        ("Hiring\x00 = admin", "NUL"),
        ("\n".join(f"g{i} = admin" for i in range(101)), "At most 100 groups"),
        ("x" * 20_001, "at most 20000 characters"),
    ],
)
def test_a_bad_mapping_gets_a_clear_message(people, mapping, message):
    Directory.rotate(people["acme"])
    url = reverse("org:scim_group_roles", args=["acme"])
    response = people["admin"].post(url, {"mapping": mapping})
    assert response.status_code == 400
    assert message in response.text
    assert Directory.objects.get().group_roles == {}
