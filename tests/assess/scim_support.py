"""A SCIM client as an identity provider's directory drives it, for the SCIM tests."""

from __future__ import annotations

import json

from django.test import Client

from assess.models import Membership
from assess.scim.models import Directory

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


class DirectoryClient:
    """An identity provider's SCIM client for one organization."""

    def __init__(self, org):
        _, self.token = Directory.rotate(org)
        self.client = Client()

    def call(self, method, path, body=None, **extra):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {self.token}", **extra}
        if body is not None:
            kwargs["data"] = body if isinstance(body, str | bytes) else json.dumps(body)
            kwargs["content_type"] = "application/scim+json"
        return getattr(self.client, method)(f"/scim/v2/{path}", **kwargs)

    def create_user(self, user_name, **attrs):
        body = {"schemas": [USER_SCHEMA], "userName": user_name, **attrs}
        response = self.call("post", "Users", body)
        assert response.status_code == 201, response.content
        return response.json()

    def create_group(self, name, members=()):
        body = {
            "schemas": [GROUP_SCHEMA],
            "displayName": name,
            "members": [{"value": m} for m in members],
        }
        response = self.call("post", "Groups", body)
        assert response.status_code == 201, response.content
        return response.json()


def role_of(username, org):
    return (
        Membership.objects.filter(user__username=username, organization=org)
        .values_list("role", flat=True)
        .first()
    )
