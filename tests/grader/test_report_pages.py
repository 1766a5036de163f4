"""The report people read: verdict, diagnosis and the smallest failing case before the table."""

from __future__ import annotations

from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from assess.attempts.selectors import sample_run_context
from tests.grader.conftest import SUBMISSIONS


def _sample_run(report: dict) -> str:
    """The sample-run fragment as the candidate's page renders it, from a stored report."""
    submission = SimpleNamespace(is_final=True, report=report, created_at=timezone.now(), pk=1)
    return render_to_string("assess/_sample_run.html", sample_run_context(submission, "token"))


def test_a_sample_run_shows_the_diagnosis_and_the_shrunk_sample_before_the_folded_table(grade):
    source = (SUBMISSIONS / "wrong" / "bn_fold" / "forgets_bias.py").read_text()
    report = grade("bn-fold", source, public_only=True).to_candidate_dict()
    html = _sample_run(report)
    diagnosis = html.index(escape(report["diagnosis"]["title"]))
    smallest = html.index("Smallest failing case")
    table = html.index("<details")
    assert diagnosis < smallest < table
    assert "fold_batchnorm(weight, bias, gamma, beta, running_mean, running_var)" in html
    assert "The code returned" in html and "Expected" in html


def test_a_hidden_case_never_reaches_the_candidates_page(grade):
    source = (SUBMISSIONS / "wrong" / "bn_fold" / "forgets_bias.py").read_text()
    report = grade("bn-fold", source).to_dict()  # hidden cases: reviewer-only
    assert report["smallest_failing_case"]["reviewer_only"] is True
    assert "Smallest failing case" not in _sample_run(report)
    assert "Smallest failing case" in render_to_string(
        "assess/_smallest_failing_case.html", {"case": report["smallest_failing_case"]}
    )


# Right on every input but one with more than 30 values where neither x nor the weight is
# whole numbers: no smaller or simpler copy of the failing case fails, so nothing shrinks.
WRONG_ONLY_ON_LARGE_FRACTIONAL_INPUTS = (
    (SUBMISSIONS / "correct" / "rmsnorm_forward.py")
    .read_text()
    .replace(
        "    return out.astype(x.dtype)",
        "    fractional = [v is not None and not np.all(v == np.round(v)) for v in (x, weight)]\n"
        "    if x.size > 30 and all(fractional):\n"
        "        out = out * 1.5\n"
        "    return out.astype(x.dtype)",
    )
)


def test_a_case_that_could_not_be_shrunk_is_not_called_shrunk(grade):
    report = grade(
        "rmsnorm-forward", WRONG_ONLY_ON_LARGE_FRACTIONAL_INPUTS, public_only=True
    ).to_candidate_dict()
    case = report["smallest_failing_case"]
    assert case["shrunk"] is False
    html = _sample_run(report)
    assert "shrunk from" not in html and "Smallest failing case" not in html
    assert f"“{case['from_case']}”: no smaller input fails the same way" in html
