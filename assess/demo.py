"""The demo organization, recruiter and reviewer that `make run` creates."""

import sys
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from quizzes.models import Kind, Question

from .models import Assessment, Membership, Organization, Role, Section

DEMO_ORG_SLUG = "demo"
# (username, role, bank permissions): the recruiter browses the bank, the reviewer
# (who also curates content) may edit it.
DEMO_USERS = (
    ("recruiter", Role.RECRUITER, ("view_question", "view_topic", "view_questionversion")),
    (
        "reviewer",
        Role.REVIEWER,
        ("view_question", "change_question", "add_question", "view_topic", "view_questionversion"),
    ),
)


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


class DemoRefused(RuntimeError):
    pass


DEMO_ASSESSMENT_TITLE = "Normalization screen (demo)"
DEMO_BASE_URL = "http://127.0.0.1:8000"
# (kind, how many): a short test with one question of every kind a candidate meets.
DEMO_MIX = (
    (Kind.SINGLE_CHOICE, 2),
    (Kind.MULTIPLE_CHOICE, 1),
    (Kind.NUMERIC, 1),
    (Kind.WRITTEN, 1),
    (Kind.CODING, 1),
)


def demo_assessment(org: Organization, user) -> Assessment | None:
    """The demo assessment (created once, from whatever the loaded bank holds); None when
    the bank is empty (run `manage.py loadbank` first)."""
    existing = org.assessments.filter(title=DEMO_ASSESSMENT_TITLE).first()
    if existing is not None:
        return existing
    picked: list[Question] = []
    usable = Question.objects.hiring().order_by("level", "key")
    for kind, count in DEMO_MIX:
        picked += list(usable.filter(kind=kind)[:count])
    if not picked:
        return None
    assessment = Assessment.objects.create(
        organization=org,
        title=DEMO_ASSESSMENT_TITLE,
        created_by=user,
        time_limit_minutes=45,
        pass_mark=60,
        instructions="A short demo: multiple choice, a number to compute, a written answer and a small "
        "NumPy function. Your answers are saved as you go.",
    )
    section = Section.objects.create(assessment=assessment, title="Normalization", position=0)
    from .hiring.services import section_set_picks

    section_set_picks(section, picked)
    return assessment


@transaction.atomic
def demo_setup(
    password: str, *, out: Callable[[str], object] | None = None, base_url: str = DEMO_BASE_URL
) -> list[DemoLogin]:
    """Create (or refresh) the demo organization and its users; development only."""
    if not settings.DEBUG:
        raise DemoRefused("refusing to create demo users with known passwords when DJANGO_DEBUG=0")
    org, _ = Organization.objects.get_or_create(slug=DEMO_ORG_SLUG, defaults={"name": "Demo Labs"})
    User = get_user_model()
    logins = []
    for username, role, perms in DEMO_USERS:
        user, _ = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@demo.example"}
        )
        user.is_staff = True
        user.set_password(password)
        user.save()
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="quizzes", codename__in=perms)
        )
        Membership.objects.update_or_create(user=user, organization=org, defaults={"role": role})
        logins.append(DemoLogin(username, password, role))
    admin, _ = User.objects.get_or_create(
        username="admin", defaults={"email": "admin@demo.example"}
    )
    admin.is_staff = admin.is_superuser = True
    admin.set_password(password)
    admin.save()
    Membership.objects.update_or_create(user=admin, organization=org, defaults={"role": Role.ADMIN})
    logins.append(DemoLogin("admin", password, Role.ADMIN))
    _demo_invitation(org, admin, out or (lambda line: sys.stdout.write(line + "\n")), base_url)
    return logins


def _demo_invitation(org: Organization, user, out: Callable[[str], object], base_url: str) -> None:
    """A fresh invitation to the demo assessment, printed: the token exists only now."""
    from .hiring.invitations import invitation_create

    assessment = demo_assessment(org, user)
    if assessment is None:
        out("No demo assessment: the question bank is empty (run `manage.py loadbank`).")
        return
    _, token = invitation_create(
        assessment,
        candidate_name="Demo Candidate",
        candidate_email="candidate@demo.example",
        created_by=user,
    )
    out(f"Take the demo test as a candidate: {base_url}/t/{token}/")
    out(f"Hiring team pages (sign in as recruiter, reviewer or admin): {base_url}/org/{org.slug}/")
