"""A candidate sent from a fake Greenhouse takes the test in headless chromium, and the
fake Greenhouse, told by our PATCH, reads the graded result from `test_status`; the admin
reads the exchanges on the integrations page (1280 and 390 px) and disconnects it."""

import re

import pytest
from django.core import mail

from assess.celery import app as celery_app
from assess.integrations.connections import connection_connect
from assess.integrations.models import Ats
from assess.models import Membership, Role
from tests.assess import factories
from tests.integrations.fake_greenhouse import FakeGreenhouse

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def greenhouse(live_server, settings, monkeypatch):
    settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS = True  # the fake listens on loopback
    settings.WEBHOOKS_RETRY_BACKOFF_SECONDS = 0
    # The invitation email and the result's PATCH run in the server's thread.
    monkeypatch.setitem(celery_app.conf, "task_always_eager", True)
    org = factories.make_org("acme")
    assessment = factories.make_assessment(org, [factories.make_question("single")])
    _, key = connection_connect(org, Ats.GREENHOUSE)
    fake = FakeGreenhouse(live_server.url, key)
    fake.assessment = assessment
    yield fake
    fake.close()


def test_a_candidate_sent_from_greenhouse_takes_the_test_and_greenhouse_gets_the_result(
    live_server, page, greenhouse, screenshot, django_user_model
):
    status, answer = greenhouse.send_test(
        str(greenhouse.assessment.pk),
        email="kate@example.com",
        application_id=5699620,
        take_home_id="12345",
    )
    assert status == 200
    [email] = mail.outbox
    link = re.search(r"https?://\S+/t/[\w-]+/", email.body).group(0)

    page.goto(link)
    page.check("#notice-confirm")
    page.click("button:has-text('Start the test')")
    page.wait_for_selector("input[type=radio]")
    page.check("label:has-text('dividing by zero') input")
    page.wait_for_selector("#save-status:has-text('Saved at')")
    page.click("text=Review & submit")
    page.click("#submit-test")
    page.wait_for_selector("text=Your test has been submitted")
    screenshot("greenhouse-candidate-submitted")

    [result] = greenhouse.wait_for_results(1)
    assert result.pop("http") == 200
    assert result["partner_status"] == "complete"
    assert result["partner_score"] == 100.0
    assert result["metadata"]["Result"] == "Passed"
    # Polling again later gives the same answer.
    assert greenhouse.test_status(answer["partner_interview_id"]) == (200, result)

    # The admin reads the exchanges on the integrations page and disconnects Greenhouse.
    page.context.clear_cookies()
    admin = django_user_model.objects.create_user("ada", password="greenhouse-page-2026!")
    Membership.objects.create(
        user=admin, organization=greenhouse.assessment.organization, role=Role.ADMIN
    )
    page.goto(f"{live_server.url}/org/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "greenhouse-page-2026!")
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state("load")
    page.goto(f"{live_server.url}/org/acme/settings/integrations/")
    log = page.inner_text("main")
    assert "send_test" in log and "kate@example.com" not in log
    screenshot("integrations-1280")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("integrations-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.set_viewport_size({"width": 1280, "height": 900})
    page.click("button:has-text('Disconnect Greenhouse')")
    page.wait_for_selector("text=Greenhouse is disconnected")
    assert "Not connected" in page.inner_text("#ats-greenhouse")
    refused, _ = greenhouse.send_test(
        str(greenhouse.assessment.pk), email="lin@example.com", application_id=1, take_home_id="1"
    )
    assert refused == 401
