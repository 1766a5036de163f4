"""The demo organization, recruiter and reviewer that `make run` creates."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from .models import Membership, Organization, Role

DEMO_ORG_SLUG = "demo"
# (username, role, bank permissions): the recruiter browses the bank, the reviewer
# (who also curates content) may edit it.
DEMO_USERS = (
    ("recruiter", Role.RECRUITER, ("view_question", "view_topic", "view_questionversion")),
    ("reviewer", Role.REVIEWER, ("view_question", "change_question", "add_question", "view_topic", "view_questionversion")),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


class DemoRefused(RuntimeError):
    pass


@transaction.atomic
def demo_setup(password: str) -> list[DemoLogin]:
    """Create (or refresh) the demo organization and its users; development only."""
    if not settings.DEBUG:
        raise DemoRefused("refusing to create demo users with known passwords when DJANGO_DEBUG=0")
    org, _ = Organization.objects.get_or_create(slug=DEMO_ORG_SLUG, defaults={"name": "Demo Labs"})
    User = get_user_model()
    logins = []
    for username, role, perms in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username, defaults={"email": f"{username}@demo.example"})
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.user_permissions.set(Permission.objects.filter(content_type__app_label="quizzes", codename__in=perms))
        Membership.objects.update_or_create(user=user, organization=org, defaults={"role": role})
        logins.append(DemoLogin(username, password, role))
    admin, _ = User.objects.get_or_create(username="admin", defaults={"email": "admin@demo.example"})
    admin.is_staff = admin.is_superuser = True
    admin.set_password(password)
    admin.save()
    Membership.objects.update_or_create(user=admin, organization=org, defaults={"role": Role.ADMIN})
    logins.append(DemoLogin("admin", password, Role.ADMIN))
    return logins
