"""The build of a library coding problem from its reference goes through a real Celery
worker and a real Redis: checking the item queues it, the worker runs the reference and its
mutants in its sandbox, and the next check shows a problem ready to publish."""

from __future__ import annotations

import pytest

from assess.library import coding, services
from grader.models import AuthoredProblem, AuthoredStatus
from tests.assess import factories
from tests.support.worker import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

STARTER = coding.STARTER.replace("id: my-question", "id: acme-layer-norm")


def test_checking_a_reference_item_has_a_worker_build_it(pipeline):
    factories.make_topics()
    org = factories.make_org()
    assert services.item_check(org.pk, STARTER).errors == [coding.PENDING]
    assert AuthoredProblem.objects.get(owner=org.pk).status == AuthoredStatus.PENDING
    pipeline()
    wait_for(
        lambda: AuthoredProblem.objects.filter(owner=org.pk, status=AuthoredStatus.BUILT).exists(),
        90,
        pipeline.log,
        "the build",
    )
    checked = services.item_check(org.pk, STARTER)
    assert checked.ok and checked.errors == []
    assert not any("Publishing is refused" in a for a in checked.advice)
