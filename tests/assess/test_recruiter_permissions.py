"""Every hiring-team page against every persona: a member of another organization, or
someone with no membership, gets a 404 (not even the organization's existence); a member
whose role does not allow the page gets a 403; nobody gets another organization's data."""

from __future__ import annotations

import pytest
from django.urls import reverse

from assess.attempts.services import answer_save, attempt_start, attempt_submit
from assess.models import Invitation, Membership, Role
from tests.assess import factories

PASSWORD = "pw-correct-horse-42"


@pytest.fixture(autouse=True)
def no_worker_ping(monkeypatch):
    """The health panel would ping Celery workers for a second; tests answer for them."""
    monkeypatch.setattr(
        "assess.review.health.workers_alive", lambda: ([{"name": "cpu@test", "kind": "cpu"}], False)
    )


@pytest.fixture
def people(db, django_user_model, org, settings):
    """The personas, each with a comment on why they exist."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
    other = factories.make_org("globex")

    def user(name, memberships=(), **extra):
        u = django_user_model.objects.create_user(name, password=PASSWORD, **extra)
        for organization, role in memberships:
            Membership.objects.create(user=u, organization=organization, role=role)
        return u

    return {
        # Builds assessments and invites in acme; reads acme's reports; no dashboard.
        "recruiter": user("rita", [(org, Role.RECRUITER)]),
        # Scores and re-grades in acme; reads reports; builds nothing.
        "reviewer": user("victor", [(org, Role.REVIEWER)]),
        # Everything in acme.
        "admin": user("ada", [(org, Role.ADMIN)]),
        # A recruiter and an admin of another organization: acme's rows are not theirs.
        "other_recruiter": user("otto", [(other, Role.RECRUITER)]),
        "other_admin": user("olga", [(other, Role.ADMIN)]),
        # Signed in, member of nothing.
        "outsider": user("nobody"),
        # Sees every organization.
        "superuser": user("root", is_superuser=True, is_staff=True),
        # Recruiter in acme but admin in globex: the role is per organization.
        "mixed": user("mia", [(org, Role.RECRUITER), (other, Role.ADMIN)]),
    }


@pytest.fixture
def world(org, assessment, invitation):
    """An acme attempt, submitted, with a coding submission and a written answer."""
    inv, _ = invitation
    attempt = attempt_start(inv)
    answers = {a.kind: a for a in attempt.answers.select_related("question_version")}
    answer_save(attempt, answers["written"].position, "Small batches give noisy statistics.", 0)
    answer_save(attempt, answers["coding"].position, factories.GOOD_LAYERNORM, 0)
    attempt_submit(attempt)
    second, _ = factories.make_invitation(assessment, name="Grace Hopper")
    question = assessment.sections.first().questions.first()
    return {
        "org": org,
        "assessment": assessment,
        "attempt": attempt,
        "answers": answers,
        "invitation": inv,
        "second_invitation": second,
        "section": assessment.sections.first(),
        "question": question,
    }


BUILD_GETS = ["assessment_list", "assessment_new", "builder", "invitations", "question_preview"]
REVIEW_GETS = ["dashboard", "export_csv", "health", "attempt_review", "assessment_stats", "compare"]
REPORT_GETS = ["report"]


def get_url(name: str, w: dict, slug: str = "acme") -> str:
    a, att = w["assessment"], w["attempt"]
    args = {
        "assessment_list": [],
        "assessment_new": [],
        "builder": [a.pk],
        "invitations": [a.pk],
        "question_preview": [w["question"].pk],
        "dashboard": [],
        "export_csv": [],
        "health": [],
        "attempt_review": [att.pk],
        "assessment_stats": [a.pk],
        "compare": [a.pk],
        "report": [att.pk],
    }[name]
    url = reverse(f"org:{name}", args=[slug, *args])
    if name == "compare":
        ids = [w["answers"]["coding"].pk, w["answers"]["coding"].pk]
        url += f"?a={ids[0]}&b={ids[1]}"
    return url


ALLOWED = {
    "recruiter": set(BUILD_GETS + REPORT_GETS),
    "reviewer": set(REVIEW_GETS + REPORT_GETS),
    "admin": set(BUILD_GETS + REVIEW_GETS + REPORT_GETS),
    "superuser": set(BUILD_GETS + REVIEW_GETS + REPORT_GETS),
    "mixed": set(BUILD_GETS + REPORT_GETS),
}


@pytest.mark.parametrize("name", BUILD_GETS + REVIEW_GETS + REPORT_GETS)
def test_each_page_answers_each_persona_by_role_and_organization(client, people, world, name):
    url = get_url(name, world)
    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    for persona, user in people.items():
        client.force_login(user)
        response = client.get(url)
        if persona in ("other_recruiter", "other_admin", "outsider"):
            expected = 404
        else:
            expected = 200 if name in ALLOWED[persona] else 403
        # compare() names the same answer twice: not a pair, so 404 even when allowed.
        if name == "compare" and expected == 200:
            expected = 404
        assert response.status_code == expected, (persona, name, response.status_code)
        if expected != 200:
            body = response.content.decode()
            assert "Ada Lovelace" not in body and "Normalization screen" not in body


def test_another_organizations_admin_gets_404_for_acme_objects_under_their_own_slug(
    client, people, world
):
    """The object lookup is scoped too: globex's admin cannot reach acme's rows by id."""
    client.force_login(people["other_admin"])
    for name in ("builder", "invitations", "attempt_review", "report", "assessment_stats"):
        assert client.get(get_url(name, world, slug="globex")).status_code == 404, name
    w = world
    posts = [
        reverse("org:section_change", args=["globex", w["assessment"].pk, w["section"].pk, "pick"]),
        reverse("org:assessment_copy", args=["globex", w["assessment"].pk]),
        reverse("org:assessment_archive", args=["globex", w["assessment"].pk]),
        reverse("org:invitation_change", args=["globex", w["second_invitation"].pk, "revoke"]),
        reverse("org:answer_score", args=["globex", w["attempt"].pk, w["answers"]["written"].pk]),
        reverse("org:regrade", args=["globex", w["attempt"].pk, w["answers"]["coding"].pk]),
    ]
    for url in posts:
        assert client.post(url, {"question": w["question"].pk, "items": [0]}).status_code == 404, (
            url
        )
    w["second_invitation"].refresh_from_db()
    assert w["second_invitation"].revoked_at is None
    assert not w["answers"]["written"].rubric_reviews.exists()


def test_roles_are_checked_on_every_action(client, people, world):
    w = world
    score = reverse("org:answer_score", args=["acme", w["attempt"].pk, w["answers"]["written"].pk])
    revoke = reverse("org:invitation_change", args=["acme", w["second_invitation"].pk, "revoke"])
    copy = reverse("org:assessment_copy", args=["acme", w["assessment"].pk])
    client.force_login(people["recruiter"])
    assert client.post(score, {"items": [0]}).status_code == 403  # recruiters do not score
    client.force_login(people["reviewer"])
    assert client.post(revoke).status_code == 403  # reviewers do not manage invitations
    assert client.post(copy).status_code == 403
    assert Invitation.objects.get(pk=w["second_invitation"].pk).revoked_at is None
    client.force_login(people["admin"])
    assert client.post(score, {"items": [0]}).status_code == 302
    assert client.post(revoke).status_code == 302
    assert Invitation.objects.get(pk=w["second_invitation"].pk).revoked_at is not None


def test_a_user_in_two_organizations_has_each_organizations_role(client, people, world):
    client.force_login(people["mixed"])
    assert client.get(reverse("org:dashboard", args=["acme"])).status_code == 403  # recruiter here
    assert client.get(reverse("org:dashboard", args=["globex"])).status_code == 200  # admin there
    page = client.get(reverse("org:dashboard", args=["globex"])).content.decode()
    assert "Ada Lovelace" not in page  # globex's dashboard lists none of acme's attempts
    assert client.get(reverse("org:home")).status_code == 200  # chooses between the two


def test_the_export_lists_only_the_organizations_attempts(client, people, world):
    other = factories.make_assessment(factories.make_org("globex"), [world["question"]])
    inv, _ = factories.make_invitation(other, name="Eve Intruder")
    attempt_start(inv)
    client.force_login(people["admin"])
    body = client.get(reverse("org:export_csv", args=["acme"])).content.decode()
    assert "Ada Lovelace" in body and "Eve Intruder" not in body


def test_the_candidate_signal_endpoint_needs_the_link(client, world):
    url = reverse("org:attempt_signals", args=["not-a-token"])
    assert (
        client.post(
            url, b'{"events": [{"kind": "tab_hidden"}]}', content_type="application/json"
        ).status_code
        == 404
    )


def test_sign_in_page_takes_a_non_staff_recruiter_to_their_assessments(client, people, world):
    response = client.post(
        reverse("org:login"), {"username": "rita", "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert "Normalization screen" in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("org:assessment_list", args=["acme"])
