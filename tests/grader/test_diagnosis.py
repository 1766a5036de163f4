"""The diagnosis names the mistake of a wrong answer, and never one for a right answer.

The corpus under submissions/wrong/<problem>/ holds wrong solutions written as candidates
write them (each file says its bug and the diagnosis a reviewer should read); the correct
solutions under submissions/correct/ and submissions/accepted/<problem>/ are other styles.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.engine.problems import get_problem
from tests.grader.conftest import SUBMISSIONS

CPU_PROBLEMS = [
    "bn-forward",
    "bn-backward",
    "layernorm-forward",
    "layernorm-backward",
    "groupnorm-forward",
    "rmsnorm-forward",
    "bn-fold",
    "bn-sync-stats",
    "cs231n-batchnorm",
]
_CORRECT_FILES = {
    "bn_forward_plain.py": "bn-forward",
    "bn_forward_moveaxis.py": "bn-forward",
    "bn_forward_loops.py": "bn-forward",
    "bn_backward.py": "bn-backward",
    "layernorm_forward.py": "layernorm-forward",
    "layernorm_backward.py": "layernorm-backward",
    "groupnorm_forward.py": "groupnorm-forward",
    "rmsnorm_forward.py": "rmsnorm-forward",
    "bn_fold.py": "bn-fold",
    "bn_sync_stats.py": "bn-sync-stats",
    "cs231n_batchnorm.py": "cs231n-batchnorm",
}


def _slug(folder: str) -> str:
    return folder.replace("_", "-")


def _correct() -> list[tuple[str, Path]]:
    found = [(slug, SUBMISSIONS / "correct" / name) for name, slug in _CORRECT_FILES.items()]
    found += [(_slug(p.parent.name), p) for p in sorted((SUBMISSIONS / "accepted").glob("*/*.py"))]
    return found


def _corpus() -> list[tuple[str, Path, str]]:
    found = []
    for path in sorted((SUBMISSIONS / "wrong").glob("*/*.py")):
        expected = re.search(r"^# diagnosis: (\S+)$", path.read_text(), re.M)
        assert expected, f"{path} does not say its diagnosis"
        found.append((_slug(path.parent.name), path, expected.group(1)))
    return found


CORPUS = _corpus()


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.fixture(scope="module")
def corpus_reports(grade):
    """Each corpus file graded once (the rate test and the per-file tests share them)."""
    return {path: grade(slug, path.read_text()) for slug, path, _ in CORPUS}


@pytest.mark.parametrize(("slug", "path"), _correct(), ids=[_id(p) for _, p in _correct()])
def test_correct_solution_is_accepted_and_gets_no_diagnosis(grade, slug, path):
    report = grade(slug, path.read_text())
    failed = [(c.name, c.message) for c in report.checks if not c.passed]
    assert report.verdict == "accepted", (report.message, failed[:3])
    assert report.score == 1.0
    assert report.diagnosis.slug is None and report.findings == []
    assert report.smallest_failing_case is None


def test_every_problem_has_several_correct_styles_and_five_wrong_solutions():
    for slug in CPU_PROBLEMS:
        assert sum(s == slug for s, _ in _correct()) >= 2, slug
        assert sum(s == slug for s, _, _ in CORPUS) >= 5, slug


@pytest.mark.slow  # the corpus: 75 gradings with diagnosis and shrinking
@pytest.mark.parametrize(("slug", "path", "expected"), CORPUS, ids=[_id(p) for _, p, _ in CORPUS])
def test_wrong_solution_is_rejected_and_diagnosed_by_name(corpus_reports, slug, path, expected):
    report = corpus_reports[path]
    assert report.verdict in ("wrong_answer", "runtime_error"), report.message
    assert report.score < 1.0
    assert report.diagnosis.slug == expected, report.findings
    assert report.diagnosis.title and report.diagnosis.explanation


@pytest.mark.slow
def test_at_least_90_percent_of_the_corpus_gets_the_right_diagnosis(corpus_reports):
    right = sum(corpus_reports[path].diagnosis.slug == want for _, path, want in CORPUS)
    assert right / len(CORPUS) >= 0.9, f"{right} of {len(CORPUS)}"


def test_an_unexplained_wrong_answer_says_no_known_mistake_matches(grade):
    source = (SUBMISSIONS / "correct" / "layernorm_forward.py").read_text()
    # a bend of the normalized values: per sample, invariant to shift and scale, eps unused
    source = source.replace(
        "    if weight is not None:", "    out = out + 0.01 * out**3\n    if weight is not None:", 1
    )
    report = grade("layernorm-forward", source)
    assert report.verdict == "wrong_answer"
    assert report.diagnosis.slug is None
    assert report.diagnosis.explanation.startswith("no known mistake matches")


def _groupnorm(old: str, new: str) -> str:
    source = (SUBMISSIONS / "correct" / "groupnorm_forward.py").read_text()
    assert old in source
    return source.replace(old, new)


def _layernorm(old: str, new: str) -> str:
    source = (SUBMISSIONS / "correct" / "layernorm_forward.py").read_text()
    assert old in source
    return source.replace(old, new)


# Wrong answers no composition of known departures reproduces: the probes say what the code
# does that the reference does not, in words.
PROBED = {
    "statistics over every axis, the batch included": (
        "layernorm-forward",
        _layernorm(
            "axes = tuple(range(x.ndim - len(normalized_shape), x.ndim))",
            "axes = tuple(range(x.ndim))",
        ),
        "statistics-across-samples",
        "changed the output of samples 0, 1",
    ),
    "twice as many groups where C allows it": (
        "groupnorm-forward",
        _groupnorm(
            "reshape(n, num_groups, -1)",
            "reshape(n, num_groups * 2 if c % (num_groups * 2) == 0 else num_groups, -1)",
        ),
        "statistics-not-shared-across-channels",
        "changed the output of channels 0 only",
    ),
    "eps squared": (
        "layernorm-forward",
        _layernorm("np.sqrt(var + eps)", "np.sqrt(var + eps * eps)"),
        "eps-placement",
        "With eps near 0 the output is right",
    ),
    "a wobble of the input added to the output": (
        "layernorm-forward",
        _layernorm(
            "return out.astype(x.dtype)", "return (out + 0.01 * np.sin(7 * x)).astype(x.dtype)"
        ),
        "not-scale-invariant",
        "Multiplying every input value by 2.5 changed the output",
    ),
}


@pytest.mark.parametrize("name", list(PROBED))
def test_probes_describe_what_no_known_departure_reproduces(grade, name):
    slug, source, expected, words = PROBED[name]
    report = grade(slug, source)
    assert report.verdict == "wrong_answer"
    assert report.diagnosis.slug == expected, report.diagnosis
    assert words in report.diagnosis.explanation
    assert report.diagnosis.confidence == "medium"


def test_a_crash_is_named_by_the_shape_that_triggers_it(grade):
    # axis=(0, 2): right for 3-D input, out of bounds for 2-D, wrong for 4-D and 5-D
    source = (SUBMISSIONS / "correct" / "bn_forward_plain.py").read_text()
    source = source.replace("axes = (0,) + tuple(range(2, x.ndim))", "axes = (0, 2)")
    report = grade("bn-forward", source)
    crash = next(f for f in report.findings if f.slug == "crash-on-input-kind")
    assert "AxisError" in crash.explanation and "x has 2 dims" in crash.explanation


def test_a_constant_factor_is_named_and_unbiased_one_recognized(grade):
    sync = (SUBMISSIONS / "correct" / "bn_sync_stats.py").read_text()
    scaled = grade(
        "bn-sync-stats", sync.replace("var.astype(means.dtype)", "(1.5 * var).astype(means.dtype)")
    )
    assert scaled.diagnosis.slug == "constant-factor" and "1.5" in scaled.diagnosis.explanation
    # mean(x^2) over n - 1 values: out is the reference times sqrt((n - 1) / n)
    rms = (SUBMISSIONS / "correct" / "rmsnorm_forward.py").read_text()
    unbiased = rms.replace(
        "np.mean(x64 * x64, axis=axes, keepdims=True)",
        "np.sum(x64 * x64, axis=axes, keepdims=True) / (np.prod([x.shape[a] for a in axes]) - 1)",
    )
    # eps bends the ratio where the squares are small: the search names it exactly instead
    assert grade("rmsnorm-forward", unbiased).diagnosis.slug == "rms-unbiased-mean-square"


def test_an_eps_hard_coded_is_named_with_its_value(grade):
    source = (SUBMISSIONS / "correct" / "groupnorm_forward.py").read_text()
    source = source.replace(
        "g.var(axis=2, keepdims=True) + eps", "g.var(axis=2, keepdims=True) + 1e-5"
    )
    report = grade("groupnorm-forward", source)
    assert report.verdict == "wrong_answer"
    assert report.diagnosis.slug == "eps-hard-coded-1e-5"
    assert report.diagnosis.confidence == "high"
    assert "eps = 1e-05 whatever eps is passed" in report.diagnosis.explanation


# The false findings of the old ratio test: eps left out or added to the std leaves a ratio
# of about 1 (bent where eps matters), which is no constant factor; the search names both.
@pytest.mark.parametrize(
    ("new", "expected"),
    [
        ("np.sqrt(g.var(axis=2, keepdims=True))", "eps-missing"),
        ("(np.sqrt(g.var(axis=2, keepdims=True)) + eps)", "eps-outside-sqrt"),
    ],
)
def test_eps_left_out_or_on_the_std_is_never_called_a_constant_factor(grade, new, expected):
    report = grade(
        "groupnorm-forward", _groupnorm("np.sqrt(g.var(axis=2, keepdims=True) + eps)", new)
    )
    assert report.verdict == "wrong_answer"
    assert report.diagnosis.slug == expected
    assert "constant-factor" not in [f.slug for f in report.findings]


def test_zero_groups_dividing_by_zero_is_not_called_a_missing_divisibility_check(grade):
    # the check is there, but `c % num_groups` runs before `num_groups <= 0` is looked at
    source = _groupnorm(
        "if not isinstance(num_groups, int) or num_groups <= 0 or c % num_groups:",
        "if c % num_groups or num_groups <= 0:",
    )
    report = grade("groupnorm-forward", source)
    slugs = [f.slug for f in report.findings]
    assert report.verdict == "wrong_answer"
    assert "group-norm-no-divisibility-check" not in slugs
    (finding,) = report.findings
    assert finding.slug == "wrong-exception-type" and finding.confidence == "certain"
    assert "ZeroDivisionError" in finding.explanation and "0 groups" in finding.explanation


def test_a_composition_nobody_listed_is_named_by_its_parts(grade):
    # the unbiased variance and eps on the std at once: no catalog entry is both
    report = grade(
        "groupnorm-forward",
        _groupnorm(
            "np.sqrt(g.var(axis=2, keepdims=True) + eps)",
            "(np.sqrt(g.var(axis=2, keepdims=True, ddof=1)) + eps)",
        ),
    )
    assert report.diagnosis.slug == "eps-outside-sqrt+group-norm-unbiased-variance"
    assert (
        "n - 1" in report.diagnosis.explanation
        and "sqrt(var) + eps" in report.diagnosis.explanation
    )
    assert report.to_dict()["diagnosis"]["confidence"] == "high"


def test_values_right_but_inputs_modified_and_wrong_dtype_are_both_reported(grade):
    source = (SUBMISSIONS / "correct" / "bn_fold.py").read_text()
    source = source.replace(
        "    return folded_weight.astype(weight.dtype), folded_bias.astype(weight.dtype)",
        "    gamma *= 1\n    beta[...] = beta + 1\n    return folded_weight.astype(np.float64), folded_bias.astype(weight.dtype) - 0 + 0",
    )
    report = grade("bn-fold", source)
    slugs = [f.slug for f in report.findings]
    assert report.verdict == "wrong_answer"
    assert "inputs-modified" in slugs and "wrong-output-dtype" in slugs


# Wrong implementations the hidden cases used to accept; each is now rejected by name.
GAPS = {
    "group norm that never checks C % G (6 channels, 4 groups, 4x4 positions)": (
        "groupnorm-forward",
        "wrong/groupnorm_forward/no_divisibility_check.py",
        "group-norm-no-divisibility-check",
    ),
    "combination that breaks when the first shard is empty": (
        "bn-sync-stats",
        "wrong/bn_sync_stats/relative_to_first_shard.py",
        "sync-empty-first-shard",
    ),
    "course interface with PyTorch's default momentum (only a momentum other than 0.5 shows it)": (
        "cs231n-batchnorm",
        "wrong/cs231n_batchnorm/default_momentum.py",
        "cs231n-default-momentum",
    ),
}


@pytest.mark.parametrize("name", list(GAPS))
def test_hidden_cases_catch_what_they_used_to_miss(grade, name):
    slug, relative, expected = GAPS[name]
    report = grade(slug, (SUBMISSIONS / relative).read_text())
    assert report.verdict != "accepted"
    assert report.diagnosis.slug == expected


def test_rms_norm_with_float64_machine_epsilon_for_float32_input_is_rejected(grade):
    source = (SUBMISSIONS / "correct" / "rmsnorm_forward.py").read_text()
    source = source.replace("eps = np.finfo(x.dtype).eps", "eps = np.finfo(np.float64).eps")
    report = grade("rmsnorm-forward", source)
    assert report.verdict == "wrong_answer"
    failing = [c.name for c in report.checks if not c.passed]
    assert all("float32" in name for name in failing) and failing


def test_the_smallest_failing_case_shows_few_numbers_and_both_sides(grade):
    source = (SUBMISSIONS / "wrong" / "layernorm_forward" / "unbiased_variance.py").read_text()
    report = grade("layernorm-forward", source)
    small = report.smallest_failing_case
    assert small and small["reviewer_only"] is True
    assert sum(_count(v["values"]) for v in small["inputs"].values()) <= 8
    (out,) = small["outputs"]
    assert not out["passed"] and out["got"] != out["expected"]
    assert small["calls"][0].startswith("out = layernorm_forward(x, ")
    # The candidate never sees a hidden case's inputs; the reviewer (to_dict) does.
    assert report.to_candidate_dict()["smallest_failing_case"] is None
    assert report.to_dict()["smallest_failing_case"] == small


def test_a_public_sample_shrinks_into_something_the_candidate_may_see(grade):
    source = (SUBMISSIONS / "wrong" / "bn_fold" / "forgets_bias.py").read_text()
    report = grade("bn-fold", source, public_only=True)
    assert report.smallest_failing_case["reviewer_only"] is False
    assert report.to_candidate_dict()["smallest_failing_case"] == report.smallest_failing_case
    assert (
        get_problem("bn-fold").cases(public_only=True)[0].name
        == (report.smallest_failing_case["from_case"])
    )


def _count(values) -> int:
    return sum(_count(v) for v in values) if isinstance(values, list) else 1


def test_code_that_stalls_only_on_small_inputs_ends_the_shrinking_quickly(grade):
    source = (SUBMISSIONS / "wrong" / "layernorm_forward" / "unbiased_variance.py").read_text()
    source = source.replace(
        "    ns = (normalized_shape,)",
        "    if x.size < 8:\n        while True:\n            pass\n    ns = (normalized_shape,)",
    )
    report = grade("layernorm-forward", source)
    assert report.verdict == "wrong_answer"
    assert report.diagnosis.slug == "layer-norm-unbiased-variance"
    # one shrinking job hits the wall clock (3 s in the tests' pool) and the shrinking stops
    assert report.elapsed_ms < 12_000
