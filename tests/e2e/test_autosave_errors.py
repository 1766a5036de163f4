"""The candidate's page tells a refusal from a broken connection or a server error: a 4xx is
shown and not retried (the same answer would be refused again), a 5xx or a network failure
is retried with a growing pause."""

import json
import time

import pytest

from assess.attempts.services import attempt_start
from tests.assess import factories

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_autosave_stops_on_a_refusal_and_retries_server_and_network_errors(live_server, page):
    bank = factories.make_bank("written")
    assessment = factories.make_assessment(factories.make_org(), [bank["written"]])
    invitation, token = factories.make_invitation(assessment)
    attempt_start(invitation)
    page.goto(f"{live_server.url}/t/{token}/q/1/")
    status = page.locator("#save-status")
    saves = []
    reply = {"kind": "refuse"}

    def answer(route):
        saves.append(time.monotonic())
        if reply["kind"] == "refuse":
            route.fulfill(
                status=400,
                content_type="application/json",
                body=json.dumps({"error": "The answer contains a NUL character."}),
            )
        elif reply["kind"] == "server":
            route.fulfill(status=500, content_type="text/html", body="<h1>Server Error</h1>")
        else:
            route.abort("failed")

    page.route("**/q/1/save/", answer)

    page.fill("#written", "First words")
    page.wait_for_selector("#save-status:has-text('The answer contains a NUL character')")
    assert "Change the answer to try again" in status.inner_text()
    page.wait_for_timeout(4000)
    assert len(saves) == 1  # a refusal is not retried

    reply["kind"] = "server"
    page.fill("#written", "Second words")
    page.wait_for_selector("#save-status:has-text('the server had a problem (HTTP 500)')")
    page.wait_for_timeout(3500)
    assert len(saves) >= 3  # the first try and at least one retry

    reply["kind"] = "network"
    page.wait_for_selector("#save-status:has-text('the connection failed')", timeout=20_000)
    page.unroute("**/q/1/save/")  # the connection is back: the retry saves for real
    page.wait_for_selector("#save-status:has-text('Saved at')", timeout=40_000)
    invitation.attempt.answers.get().refresh_from_db()
    assert invitation.attempt.answers.get().response == "Second words"
