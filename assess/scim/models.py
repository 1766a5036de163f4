"""What an organization's directory has provisioned through SCIM: its bearer token, the
users and the groups, each with the SCIM resource as the directory last sent it.

The users are ordinary Django users with a membership in the organization; the rows here
remember which of them the directory owns, under which id the directory knows them, and
the attributes it sent that the platform itself has no column for (the compliance tester
reads back everything it wrote). Only the sha256 of the token is stored, as for API tokens.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models

from assess.tokens import token_digest

TOKEN_PREFIX = "nsc_"


class Directory(models.Model):
    """An organization's directory: its one bearer token (rotating replaces it) and which
    of its groups give which role."""

    organization = models.OneToOneField(
        "assess.Organization", on_delete=models.CASCADE, related_name="directory"
    )
    # The first characters, to recognise it on the settings page; not a secret.
    prefix = models.CharField(max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    # {casefolded group name: role}; empty: a group named after a role gives that role.
    group_roles = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name_plural = "directories"

    def __str__(self) -> str:
        return f"SCIM token {self.prefix}… of {self.organization}"

    @classmethod
    def rotate(cls, organization, *, created_by=None) -> tuple[Directory, str]:
        """A new token for the organization (the old one stops working) and its raw value,
        which is never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token, _ = cls.objects.update_or_create(
            organization=organization,
            defaults={
                "prefix": raw[:12],
                "key_hash": token_digest(raw),
                "created_by": created_by,
                "last_used_at": None,
            },
        )
        return token, raw


class DirectoryUser(models.Model):
    """A user the organization's directory provisioned."""

    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "assess.Organization", on_delete=models.CASCADE, related_name="directory_users"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_user"
    )
    active = models.BooleanField(default=True)
    # The SCIM User resource as last written, without id, meta and password.
    resource = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.user} from the directory of {self.organization}"


class DirectoryGroup(models.Model):
    """A group of the organization's directory; `role` is the role it gives its members
    (None: the group gives none, e.g. a department the directory pushes anyway)."""

    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organization = models.ForeignKey(
        "assess.Organization", on_delete=models.CASCADE, related_name="directory_groups"
    )
    display_name = models.CharField(max_length=200)
    role = models.CharField(max_length=20, blank=True, default="")
    members = models.ManyToManyField(DirectoryUser, related_name="groups", blank=True)
    resource = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.organization})"
