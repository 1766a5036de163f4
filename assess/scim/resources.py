"""The rows of a directory as SCIM resources and back: what is stored of a resource the
directory sent, and the resource a reader gets (id, meta and the relations added)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from pydantic import ValidationError as PydanticValidationError
from scim2_models import (
    Context,
    Group,
    GroupMember,
    GroupMembership,
    Meta,
    ResponseParameters,
    User,
)

from .models import DirectoryGroup, DirectoryUser
from .protocol import ScimError

# What the platform computes itself and never stores from the directory's body.
_USER_COMPUTED = ("id", "meta", "groups", "password")
_GROUP_COMPUTED = ("id", "meta")
MAX_NAME = 150  # Django's username, first_name and last_name columns


def stored_form(resource: User | Group) -> dict[str, Any]:
    computed = _USER_COMPUTED if isinstance(resource, User) else _GROUP_COMPUTED
    body = resource.model_dump(scim_ctx=Context.DEFAULT)
    return {key: value for key, value in body.items() if key not in computed}


def _meta(row, resource_type: str, base_url: str) -> Meta:
    return Meta(
        resource_type=resource_type,
        created=row.created_at,
        last_modified=row.updated_at,
        location=f"{base_url}{resource_type}s/{row.scim_id}",
    )


def user_resource(row: DirectoryUser, base_url: str) -> User:
    body = {
        **row.resource,
        "id": str(row.scim_id),
        "groups": [
            GroupMembership(
                value=str(group.scim_id),
                display=group.display_name,
                type="direct",
                ref=f"{base_url}Groups/{group.scim_id}",
            ).model_dump(scim_ctx=Context.DEFAULT)
            for group in row.groups.all()
        ]
        or None,
    }
    user = User.model_validate(body, scim_ctx=Context.DEFAULT)
    user.meta = _meta(row, "User", base_url)
    return user


def group_resource(row: DirectoryGroup, base_url: str) -> Group:
    """The group with its members as they are now (a deleted user has left it), each
    with the display name the directory gave it, or their userName."""
    displays = {
        member.get("value"): member.get("display") for member in row.resource.get("members") or []
    }
    body = {
        **row.resource,
        "id": str(row.scim_id),
        "displayName": row.display_name,
        "members": [
            GroupMember(
                value=str(member.scim_id),
                display=displays.get(str(member.scim_id)) or member.user.username,
                type="User",
                ref=f"{base_url}Users/{member.scim_id}",
            ).model_dump(scim_ctx=Context.DEFAULT)
            for member in row.members.select_related("user")
        ]
        or None,
    }
    group = Group.model_validate(body, scim_ctx=Context.DEFAULT)
    group.meta = _meta(row, "Group", base_url)
    return group


def dump(resource: User | Group, *, attributes: ResponseParameters | None = None) -> dict:
    try:
        return resource.model_dump(
            scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=attributes
        )
    except (PydanticValidationError, ValueError) as exc:
        raise ScimError(
            400, f"The attributes asked for are not valid ({exc}).", "invalidPath"
        ) from None


def _invalid(detail: str) -> ScimError:
    return ScimError(400, detail, "invalidValue")


def account_fields(user: User) -> dict[str, str]:
    """The Django user's columns a SCIM User sets, checked as the columns require."""
    username = user.user_name or ""
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise _invalid(
            "userName may hold only letters, digits and @ . + - _ (an email address works)."
        ) from None
    if len(username) > MAX_NAME:
        raise _invalid(f"userName is longer than {MAX_NAME} characters.")
    emails = user.emails or []
    primary = next((e for e in emails if e.primary), emails[0] if emails else None)
    email = (primary.value or "") if primary else ""
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise _invalid("The primary email is not a valid address.") from None
    given = (user.name.given_name if user.name else None) or ""
    family = (user.name.family_name if user.name else None) or ""
    if len(given) > MAX_NAME or len(family) > MAX_NAME:
        raise _invalid(f"name.givenName and name.familyName hold at most {MAX_NAME} characters.")
    return {"username": username, "email": email, "first_name": given, "last_name": family}


def member_ids(group: Group) -> list[str]:
    """The ids of the group's members; only users can be members (no nested groups)."""
    ids = []
    for member in group.members or []:
        if member.type not in (None, "User") or not member.value:
            raise _invalid("A group's members must be users, each with its id as value.")
        ids.append(member.value)
    return ids
