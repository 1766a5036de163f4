"""Whatever a directory (or anyone holding a token) sends, the SCIM endpoint answers with
SCIM's Error body and a 4xx: wrong, empty, huge, nested, NUL, NaN and hostile bodies,
filters, parameters and headers. Never a 500, and nothing is written."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model

from assess.scim.models import DirectoryGroup, DirectoryUser
from tests.assess import factories
from tests.assess.scim_support import (
    ERROR_SCHEMA,
    GROUP_SCHEMA,
    PATCH_SCHEMA,
    USER_SCHEMA,
    DirectoryClient,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def idp(db):
    """acme's directory, with its token."""
    return DirectoryClient(factories.make_org("acme"))


def refused(response, status, scim_type=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["schemas"] == [ERROR_SCHEMA] and body["status"] == str(status)
    assert body.get("scimType") == scim_type, body
    assert body["detail"]
    return body["detail"]


def user(**attrs):
    return {"schemas": [USER_SCHEMA], "userName": "ada@acme.com", **attrs}


BAD_USER_BODIES = [
    ("", "invalidSyntax"),
    ("null", "invalidSyntax"),
    ("[]", "invalidSyntax"),
    ('"text"', "invalidSyntax"),
    ("{", "invalidSyntax"),
    (b"\xff\xfe{}", "invalidSyntax"),
    (
        '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": NaN}',
        "invalidSyntax",
    ),
    (
        '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "a\\u0000b"}',
        "invalidSyntax",
    ),
    (
        '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "\\ud800"}',
        "invalidSyntax",
    ),
    (
        '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": 1e400}',
        "invalidSyntax",
    ),
    ("[" * 5000 + "]" * 5000, "invalidSyntax"),
    (json.dumps(user(name={"givenName": {"a": {"b": {"c": {"d": {"e": 1}}}}}})), "invalidSyntax"),
    (json.dumps({"userName": "ada@acme.com"}), "invalidSyntax"),  # no schemas
    (json.dumps({"schemas": "nope", "userName": "ada@acme.com"}), "invalidSyntax"),
    (json.dumps(user(isAdmin=True)), "invalidSyntax"),  # an attribute the schema lacks
    (json.dumps(user(userName=None)), "invalidValue"),
    (json.dumps(user(userName="")), "invalidValue"),
    (json.dumps(user(userName=["ada"])), "invalidValue"),
    (json.dumps(user(userName="ada lovelace")), "invalidValue"),
    (json.dumps(user(userName="<script>alert(1)</script>")), "invalidValue"),
    (json.dumps(user(userName="x" * 151)), "invalidValue"),
    (json.dumps(user(active="yes please")), "invalidValue"),
    (json.dumps(user(emails="ada@acme.com")), "invalidValue"),
    (json.dumps(user(emails=[{"value": "not an address", "primary": True}])), "invalidValue"),
    (json.dumps(user(name={"givenName": "A" * 151})), "invalidValue"),
]


@pytest.mark.parametrize(("raw", "scim_type"), BAD_USER_BODIES)
def test_a_bad_user_body_is_refused_with_scims_error_and_nothing_is_written(idp, raw, scim_type):
    response = idp.call("post", "Users", raw)
    refused(response, 400, scim_type)
    assert not DirectoryUser.objects.exists()
    assert not get_user_model().objects.exists()


def test_a_huge_body_is_refused_before_it_is_read(idp):
    huge = json.dumps(user(displayName="x" * 300_000))
    refused(idp.call("post", "Users", huge), 413, "tooLarge")


def test_a_body_in_another_media_type_is_refused(idp):
    response = idp.client.post(
        "/scim/v2/Users",
        data="userName=ada",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Bearer {idp.token}",
    )
    refused(response, 415, "invalidSyntax")


@pytest.mark.parametrize(
    "header",
    [
        "",
        "Bearer",
        "Bearer ",
        "Basic YWRhOnB3",
        "Bearer nsc_wrong",
        "Bearer " + "x" * 5000,
        "Bearer nsc_\u00e9t\u00e9",
        "Bearer a b",
    ],
)
def test_a_missing_or_wrong_token_is_a_401(idp, header):
    response = idp.client.get("/scim/v2/Users", HTTP_AUTHORIZATION=header)
    refused(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    ("query", "scim_type"),
    [
        ('filter=userName co "a"', "invalidFilter"),
        ('filter=password eq "x"', "invalidFilter"),
        ("filter=userName eq ada", "invalidFilter"),
        ('filter=userName eq "a" or userName eq "b"', "invalidFilter"),
        ("filter=" + "(" * 3000, "invalidFilter"),
        ('filter=userName eq "a%00b"', "invalidFilter"),
        ("startIndex=one", "invalidValue"),
        ("count=99999999999999999999", "invalidValue"),
        ("attributes=userName;drop table", "invalidPath"),
        ("attributes=userName&excludedAttributes=name", "invalidPath"),
    ],
)
def test_a_bad_query_is_refused(idp, query, scim_type):
    refused(idp.call("get", f"Users?{query}"), 400, scim_type)


def test_odd_paging_is_clamped_as_the_rfc_says(idp):
    idp.create_user("ada@acme.com")
    page = idp.call("get", "Users?startIndex=-5&count=-1").json()
    assert (page["startIndex"], page["itemsPerPage"], page["totalResults"]) == (1, 0, 1)


@pytest.mark.parametrize("scim_id", ["nope", "0" * 5000, "%00", "1%20OR%201=1"])
def test_an_id_that_is_no_uuid_is_a_404(idp, scim_id):
    refused(idp.call("get", f"Users/{scim_id}"), 404)
    refused(idp.call("delete", f"Groups/{scim_id}"), 404)


@pytest.mark.parametrize(
    ("operations", "scim_type"),
    [
        ("not a list", "invalidValue"),
        ([{"op": "explode", "path": "active", "value": False}], "invalidValue"),
        ([{"op": "replace", "path": "active", "value": "maybe"}], "invalidValue"),
        ([{"op": "replace", "path": "userName", "value": "bad name!"}], "invalidValue"),
        ([{"op": "replace", "path": "id", "value": "mine"}], "mutability"),
        ([{"op": "replace", "path": "nosuch[[", "value": 1}], "invalidPath"),
        ([{"op": "replace", "path": "active", "value": False}] * 101, "tooMany"),
    ],
)
def test_a_bad_patch_is_refused_and_changes_nothing(idp, operations, scim_type):
    ada = idp.create_user("ada@acme.com", active=True)
    response = idp.call(
        "patch", f"Users/{ada['id']}", {"schemas": [PATCH_SCHEMA], "Operations": operations}
    )
    status = 413 if scim_type == "tooMany" else 400
    assert response.status_code == status, response.content
    assert response.json()["schemas"] == [ERROR_SCHEMA]
    after = idp.call("get", f"Users/{ada['id']}").json()
    assert after["userName"] == "ada@acme.com" and after["active"] is True


def test_a_group_cannot_hold_a_group_or_an_unknown_member(idp):
    other = idp.create_group("Engineering")
    for members in ([{"value": other["id"], "type": "Group"}], [{"value": "nope"}], [{}]):
        body = {"schemas": [GROUP_SCHEMA], "displayName": "Admin", "members": members}
        response = idp.call("post", "Groups", body)
        assert response.status_code in (400, 404), response.content
        assert response.json()["schemas"] == [ERROR_SCHEMA]
    assert list(DirectoryGroup.objects.values_list("display_name", flat=True)) == ["Engineering"]


def test_two_groups_cannot_share_a_name(idp):
    idp.create_group("Admin")
    body = {"schemas": [GROUP_SCHEMA], "displayName": "admin"}
    refused(idp.call("post", "Groups", body), 409, "uniqueness")


def test_unknown_addresses_and_methods_get_scims_error(idp):
    refused(idp.call("get", "Nope"), 404)
    refused(idp.call("get", "Users/a/b"), 404)
    refused(idp.call("delete", "Users"), 405)
    refused(
        idp.call(
            "post", ".search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]}
        ),
        501,
    )
    refused(idp.call("post", "Users/.search", {"schemas": ["nope"]}), 400, "invalidSyntax")
