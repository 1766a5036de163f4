"""An organization connected to the fake Lever (`fake_lever.py`), its stage mapped to its
one assessment, and a driver for Lever's signed deliveries."""

from __future__ import annotations

from types import SimpleNamespace

from assess.integrations.lever import lever_options_save
from assess.integrations.lever_oauth import code_exchange, lever_connection
from tests.assess import factories

from .fake_lever import CLIENT_ID, CLIENT_SECRET, FakeLever, opportunity

OPP = "250d8f03-738a-4bba-a671-8a3d73477145"
STAGE = "4b1e3a54-assessment"
OTHER_STAGE = "9a0d2b11-onsite"
USER = "8d49b010-cc6a-4f40-ace5-e86061c677ed"
TOKENS = {"candidateStageChange": "sig-stage-3f9a1c", "candidateArchiveChange": "sig-arch-77b2"}
REDIRECT = "http://testserver/integrations/lever/oauth/callback"


def lever_world(live_server, settings, slug="acme") -> SimpleNamespace:
    org = factories.make_org(slug)
    assessment = factories.make_assessment(org, [factories.make_question("single")])
    fake = FakeLever(
        opportunities={OPP: opportunity(OPP, name="Grace Hopper", email="grace@example.com")}
    )
    settings.LEVER_AUTH_URL = fake.base
    settings.LEVER_API_URL = fake.base + "/v1"
    settings.LEVER_CLIENT_ID, settings.LEVER_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    connection = lever_connection(org)
    code_exchange(connection, fake.grant(REDIRECT), REDIRECT)
    lever_options_save(
        connection,
        stages=f"{STAGE} {assessment.pk}",
        perform_as=USER,
        stage_token=TOKENS["candidateStageChange"],
        archive_token=TOKENS["candidateArchiveChange"],
    )
    url = f"{live_server.url}/integrations/lever/{connection.webhook_id}/webhook"
    return SimpleNamespace(fake=fake, org=org, assessment=assessment, url=url)


def deliver(world, event="candidateStageChange", *, to=STAGE, frm="stage-screen", **signing):
    data = {"opportunityId": OPP, "candidateId": OPP, "contactId": "contact-1"}
    if event == "candidateStageChange":
        data |= {"toStageId": to, "fromStageId": frm}
    else:
        data |= {"toArchived": {"archivedAt": 1_700_000_000_000, "reason": "r-1"}}
    body = FakeLever.signed(event, data, TOKENS[event], **signing)
    return FakeLever.post(world.url, body)
