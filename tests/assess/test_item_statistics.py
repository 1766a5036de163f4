"""Item statistics and exposure from a simulated population of submitted attempts,
through the real draw, the refresh, the command and the task."""

import numpy as np
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from assess.review.item_responses import item_statistics_refresh
from assess.tasks import refresh_item_statistics
from quizzes.classical_item_analysis import FLAG_EASY, FLAG_NEGATIVE
from quizzes.models import AssessmentStatistics, ItemStatistics, Question
from tests.support.irt import population_alpha, population_moments, rank_correlation
from tests.support.population import default_items, simulate_attempts

pytestmark = pytest.mark.django_db

CANDIDATES = 300


@pytest.fixture
def population():
    items = default_items()
    assessment = simulate_attempts(
        items, CANDIDATES, np.random.default_rng(42), numeric_keys=("sim-item-04",)
    )
    return items, assessment


def _whole(assessment_id=None):
    rows = ItemStatistics.objects.filter(variant="").select_related("version__question")
    rows = (
        rows.filter(assessment_id=assessment_id)
        if assessment_id
        else rows.filter(assessment_id__isnull=True)
    )
    return {row.version.question.key: row for row in rows}


def test_the_refresh_recovers_the_simulated_item_parameters(population):
    items, assessment = population
    summary = item_statistics_refresh()
    assert summary.assessments == 1
    rows = _whole(assessment.pk)
    assert set(rows) == {item.key for item in items}
    a = np.array([i.a for i in items])
    b = np.array([i.b for i in items])
    facility, cov = population_moments(a, b)
    for item, f_true in zip(items, facility, strict=True):
        row = rows[item.key]
        assert row.responses == CANDIDATES
        # Four standard errors of a proportion over 300 candidates.
        assert abs(row.facility - f_true) <= 4 * np.sqrt(f_true * (1 - f_true) / CANDIDATES)
        assert row.median_seconds == pytest.approx(item.median_seconds, rel=0.1)
    ordinary = [i for i in items if i.key.startswith("sim-item-")]
    assert (
        rank_correlation([i.a for i in ordinary], [rows[i.key].discrimination for i in ordinary])
        > 0.7
    )
    assert rows["sim-reversed"].flags == [FLAG_NEGATIVE]
    assert FLAG_EASY in rows["sim-giveaway"].flags
    assert all(rows[i.key].flags == [] for i in ordinary)
    # The same figures over every attempt (one assessment here).
    assert _whole()["sim-item-03"].facility == rows["sim-item-03"].facility

    reliability = AssessmentStatistics.objects.get(assessment_id=assessment.pk)
    k = len(items)
    alpha_true = population_alpha(cov)
    se = np.sqrt(2 * k * (1 - alpha_true) ** 2 / ((k - 1) * (CANDIDATES - 1)))
    assert reliability.attempts == CANDIDATES
    assert reliability.title == "Simulated screen"
    assert abs(reliability.alpha - alpha_true) <= 4 * se
    assert reliability.sem_percent == pytest.approx(
        reliability.sd_percent * np.sqrt(1 - reliability.alpha)
    )


def test_numeric_variants_get_their_own_rows(population):
    item_statistics_refresh()
    variants = ItemStatistics.objects.filter(
        assessment_id__isnull=True, version__question__key="sim-item-04"
    ).exclude(variant="")
    assert sorted(v.variant for v in variants) == ["momentum=0.9", "momentum=0.99"]
    assert sum(v.responses for v in variants) == CANDIDATES


def test_exposure_counts_every_candidate_shown_a_question(population):
    items, _ = population
    item_statistics_refresh()
    seen = dict(Question.objects.values_list("key", "seen_by"))
    assert all(seen[item.key] == CANDIDATES for item in items)


def test_the_command_and_the_task_recompute_from_scratch(population, capsys):
    ItemStatistics.objects.all().delete()
    call_command("itemstats")
    assert "statistics for 1 assessment(s)" in capsys.readouterr().out
    first = ItemStatistics.objects.count()
    assert first > 0
    assert "statistics for 1 assessment(s)" in refresh_item_statistics()
    assert ItemStatistics.objects.count() == first  # replaced, not duplicated


def test_random_draws_expose_questions_unevenly_and_the_counts_say_so():
    items = default_items()
    simulate_attempts(items, 60, np.random.default_rng(5), draw_count=6)
    item_statistics_refresh()
    seen = dict(Question.objects.values_list("key", "seen_by"))
    assert sum(seen.values()) == 60 * 6
    rows = _whole()
    assert sum(row.responses for row in rows.values()) == 60 * 6


@pytest.fixture
def staff_client(client, django_user_model):
    editor = django_user_model.objects.create_user("editor", password="pw-123456789", is_staff=True)
    client.force_login(editor)
    return client


def test_bank_editors_see_the_figures_and_the_flags(population, staff_client):
    _, assessment = population
    item_statistics_refresh()
    html = staff_client.get(reverse("quizzes:bank_statistics")).content.decode()
    assert "Simulated screen" in html and "Cronbach" in html
    assert "sim-reversed" in html and "negative discrimination" in html
    assert "momentum=0.99" in html
    # 300 candidates saw each question: over the default limit of 200, drawn at 67%.
    exposure = html.split("<h2>Exposure</h2>")[1]
    assert "sim-item-03" in exposure and "67%" in exposure
    flagged = staff_client.get(reverse("quizzes:bank_statistics"), {"dubious": "on"})
    table = flagged.content.decode().split("<h2>Questions</h2>")[1].split("<h2>Exposure</h2>")[0]
    assert "sim-reversed" in table and "sim-giveaway" in table and "sim-item-03" not in table
    one = staff_client.get(reverse("quizzes:bank_statistics"), {"assessment": assessment.pk})
    assert one.status_code == 200 and "sim-item-03" in one.content.decode()


def test_a_bad_filter_is_a_400(staff_client, db):
    response = staff_client.get(reverse("quizzes:bank_statistics"), {"assessment": "999"})
    assert response.status_code == 400


def test_the_page_is_for_staff_only(client, django_user_model, db):
    url = reverse("quizzes:bank_statistics")
    assert client.get(url).status_code == 302
    recruiter = django_user_model.objects.create_user("recruiter", password="pw-123456789")
    client.force_login(recruiter)
    response = client.get(url)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_admin_shows_a_questions_statistics_and_lists_the_dubious_rows(population, client):
    item_statistics_refresh()
    admin = get_user_model().objects.create_superuser("boss", "b@example.com", "pw-123456789")
    client.force_login(admin)
    question = Question.objects.get(key="sim-reversed")
    html = client.get(reverse("admin:quizzes_question_change", args=[question.pk])).content
    assert b"300 responses" in html and b"[negative discrimination]" in html
    listing = client.get(reverse("admin:quizzes_itemstatistics_changelist"), {"dubious": "yes"})
    text = listing.content.decode()
    assert "sim-reversed" in text and "sim-giveaway" in text and "sim-item-03" not in text


def test_the_beat_schedule_runs_the_registered_statistics_task(settings):
    from assess.celery import app

    app.loader.import_default_modules()
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-item-statistics"]
    assert entry["task"] in app.tasks
    assert entry["schedule"] == 3600.0
