"""Shared pieces of the library tests: personas of two organizations and questions."""

from __future__ import annotations

import textwrap

from assess.library import services
from assess.models import Membership, Role
from tests.assess import factories

PASSWORD = "pw-library-12345678"

SINGLE = textwrap.dedent(
    """\
    id: acme-eps
    kind: single_choice
    topic: normalization-operation
    level: junior
    prompt: What does the epsilon in batch norm's denominator guard against?
    choices:
      - text: A division by zero when a channel's variance is zero.
        correct: true
      - text: Running statistics that follow the batch too slowly.
        correct: false
      - text: An output scale that drifts during fine-tuning.
        correct: false
    explanation: |
      Epsilon is added to the variance before the square root so that a constant channel
      never divides by zero; momentum and gamma do the other jobs.
    """
)

NUMERIC = textwrap.dedent(
    """\
    id: acme-zscore
    kind: numeric
    topic: normalization-operation
    level: junior
    prompt: Mean `{mu}`, variance `{var}`, eps 0. What is the normalized value of `{x}`?
    params:
      x: {uniform: [1.0, 5.0], decimals: 1}
      mu: {uniform: [0.0, 1.0], decimals: 1}
      var: {uniform: [1.0, 4.0], decimals: 1}
    answer: {formula: "(x - mu) / sqrt(var)"}
    tolerance: {abs: 0.005}
    answer_decimals: 3
    explanation: |
      Subtract the mean and divide by the standard deviation (the square root of the
      variance), not by the variance.
    """
)


def make_people(django_user_model, org):
    """acme's admin (writes), a recruiter the admin allowed, one not allowed, and globex's
    admin and recruiter (another organization: never sees acme's library)."""
    other = factories.make_org("globex")

    def user(name, organization, role):
        u = django_user_model.objects.create_user(name, password=PASSWORD)
        Membership.objects.create(user=u, organization=organization, role=role)
        return u

    people = {
        "admin": user("ada", org, Role.ADMIN),
        "author": user("alan", org, Role.RECRUITER),
        "recruiter": user("rita", org, Role.RECRUITER),
        "reviewer": user("victor", org, Role.REVIEWER),
        "other_admin": user("olga", other, Role.ADMIN),
        "other_recruiter": user("otto", other, Role.RECRUITER),
    }
    services.policy_update(org, review_required=False, authors=[people["author"]])
    return people, other


def publish(org, user, source: str):
    """A published library item of `org` written by `user`."""
    item = services.item_create(org, user, source)
    return services.item_publish(item, user)
