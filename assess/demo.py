"""The demo organization, recruiter and reviewer that `make run` creates."""

import sys
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
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
    # The password that signs in, or "" when it is no longer the demo password (the user
    # changed it): each `make run` leaves existing users as they are.
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


def _demo_user(username: str, email: str, password: str, *, reset: bool, **flags) -> str:
    """Create the demo user with ``password``; an existing one keeps its password (and so
    its signed-in sessions, which Django ties to the password's hash) unless ``reset``.
    Returns the password that signs in, or "" when the user chose another one."""
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    changed = [name for name, value in flags.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, flags[name])
    if created or reset:
        user.set_password(password)
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    # The stored hash compared without the upgrade-on-check that `user.check_password`
    # does: even that would rotate the hash, and sign the user out.
    return password if check_password(password, user.password) else ""


@transaction.atomic
def demo_setup(
    password: str,
    *,
    out: Callable[[str], object] | None = None,
    base_url: str = DEMO_BASE_URL,
    reset_passwords: bool = False,
) -> list[DemoLogin]:
    """Create the demo organization, its users and a candidate's link; development only.

    Idempotent, as `make run` calls it at every start: existing users keep their password
    and sessions (``reset_passwords`` sets them to ``password`` again, which signs them
    out), and the demo candidate keeps one invitation, given a new link."""
    if not settings.DEBUG:
        raise DemoRefused("refusing to create demo users with known passwords when DJANGO_DEBUG=0")
    org, _ = Organization.objects.get_or_create(slug=DEMO_ORG_SLUG, defaults={"name": "Demo Labs"})
    User = get_user_model()
    logins = []
    for username, role, perms in DEMO_USERS:
        signs_in = _demo_user(
            username, f"{username}@demo.example", password, reset=reset_passwords, is_staff=True
        )
        user = User.objects.get(username=username)
        user.user_permissions.set(
            Permission.objects.filter(content_type__app_label="quizzes", codename__in=perms)
        )
        Membership.objects.update_or_create(user=user, organization=org, defaults={"role": role})
        logins.append(DemoLogin(username, signs_in, role))
    signs_in = _demo_user(
        "admin",
        "admin@demo.example",
        password,
        reset=reset_passwords,
        is_staff=True,
        is_superuser=True,
    )
    admin = User.objects.get(username="admin")
    Membership.objects.update_or_create(user=admin, organization=org, defaults={"role": Role.ADMIN})
    logins.append(DemoLogin("admin", signs_in, Role.ADMIN))
    _demo_invitation(org, admin, out or (lambda line: sys.stdout.write(line + "\n")), base_url)
    return logins


DEMO_CANDIDATE_EMAIL = "candidate@demo.example"


def _demo_invitation(org: Organization, user, out: Callable[[str], object], base_url: str) -> None:
    """The demo candidate's link, printed: only the token's hash is stored, so each start
    gives their invitation a new link (the old one stops working). A new invitation only
    once the last one was used to start the test (that attempt stays in the pipeline)."""
    from .hiring.invitations import invitation_create, invitation_new_link

    assessment = demo_assessment(org, user)
    if assessment is None:
        out("No demo assessment: the question bank is empty (run `manage.py loadbank`).")
        return
    unused = (
        assessment.invitations.filter(candidate_email=DEMO_CANDIDATE_EMAIL, attempt__isnull=True)
        .order_by("-pk")
        .first()
    )
    if unused is not None:
        token = invitation_new_link(unused)
    else:
        _, token = invitation_create(
            assessment,
            candidate_name="Demo Candidate",
            candidate_email=DEMO_CANDIDATE_EMAIL,
            created_by=user,
        )
    out(f"Take the demo test as a candidate: {base_url}/t/{token}/")
    out(f"Hiring team pages (sign in as recruiter, reviewer or admin): {base_url}/org/{org.slug}/")
