"""A candidate sent from a fake Greenhouse takes the test in headless chromium, and the
fake Greenhouse, told by our PATCH, reads the graded result from `test_status`; the admin
reads the exchanges on the integrations page (1280 and 390 px) and disconnects it. As
deployed: the web app under gunicorn, the invitation email and the result's PATCH sent by
a real Celery worker, the email through a real SMTP server."""

import re
import time

import pytest

from assess.integrations.connections import connection_connect
from assess.integrations.models import Ats
from assess.models import Membership, Role
from tests.assess import factories
from tests.integrations.fake_greenhouse import FakeGreenhouse
from tests.support.smtp import start_smtp_receiver

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


SECRET_KEY = "greenhouse-e2e-only"


@pytest.fixture
def deployed(gunicorn_server, pipeline, settings):
    """gunicorn and one worker sharing a private queue, a secret key (each unseals what
    another sealed: the candidate's link, the connection's key) and a real SMTP server;
    the base URL and the mailbox."""
    settings.SECRET_KEY = SECRET_KEY  # this process seals the connection's key
    mailbox, controller = start_smtp_receiver()
    env = {
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "GRADER_CPU_QUEUE": pipeline.queue,
        "WEBHOOKS_QUEUE": pipeline.queue,
        "ASSESS_EMAIL_QUEUE": pipeline.queue,
        "EMAIL_URL": f"smtp://{mailbox.host}:{mailbox.port}",
        "WEBHOOKS_ALLOW_PRIVATE_HOSTS": "1",  # the fake listens on loopback
        "WEBHOOKS_RETRY_BACKOFF_SECONDS": "0",
    }
    pipeline.env.update(env)
    pipeline()
    yield gunicorn_server(**env), mailbox
    controller.stop()


@pytest.fixture
def greenhouse(deployed):
    base, _ = deployed
    org = factories.make_org("acme")
    assessment = factories.make_assessment(org, [factories.make_question("single")])
    _, key = connection_connect(org, Ats.GREENHOUSE)
    fake = FakeGreenhouse(base, key)
    fake.assessment = assessment
    yield fake
    fake.close()


def _mail_to(mailbox, address: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in mailbox.messages if address in m.recipients]
        if found:
            return found[0]
        time.sleep(0.2)
    raise AssertionError(f"no email to {address} within {timeout} s")


def test_a_candidate_sent_from_greenhouse_takes_the_test_and_greenhouse_gets_the_result(
    deployed, page, greenhouse, screenshot, django_user_model
):
    base, mailbox = deployed
    status, answer = greenhouse.send_test(
        str(greenhouse.assessment.pk),
        email="kate@example.com",
        application_id=5699620,
        take_home_id="12345",
    )
    assert status == 200
    email = _mail_to(mailbox, "kate@example.com")
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

    [result] = greenhouse.wait_for_results(1, timeout=60)
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
    page.goto(f"{base}/org/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "greenhouse-page-2026!")
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state("load")
    page.goto(f"{base}/org/acme/settings/integrations/")
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
