"""A candidate's draw: never two questions of one exclusion group, across sections too,
and over-exposed questions drawn less."""

import pytest

from assess.attempts.services import attempt_start
from assess.hiring.services import section_set_picks
from assess.models import Assessment, Section
from quizzes.models import Question
from tests.assess import factories
from tests.support.population import SimulatedItem, make_items

pytestmark = pytest.mark.django_db

GROUPS = [{"q-00", "q-01", "q-02"}, {"q-03", "q-04"}]


@pytest.fixture
def pool():
    make_items([SimulatedItem(f"q-{n:02d}", 1.0, 0.0, 10.0) for n in range(8)])
    Question.objects.filter(key="q-00").update(excludes=["q-01"])
    Question.objects.filter(key="q-02").update(excludes=["q-01"])  # a chain: one group
    Question.objects.filter(key="q-04").update(excludes=["q-03"])
    return {q.key: q for q in Question.objects.all()}


def _drawn_keys(attempt) -> list[str]:
    return [
        a.question_version.question.key
        for a in attempt.answers.select_related("question_version__question")
    ]


def test_no_attempt_draws_two_questions_of_one_group(pool):
    org = factories.make_org()
    assessment = factories.make_assessment(org, [])
    Section.objects.filter(assessment=assessment).update(draw_count=8)
    for n in range(25):
        invitation, _ = factories.make_invitation(assessment, name=f"Candidate {n}")
        keys = _drawn_keys(attempt_start(invitation))
        assert len(keys) == 5  # two groups and three loners: all a draw can hold
        assert all(len(set(keys) & group) == 1 for group in GROUPS), keys


def test_a_question_chosen_in_an_earlier_section_blocks_its_group_later(pool):
    org = factories.make_org()
    assessment = factories.make_assessment(org, [pool["q-01"]])
    Section.objects.create(assessment=assessment, title="Drawn", position=1, draw_count=8)
    for n in range(15):
        invitation, _ = factories.make_invitation(assessment, name=f"Candidate {n}")
        keys = _drawn_keys(attempt_start(invitation))
        assert keys[0] == "q-01"
        assert not {"q-00", "q-02"} & set(keys), keys


def test_a_question_picked_in_a_later_section_is_never_drawn_by_an_earlier_one(pool):
    """The recruiter picked q-05 into the second section: every candidate gets it there,
    and the first section's draw takes none of it or its group (else the pick would be
    dropped as a repeat and the test would be one question short)."""
    org = factories.make_org()
    assessment = factories.make_assessment(org, [])
    Assessment.objects.filter(pk=assessment.pk).update(shuffle_questions=False)
    # Left for the draw: {q-00, q-01, q-02}, q-06, q-07 (q-04 shares q-03's group).
    Section.objects.filter(assessment=assessment).update(draw_count=3)
    later = Section.objects.create(assessment=assessment, title="Picked", position=1)
    section_set_picks(later, [pool["q-05"], pool["q-03"]])
    for n in range(25):
        invitation, _ = factories.make_invitation(assessment, name=f"Candidate {n}")
        keys = _drawn_keys(attempt_start(invitation))
        assert keys[3:] == ["q-05", "q-03"], keys
        assert {"q-06", "q-07"} <= set(keys[:3]) and len(set(keys[:3]) & GROUPS[0]) == 1, keys


def test_an_over_exposed_question_gives_way_to_fresh_ones(pool, settings):
    settings.QUIZZES_EXPOSURE_LIMIT = 1
    Question.objects.filter(key="q-07").update(seen_by=10_000_000)  # weight 1e-7
    org = factories.make_org()
    assessment = factories.make_assessment(org, [])
    Section.objects.filter(assessment=assessment).update(draw_count=2)
    seen = set()
    for n in range(20):
        invitation, _ = factories.make_invitation(assessment, name=f"Candidate {n}")
        seen.update(_drawn_keys(attempt_start(invitation)))
    assert "q-07" not in seen
    assert len(seen) >= 5
