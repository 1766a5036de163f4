import pytest

from tests.assess import factories


@pytest.fixture
def bank(db):
    """One question of each kind, loaded through the bank's validation."""
    return factories.make_bank()


@pytest.fixture
def org(db):
    return factories.make_org("acme")


@pytest.fixture
def assessment(org, bank):
    """One section with one question of each kind (shown in bank-id order, unshuffled)."""
    return factories.make_assessment(
        org, [bank[k] for k in ("single", "multiple", "numeric", "written", "coding")]
    )


@pytest.fixture
def invitation(assessment):
    """(invitation, token): the candidate's link."""
    return factories.make_invitation(assessment)


@pytest.fixture
def recruiter(client, org, django_user_model, settings):
    """A recruiter of `org`, signed in on `client` (a fast hasher: no test checks its cost)."""
    from assess.models import Membership, Role

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = django_user_model.objects.create_user("rita", password="pw-rita-12345678")
    Membership.objects.create(user=user, organization=org, role=Role.RECRUITER)
    client.force_login(user)
    return user


@pytest.fixture
def reviewer(client, org, django_user_model, settings):
    """A reviewer of `org`, signed in on `client`: reads and scores attempts, builds nothing."""
    from assess.models import Membership, Role

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    user = django_user_model.objects.create_user("victor", password="pw-xyz-12345678")
    Membership.objects.create(user=user, organization=org, role=Role.REVIEWER)
    client.force_login(user)
    return user
