"""Points through the API: an ATS reads what each pick and each draw is worth, sets them when
it creates an assessment (the builder's rule: a whole number from 1 to 100), and a bad value
is a 400 naming the field, with nothing created."""

import pytest

from assess.attempts.services import attempt_start
from assess.hiring.services import POINTS_ERROR
from assess.models import Assessment, SectionQuestion
from tests.assess import factories

from .conftest import assert_error

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("emails_sent_at_once")]

WEIGHTED = {
    "title": "Weighted screen",
    "sections": [
        {
            "title": "Basics",
            "questions": ["t-single", "t-numeric"],
            "points": {"t-numeric": 5},
        },
        {"title": "Random", "draw": {"count": 1, "level": "junior", "points": 3}},
    ],
}


def create(api, body):
    return api.post("/api/v1/assessments/", body, format="json")


def test_an_ats_sets_and_reads_each_picks_and_each_draws_points(api, acme):
    response = create(api, WEIGHTED)
    assert response.status_code == 201, response.content
    basics, random = response.json()["sections"]
    assert basics["points"] == {"t-single": 1, "t-numeric": 5}
    assert (basics["draw"]["points"], random["draw"]["points"], random["points"]) == (1, 3, {})
    # The same numbers on a later read, and in what the attempts are built from.
    again = api.get(f"/api/v1/assessments/{response.json()['id']}/").json()
    assert again["sections"][0]["points"] == {"t-single": 1, "t-numeric": 5}
    assessment = Assessment.objects.get(pk=response.json()["id"])
    assert sorted(
        SectionQuestion.objects.filter(section__assessment=assessment).values_list(
            "question__key", "points"
        )
    ) == [("t-numeric", 5), ("t-single", 1)]
    assert assessment.sections.get(title="Random").draw_points == 3


def test_an_attempt_of_an_assessment_made_through_the_api_is_scored_with_its_points(api, acme):
    """The results an ATS reads (`possible`) add up the points it set: 1 + 5 + 3."""
    assessment = Assessment.objects.get(pk=create(api, WEIGHTED).json()["id"])
    invitation, _ = factories.make_invitation(assessment, name="Weighted Candidate")
    attempt = attempt_start(invitation)
    results = api.get(f"/api/v1/attempts/{attempt.pk}/").json()["results"]
    assert results["total"]["possible"] == 9
    assert [s["possible"] for s in results["sections"]] == [6, 3]


def test_the_assessments_list_shows_the_points_too(api, acme):
    create(api, WEIGHTED)
    [newest, *_] = api.get("/api/v1/assessments/").json()["results"]
    assert newest["sections"][0]["points"]["t-numeric"] == 5


def _with_pick_points(value):
    return {**WEIGHTED, "sections": [{**WEIGHTED["sections"][0], "points": {"t-numeric": value}}]}


def _with_draw_points(value):
    return {**WEIGHTED, "sections": [{"draw": {"count": 1, "points": value}}]}


@pytest.mark.parametrize("value", [0, -1, 101, 10**15])
@pytest.mark.parametrize(
    "body, field",
    [
        (_with_pick_points, "sections.0.points.t-numeric"),
        (_with_draw_points, "sections.0.draw.points"),
    ],
)
def test_points_out_of_range_are_400_with_the_builders_message(api, acme, value, body, field):
    count = Assessment.objects.count()
    error = assert_error(create(api, body(value)), 400, "invalid")
    assert error["fields"] == {field: [POINTS_ERROR]}
    assert Assessment.objects.count() == count


@pytest.mark.parametrize("value", [2.5, "3", True, None, [3], {"n": 3}, ""])
@pytest.mark.parametrize(
    "body, field", [(_with_pick_points, "t-numeric"), (_with_draw_points, "points")]
)
def test_points_that_are_not_whole_numbers_are_400_naming_the_field(api, acme, value, body, field):
    count = Assessment.objects.count()
    error = assert_error(create(api, body(value)), 400, "invalid")
    assert field in str(error["fields"]) and "Unknown field" not in str(error["fields"]), error
    assert Assessment.objects.count() == count


@pytest.mark.parametrize("raw", [b"NaN", b"Infinity", b"1e400", b"123456789012345678901"])
def test_points_json_cannot_hold_are_refused_before_anything_is_read(api, acme, raw):
    body = (
        b'{"title": "x", "sections": [{"questions": ["t-single"], "points": {"t-single": '
        + raw
        + b"}}]}"
    )
    response = api.generic("POST", "/api/v1/assessments/", body, content_type="application/json")
    assert_error(response, 400, "malformed_json")


@pytest.mark.parametrize("points", [[5], "5", 5])
def test_points_of_a_section_must_be_an_object_by_bank_id(api, acme, points):
    body = {**WEIGHTED, "sections": [{"questions": ["t-single"], "points": points}]}
    error = assert_error(create(api, body), 400, "invalid")
    assert "points" in str(error["fields"]) and "Unknown field" not in str(error["fields"])


def test_points_for_a_question_the_section_does_not_ask_are_refused(api, acme):
    """A typo in a bank id would otherwise leave the question at 1 point without a word."""
    hostile = "<script>" + "x" * 5000
    body = {
        **WEIGHTED,
        "sections": [{"questions": ["t-single"], "points": {"t-singel": 4, hostile: 2}}],
    }
    count = Assessment.objects.count()
    error = assert_error(create(api, body), 400, "invalid")
    [message] = error["fields"]["sections.0.points"]
    assert "'t-singel'" in message and len(message) < 300
    assert Assessment.objects.count() == count
