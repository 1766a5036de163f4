"""Titles go into email subjects: a line break in one is refused, on the page and the API."""

import pytest
from django.urls import reverse

from assess.hiring.models import Assessment
from assess.orgs.models import Membership, Role

from .conftest import assert_error

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("title", ["Screen\r\nBcc: evil@example.com", "Two\nlines", "a\u2028b"])
def test_the_api_refuses_a_title_with_a_line_break(api, title):
    body = {"title": title, "sections": [{"title": "Basics", "questions": ["t-single"]}]}
    error = assert_error(api.post("/api/v1/assessments/", body, format="json"), 400, "invalid")
    assert "title" in error["fields"]
    section = {"title": "x", "sections": [{"title": title, "questions": ["t-single"]}]}
    assert api.post("/api/v1/assessments/", section, format="json").status_code == 400
    assert not Assessment.objects.filter(title__contains="\n").exists()


def test_the_builder_refuses_a_title_with_a_line_break(client, acme, django_user_model):
    user = django_user_model.objects.create_user("rec", password="pw-rec-12345678")
    Membership.objects.create(user=user, organization=acme.org, role=Role.RECRUITER)
    client.force_login(user)
    before = Assessment.objects.get(pk=acme.assessment.pk).title
    response = client.post(
        reverse("org:builder", args=[acme.org.slug, acme.assessment.pk]),
        {"title": "New\r\nBcc: evil@example.com", "time_limit_minutes": 30, "pass_mark": 60},
    )
    assert response.status_code in (200, 400) and "single line" in response.content.decode()
    assert Assessment.objects.get(pk=acme.assessment.pk).title == before
