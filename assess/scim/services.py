"""What a directory's requests do: create, replace, patch and remove its users and groups,
keep each user's role in the organization in step with the groups, and lock a deactivated
person out at once.

A directory owns the accounts it provisions: the Django user's name, email and whether it
may sign in follow the directory, and its role follows the directory's groups.
"""

from __future__ import annotations

import uuid

from allauth.usersessions.models import UserSession
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from scim2_models import Group, PatchOp, SCIMException, User

from assess.accounts.services import sessions_end
from assess.api.models import ApiToken
from assess.audit import events as audit_events
from assess.audit.trail import record_event
from assess.orgs.models import Membership, Organization, Role

from . import events
from .models import Directory, DirectoryGroup, DirectoryUser
from .protocol import ScimError
from .resources import account_fields, member_ids, stored_form

# A person in groups of several roles gets the first of these they hold.
ROLE_PRECEDENCE = (Role.ADMIN, Role.REVIEWER, Role.RECRUITER)


def _not_found(kind: str) -> ScimError:
    return ScimError(404, f"No {kind} with this id in this organization's directory.")


def _parse_id(scim_id: str, kind: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(scim_id))
    except ValueError:
        raise _not_found(kind) from None


def directory_user(org: Organization, scim_id: str, *, lock: bool = False) -> DirectoryUser:
    rows = DirectoryUser.objects.select_related("user")
    if lock:
        rows = rows.select_for_update(of=("self",))
    row = rows.filter(organization=org, scim_id=_parse_id(scim_id, "user")).first()
    if row is None:
        raise _not_found("user")
    return row


def directory_group(org: Organization, scim_id: str, *, lock: bool = False) -> DirectoryGroup:
    rows = DirectoryGroup.objects.select_for_update() if lock else DirectoryGroup.objects
    row = rows.filter(organization=org, scim_id=_parse_id(scim_id, "group")).first()
    if row is None:
        raise _not_found("group")
    return row


def request_refused(org: Organization, request, error: ScimError, scim_id: str | None) -> None:
    """Audits a refused request of a known directory; one that named a user or group of
    another organization is recorded in that organization's trail too."""
    details = {
        "method": request.method,
        "path": request.path[:200],
        "status": error.status,
        "scim_type": error.scim_type or "",
        "detail": error.detail,
    }
    record_event(events.REQUEST_REFUSED, request, organization=org, details=details)
    if error.status != 404 or scim_id is None:
        return
    try:
        wanted = uuid.UUID(str(scim_id))
    except ValueError:
        return
    for model in (DirectoryUser, DirectoryGroup):
        owner = model.objects.filter(scim_id=wanted).exclude(organization=org).first()
        if owner is not None:
            record_event(
                events.REQUEST_REFUSED,
                request,
                organization=owner.organization,
                target=owner,
                details={**details, "detail": "Another organization's SCIM token named this."},
            )


def group_role(org: Organization, display_name: str) -> str:
    """The role a group of this name gives: the admin's mapping on the settings page, or,
    without one, the role the group is named after ("Admin", "reviewer"); "" for none."""
    directory = Directory.objects.filter(organization=org).first()
    mapping = directory.group_roles if directory else {}
    name = display_name.strip().casefold()
    if mapping:
        return mapping.get(name, "")
    return next((role.value for role in Role if name in (role.value, role.label.casefold())), "")


def membership_sync(row: DirectoryUser, request=None) -> None:
    """The user's membership as the directory says: the highest role of their groups while
    active; none when inactive or in no group that maps to a role. A change is audited."""
    roles = set(row.groups.exclude(role="").values_list("role", flat=True))
    role = next((r for r in ROLE_PRECEDENCE if r in roles), None) if row.active else None
    memberships = Membership.objects.filter(user=row.user, organization=row.organization)
    before = memberships.values_list("role", flat=True).first()
    if before == role:
        return
    if role is None:
        memberships.delete()
    else:
        Membership.objects.update_or_create(
            user=row.user, organization=row.organization, defaults={"role": role}
        )
    record_event(
        audit_events.ROLE_CHANGED,
        request,
        organization=row.organization,
        target=row.user,
        details={"from": before or "none", "to": role or "none", "by": "directory (SCIM)"},
    )


def lock_out(row: DirectoryUser, request=None) -> None:
    """The person can do nothing from their next request on: the account cannot sign in,
    their sessions are gone and the API tokens they made for the organization revoked."""
    user = row.user
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    # The sessions 27a's session list tracks end (each audited as session.ended); any
    # other is refused by Django's sign-in check now that the account is inactive.
    ended = sessions_end(
        request,
        UserSession.objects.filter(user=user),
        reason="scim_deactivated",
        organization=row.organization,
    )
    revoked = 0
    for token in ApiToken.objects.filter(
        organization=row.organization, created_by=user, revoked_at__isnull=True
    ):
        token.revoke()
        revoked += 1
    record_event(
        events.USER_DEACTIVATED,
        request,
        organization=row.organization,
        target=user,
        details={"username": user.get_username(), "sessions_ended": ended, "api_revoked": revoked},
    )


def _account_for(org: Organization, fields: dict[str, str], current=None):
    """The Django user the directory may own under this userName: a new one, or an
    existing member of this organization alone not yet owned by a directory. Anyone else
    (another organization's person, staff) makes the name taken."""
    User_ = get_user_model()
    taken = User_.objects.filter(username__iexact=fields["username"])
    if current is not None:
        taken = taken.exclude(pk=current.pk)
        if taken.exists():
            raise ScimError(409, "This userName is already in use.", "uniqueness")
        return current
    existing = taken.first()
    if existing is None:
        user = User_(username=fields["username"])
        user.set_unusable_password()
        return user
    adoptable = (
        not existing.is_superuser
        and not existing.is_staff
        and not DirectoryUser.objects.filter(user=existing).exists()
        and existing.memberships.filter(organization=org).exists()
        and not existing.memberships.exclude(organization=org).exists()
    )
    if not adoptable:
        raise ScimError(409, "This userName is already in use.", "uniqueness")
    return existing


def _write_account(row: DirectoryUser | None, org: Organization, resource: User):
    fields = account_fields(resource)
    user = _account_for(org, fields, current=row.user if row else None)
    for name, value in fields.items():
        setattr(user, name, value)
    user.is_active = resource.active is not False
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise ScimError(409, "This userName is already in use.", "uniqueness") from None
    return user


@transaction.atomic
def user_create(org: Organization, resource: User, request=None) -> DirectoryUser:
    user = _write_account(None, org, resource)
    row = DirectoryUser.objects.create(
        organization=org, user=user, active=user.is_active, resource=stored_form(resource)
    )
    record_event(
        events.USER_CREATED,
        request,
        organization=org,
        target=user,
        details={"username": user.get_username(), "active": row.active},
    )
    membership_sync(row, request)
    if not row.active:
        lock_out(row, request)
    return row


@transaction.atomic
def user_update(org: Organization, scim_id: str, change, request=None) -> DirectoryUser:
    """Replaces the user with `change(row)`, the new resource (a PUT's body, or the stored
    one patched), under a row lock so two updates never interleave."""
    row = directory_user(org, scim_id, lock=True)
    return user_replace(row, change(row), request)


def user_replace(row: DirectoryUser, resource: User, request=None) -> DirectoryUser:
    was_active = row.active
    row.user = _write_account(row, row.organization, resource)
    row.active = row.user.is_active
    row.resource = stored_form(resource)
    row.save(update_fields=["active", "resource", "updated_at"])
    if was_active and not row.active:
        lock_out(row, request)
    elif row.active and not was_active:
        record_event(
            events.USER_REACTIVATED, request, organization=row.organization, target=row.user
        )
    else:
        record_event(
            events.USER_UPDATED,
            request,
            organization=row.organization,
            target=row.user,
            details={"username": row.user.get_username()},
        )
    membership_sync(row, request)
    return row


def patched(resource: User | Group, patch: PatchOp) -> User | Group:
    try:
        patch.patch(resource)
    except SCIMException as exc:
        raise ScimError(exc.status, exc.detail, exc.scim_type or None) from None
    except (ValueError, TypeError) as exc:
        raise ScimError(400, f"The patch cannot be applied ({exc}).", "invalidValue") from None
    return resource


@transaction.atomic
def user_delete(org: Organization, scim_id: str, request=None) -> None:
    """Removes the person: locked out first, then the account goes (every row that named
    them keeps its history with the name cleared)."""
    row = directory_user(org, scim_id, lock=True)
    lock_out(row, request)
    row.active = False
    membership_sync(row, request)
    record_event(
        events.USER_DELETED,
        request,
        organization=org,
        target=row.user,
        details={"username": row.user.get_username()},
    )
    row.user.delete()


def _members(org: Organization, resource: Group) -> list[DirectoryUser]:
    ids = member_ids(resource)
    wanted = {_parse_id(value, "user") for value in ids}
    found = list(DirectoryUser.objects.filter(organization=org, scim_id__in=wanted))
    if len(found) != len(wanted):
        raise ScimError(
            400, "A member is not a user of this organization's directory.", "invalidValue"
        )
    return found


def _write_group(row: DirectoryGroup, resource: Group, request=None) -> DirectoryGroup:
    name = (resource.display_name or "").strip()
    if not name or len(name) > 200:
        raise ScimError(400, "displayName must hold 1 to 200 characters.", "invalidValue")
    before = set(row.members.values_list("pk", flat=True)) if row.pk else set()
    members = _members(row.organization, resource)
    row.display_name = name
    row.role = group_role(row.organization, name)
    row.resource = stored_form(resource)
    created = row.pk is None
    row.save()
    row.members.set(members)
    record_event(
        events.GROUP_CREATED if created else events.GROUP_UPDATED,
        request,
        organization=row.organization,
        target=row,
        details={"group": name, "role": row.role or "none", "members": len(members)},
    )
    touched = before | {member.pk for member in members}
    for member in DirectoryUser.objects.filter(pk__in=touched).select_related("user"):
        membership_sync(member, request)
    return row


@transaction.atomic
def group_create(org: Organization, resource: Group, request=None) -> DirectoryGroup:
    name = (resource.display_name or "").strip()
    if DirectoryGroup.objects.filter(organization=org, display_name__iexact=name).exists():
        raise ScimError(409, "A group with this displayName exists.", "uniqueness")
    return _write_group(DirectoryGroup(organization=org), resource, request)


@transaction.atomic
def group_update(org: Organization, scim_id: str, change, request=None) -> DirectoryGroup:
    row = directory_group(org, scim_id, lock=True)
    return group_replace(row, change(row), request)


def group_replace(row: DirectoryGroup, resource: Group, request=None) -> DirectoryGroup:
    name = (resource.display_name or "").strip()
    clash = DirectoryGroup.objects.filter(organization=row.organization, display_name__iexact=name)
    if clash.exclude(pk=row.pk).exists():
        raise ScimError(409, "A group with this displayName exists.", "uniqueness")
    return _write_group(row, resource, request)


@transaction.atomic
def group_delete(org: Organization, scim_id: str, request=None) -> None:
    row = directory_group(org, scim_id, lock=True)
    members = list(row.members.select_related("user"))
    record_event(
        events.GROUP_DELETED,
        request,
        organization=org,
        target=row,
        details={"group": row.display_name, "role": row.role or "none"},
    )
    row.delete()
    for member in members:
        membership_sync(member, request)


@transaction.atomic
def token_rotate(org: Organization, actor, request=None) -> tuple[Directory, str]:
    """A new SCIM token for the organization; the previous one stops working at once."""
    replaced = Directory.objects.filter(organization=org).exists()
    directory, raw = Directory.rotate(org, created_by=actor)
    record_event(
        events.TOKEN_CREATED,
        request,
        actor=actor,
        organization=org,
        target=directory,
        details={"replaced_previous": replaced, "prefix": directory.prefix},
    )
    return directory, raw


@transaction.atomic
def group_roles_set(
    org: Organization, mapping: dict[str, str], *, actor=None, request=None
) -> None:
    """The admin's group -> role mapping; every group's role and member follows at once."""
    Directory.objects.filter(organization=org).update(group_roles=mapping)
    record_event(
        events.GROUP_ROLES_CHANGED,
        request,
        actor=actor,
        organization=org,
        details={"groups": [f"{group} = {role}" for group, role in sorted(mapping.items())]},
    )
    for group in DirectoryGroup.objects.filter(organization=org):
        group.role = group_role(org, group.display_name)
        group.save(update_fields=["role"])
    for row in DirectoryUser.objects.filter(organization=org).select_related("user"):
        membership_sync(row, request)
