"""Coding problems from an author's reference (grader.engine.authored): the reference runs in
the sandbox like a candidate's code, weak tests are refused with the surviving mutants named,
a failing or hostile reference is a clear error for its author, and a built problem grades
submissions with a diagnosis that names the mutant a wrong answer matches."""

from __future__ import annotations

import copy

import pytest

from grader.engine.authored import (
    AuthoredBuildError,
    AuthoredSpecError,
    build,
    dump_arrays,
    load_built,
    make_problem,
    mutant_rows,
    parse_spec,
)
from grader.engine.authored.build import waived
from grader.engine.authored.mutants import make_mutants
from grader.engine.grading import grade_submission
from grader.engine.problems import UnknownProblem, get_problem, set_resolver
from tests.grader.conftest import CANARY, CANARY_FILE

REFERENCE = """import numpy as np

def layer_norm(x, gamma, beta, eps):
    # statistics over the last axis (axis=-1), biased variance
    mean = x.mean(axis=-1, keepdims=True)
    var = np.var(x, axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta
"""


def _case(name, x, *, public=False, eps=1e-5, affine=True, **extra):
    width = x["shape"][-1] if "shape" in x else len(x["values"][0])
    gamma = (
        {"shape": [width], "distribution": "uniform", "low": 0.5, "high": 2.0}
        if affine
        else {"shape": [width], "fill": 1.0}
    )
    beta = {"shape": [width], "loc": 1.0} if affine else {"shape": [width], "fill": 0.0}
    return {
        "name": name,
        "public": public,
        "inputs": {"x": x, "gamma": gamma, "beta": beta},
        "values": {"eps": eps},
        **extra,
    }


WEAK_CASES = [
    _case("sample", {"shape": [4, 8]}, public=True, affine=False),
    _case("hidden", {"shape": [4, 64]}, affine=False),
]
STRONG_CASES = [
    *WEAK_CASES,
    _case("affine small rows", {"shape": [3, 3], "loc": 5.0, "scale": 3.0}),
    _case(
        "constant rows",
        {"values": [[2.0, 2.0, 2.0, 2.0], [1.0, 2.0, 3.0, 4.0]]},
        eps=0.5,
        dtype="float64",
    ),
]


def _spec(cases=STRONG_CASES, source=REFERENCE, **changes):
    spec = {
        "function": "layer_norm",
        "params": ["x", "gamma", "beta", "eps"],
        "source": source,
        "title": "Layer normalization",
        "statement": "Normalize each row of x over its last axis, then scale and shift.",
        "cases": copy.deepcopy(cases),
    }
    spec.update(changes)
    return spec


@pytest.fixture(scope="module")
def strong(pool):
    return build(parse_spec(_spec()), pool)


@pytest.fixture()
def authored(strong):
    problem = make_problem("org1-layer-norm-0123abcd", "mid", strong)
    previous = set_resolver(lambda slug: problem if slug == problem.slug else None)
    yield problem
    set_resolver(previous)


def test_strong_tests_kill_every_mutant_and_every_degenerate_scores_zero(strong):
    assert strong.weaknesses() == []
    assert len(strong.mutants) >= 10
    assert set(strong.degenerate) >= {"zeros", "ones", "its input back"}
    assert all(points == 0 for points in strong.degenerate.values())


def test_weak_tests_are_refused_with_the_survivors_named_and_why(pool):
    built = build(parse_spec(_spec(WEAK_CASES)), pool)
    said = "\n".join(built.weaknesses())
    assert "line 7: the term + beta left out" in said
    assert "line 7: the factor * gamma left out" in said
    assert "eps added outside the square root instead of inside" in said
    assert "no hidden case tells it apart" in said
    assert "beta values far from zero" in said
    # what the hidden cases did catch is not listed
    assert "ddof" not in said


def test_a_small_batch_is_what_catches_unbiased_variance(pool):
    cases = [
        _case("sample", {"shape": [2, 4]}, public=True),
        _case("wide rows", {"shape": [1, 60000], "loc": 3.0}),
    ]
    built = build(parse_spec(_spec(cases)), pool)
    ddof = [r for r in built.survivors if r.mutant.slug.startswith("ddof")]
    assert ddof and "ddof=1 instead of ddof=0" in ddof[0].explained()
    assert "few elements per statistic" in ddof[0].explained()


def test_degenerate_output_that_passes_a_hidden_case_is_refused(pool):
    # Every hidden row is constant and beta is zero: the expected output is all zeros.
    cases = [
        _case("sample", {"shape": [2, 4]}, public=True),
        _case("flat", {"shape": [3, 4], "fill": 1.5}, affine=False),
    ]
    built = build(parse_spec(_spec(cases)), pool)
    assert built.degenerate["zeros"] == 1.0
    assert any("returns zeros scores 100%" in w for w in built.weaknesses())


def test_a_correct_submission_is_accepted_and_a_wrong_one_named_by_its_mutant(authored, pool):
    right = grade_submission(authored.slug, REFERENCE.replace("mean =", "mean  ="), pool=pool)
    assert right.verdict == "accepted" and right.score == 1.0
    unbiased = REFERENCE.replace("keepdims=True)\n    return", "keepdims=True, ddof=1)\n    return")
    report = grade_submission(authored.slug, unbiased, pool=pool)
    assert report.verdict == "wrong_answer"
    assert report.diagnosis.slug.startswith("authored-mutant-ddof")
    assert "ddof=1 instead of ddof=0" in report.diagnosis.title
    outside = REFERENCE.replace("np.sqrt(var + eps)", "(np.sqrt(var) + eps)")
    report = grade_submission(authored.slug, outside, pool=pool)
    assert report.diagnosis.slug.startswith("authored-mutant-eps-outside")


def test_public_samples_grade_only_the_public_cases(authored, pool):
    report = grade_submission(authored.slug, REFERENCE, public_only=True, pool=pool)
    assert report.verdict == "accepted"
    assert {c.name.split(":")[0] for c in report.checks} == {"sample"}


def test_the_stored_form_grades_as_the_built_one(strong, pool):
    loaded = load_built(_spec(), dump_arrays(strong), mutant_rows(strong), strong.degenerate)
    problem = make_problem("org1-layer-norm-stored", "mid", loaded)
    previous = set_resolver(lambda slug: problem if slug == problem.slug else None)
    try:
        no_beta = REFERENCE.replace(" * gamma + beta", " * gamma")
        report = grade_submission(problem.slug, no_beta, pool=pool)
    finally:
        set_resolver(previous)
    assert report.diagnosis.slug.startswith("authored-mutant-drop-term")
    assert [r.survived for r in loaded.mutants] == [r.survived for r in strong.mutants]


def test_an_unknown_slug_is_still_unknown_with_a_resolver(authored):
    with pytest.raises(UnknownProblem):
        get_problem("org2-someone-elses")
    assert get_problem("layernorm-forward").slug == "layernorm-forward"


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("    raise RuntimeError('boom')\n", "raised RuntimeError: boom"),
        ("    while True:\n        pass\n", "ran past the time limit"),
        ("    return np.ones((1 << 14, 1 << 14, 8))\n", "out of memory"),
        ("    return x.astype(np.float64)\n", "as float64 for float32 inputs"),
        ("    return x / 0.0\n", "NaN or infinity"),
        ("    x -= x.mean()\n    return x\n", "modified its input arrays"),
        ("    return [[1, 2]]\n", "not an array"),
    ],
)
def test_a_failing_reference_is_a_clear_error_for_its_author(pool, body, said):
    source = "import numpy as np\n\ndef layer_norm(x, gamma, beta, eps):\n" + body
    with pytest.raises(AuthoredBuildError) as caught:
        build(parse_spec(_spec(source=source)), pool)
    assert said in str(caught.value)


def test_a_hostile_reference_is_contained_like_a_candidates_code(pool, canary):
    source = (
        "import os, socket\n"
        f"SECRET = open({str(CANARY_FILE)!r}).read()\n"
        "def layer_norm(x, gamma, beta, eps):\n    return x\n"
    )
    with pytest.raises(AuthoredBuildError) as caught:
        build(parse_spec(_spec(source=source)), pool)
    assert "loading it raised" in str(caught.value)
    assert CANARY not in str(caught.value)
    network = (
        "import socket\n"
        "def layer_norm(x, gamma, beta, eps):\n"
        "    socket.create_connection(('127.0.0.1', 5432), timeout=1)\n    return x\n"
    )
    with pytest.raises(AuthoredBuildError) as caught:
        build(parse_spec(_spec(source=network)), pool)
    assert "raised" in str(caught.value)


def test_mutants_change_the_syntax_tree_not_the_text():
    mutants = make_mutants(REFERENCE, "layer_norm")
    slugs = {m.slug.split("-l")[0] for m in mutants}
    assert {"axis", "axis-all", "keepdims", "ddof", "eps-outside", "eps-dropped"} <= slugs
    assert {"no-sqrt", "no-centering", "drop-term", "drop-factor", "var-std"} <= slugs
    for mutant in mutants:
        compile(mutant.source, "<mutant>", "exec")
        # the comment that mentions axis=-1 is not code: no mutant is made from it
        assert mutant.line >= 5
    assert len({m.source for m in mutants}) == len(mutants)


WAIVER = "Dividing by a scalar or by a 1x1 array broadcasts the same way."

BAD_SPECS = [
    ("equivalent not a mapping", lambda s: {**s, "equivalent": ["x"]}, "'equivalent' maps"),
    ("equivalent bad id", lambda s: {**s, "equivalent": {"rm -rf /": WAIVER}}, "not a mutant id"),
    ("equivalent no reason", lambda s: {**s, "equivalent": {"axis-l5c9": "yes"}}, "10 to 300"),
    ("equivalent huge", lambda s: {**s, "equivalent": {"axis-l5c9": "x" * 5000}}, "10 to 300"),
    ("equivalent NUL", lambda s: {**s, "equivalent": {"axis-l5c9": WAIVER + "\x00"}}, "as text"),
    ("equivalent nested", lambda s: {**s, "equivalent": {"axis-l5c9": {"a": 1}}}, "as text"),
    (
        "equivalent too many",
        lambda s: {**s, "equivalent": {f"axis-l{i}c1": WAIVER for i in range(41)}},
        "at most 40",
    ),
    ("not a mapping", lambda s: ["x"], "must be a mapping"),
    ("unknown field", lambda s: {**s, "grader": 1}, "unknown field(s) in 'reference'"),
    ("NUL in source", lambda s: {**s, "source": s["source"] + "\x00"}, "NUL"),
    ("lone surrogate", lambda s: {**s, "statement": "a\ud800"}, "lone surrogate"),
    ("huge source", lambda s: {**s, "source": "#" * 20_001}, "over the limit"),
    ("bad function", lambda s: {**s, "function": "__import__"}, "'function' must be"),
    ("keyword", lambda s: {**s, "function": "lambda"}, "'function' must be"),
    ("params mismatch", lambda s: {**s, "params": ["x", "g", "b", "eps"]}, "takes (x, gamma"),
    ("no such function", lambda s: {**s, "function": "rms_norm"}, "does not define"),
    ("syntax error", lambda s: {**s, "source": "def layer_norm(:\n"}, "does not compile"),
    ("NaN tolerance", lambda s: {**s, "tolerances": {"float32": [float("nan"), 0]}}, "finite"),
    ("loose tolerance", lambda s: {**s, "tolerances": {"float64": [0.5, 0.5]}}, "ten times"),
    ("unknown dtype tol", lambda s: {**s, "tolerances": {"int8": [0, 0]}}, "unknown dtype"),
    ("no cases", lambda s: {**s, "cases": []}, "1 to 40 cases"),
    ("too many cases", lambda s: {**s, "cases": s["cases"] * 11}, "1 to 40 cases"),
]


def _bad_case(change):
    def apply(spec):
        case = copy.deepcopy(spec["cases"][1])
        change(case)
        return {**spec, "cases": [spec["cases"][0], case]}

    return apply


BAD_CASES = [
    ("huge shape", lambda c: c["inputs"]["x"].update(shape=[100000, 100000]), "elements"),
    ("zero dim", lambda c: c["inputs"]["x"].update(shape=[0, 4]), "positive integers"),
    ("bool dim", lambda c: c["inputs"]["x"].update(shape=[True, 4]), "positive integers"),
    ("deep shape", lambda c: c["inputs"]["x"].update(shape=[1] * 7), "1 to 6"),
    ("unknown dtype", lambda c: c.update(dtype="complex128"), "'dtype' must be"),
    ("NaN loc", lambda c: c["inputs"]["x"].update(loc=float("nan")), "finite"),
    ("bad distribution", lambda c: c["inputs"]["x"].update(distribution="cauchy"), "one of"),
    ("bad seed", lambda c: c.update(seed=-1), "'seed'"),
    ("NaN weight", lambda c: c.update(weight=float("inf")), "'weight'"),
    ("unknown param", lambda c: c["values"].update(delta=1), "not a parameter"),
    ("missing param", lambda c: c["values"].pop("eps"), "no input or value for eps"),
    ("NaN value", lambda c: c["values"].update(eps=float("nan")), "finite number"),
    ("NUL value", lambda c: c["values"].update(eps="a\x00"), "finite number"),
    ("nested value", lambda c: c["values"].update(eps={"a": 1}), "finite number"),
    ("ragged literal", lambda c: c["inputs"].update(x={"values": [[1, 2], [3]]}), "rectangular"),
    ("NaN literal", lambda c: c["inputs"].update(x={"values": [[float("nan")]]}), "finite"),
    ("deep literal", lambda c: c["inputs"].update(x={"values": [[[[[[[1]]]]]]]}), "levels"),
    ("bad name", lambda c: c.update(name="a\x00b"), "'name' must be"),
    ("array not mapping", lambda c: c["inputs"].update(x=[1, 2]), "must be a mapping"),
]


@pytest.mark.parametrize(
    ("what", "change", "said"),
    BAD_SPECS + [(w, _bad_case(c), s) for w, c, s in BAD_CASES],
    ids=[w for w, _, _ in BAD_SPECS + BAD_CASES],
)
def test_hostile_spec_fields_are_refused_with_a_clear_reason(what, change, said):
    with pytest.raises(AuthoredSpecError) as caught:
        parse_spec(change(_spec()))
    assert said in str(caught.value), caught.value.errors


def test_all_public_cases_and_duplicate_names_are_refused():
    with pytest.raises(AuthoredSpecError) as caught:
        parse_spec(_spec([WEAK_CASES[0], WEAK_CASES[0]]))
    said = str(caught.value)
    assert "two cases are named 'sample'" in said
    assert "every case is public" in said


def test_the_cases_are_the_same_every_time():
    first, second = parse_spec(_spec()).build_cases(), parse_spec(_spec()).build_cases()
    assert [c.name for c in first] == ["sample", "hidden", "affine small rows", "constant rows"]
    for a, b in zip(first, second, strict=True):
        assert all((a.inputs[k] == b.inputs[k]).all() for k in a.inputs)
    assert first[3].inputs["x"].dtype.name == "float64"
    assert first[0].tolerance == (1e-4, 1e-5)


HAND_WRITTEN = """import numpy as np

def layer_norm(x, gamma, beta, eps):
    mu = x.mean(axis=-1, keepdims=True)
    inv = (((x - mu) ** 2).mean(axis=-1, keepdims=True) + eps) ** -0.5
    return (x - mu) * inv * gamma + beta
"""


def test_a_hand_written_variance_and_power_root_get_the_same_mutants(pool):
    built = build(parse_spec(_spec(source=HAND_WRITTEN)), pool)
    by_kind = {r.mutant.slug.split("-l")[0]: r for r in built.mutants}
    assert {"ddof", "eps-outside", "eps-dropped", "no-sqrt", "no-centering"} <= set(by_kind)
    assert "divided by n - 1" in by_kind["ddof"].mutant.description
    assert built.weaknesses() == []
    weak = build(parse_spec(_spec(WEAK_CASES, source=HAND_WRITTEN)), pool)
    assert any("eps added outside the square root" in w for w in weak.weaknesses())


GLOBAL_RMS = """import numpy as np

def global_rms(x, eps):
    # one statistic over the whole array: its mean square
    ms = np.mean(x * x, keepdims=True)
    return x / np.sqrt(ms + eps)
"""


def _rms_spec(**changes):
    rms = {
        "function": "global_rms",
        "params": ["x", "eps"],
        "source": GLOBAL_RMS,
        "title": "Global RMS",
        "statement": "Divide x by the square root of its mean square plus eps.",
        "cases": [
            {
                "name": "sample",
                "public": True,
                "inputs": {"x": {"shape": [3, 4], "loc": 2.0}},
                "values": {"eps": 0.5},
            },
            {
                "name": "hidden",
                "inputs": {"x": {"shape": [5, 7], "loc": 3.0, "scale": 2.0}},
                "values": {"eps": 0.5},
            },
        ],
    }
    return {**rms, **changes}


def test_a_mutant_no_input_can_tell_apart_is_waived_with_a_reason_and_wrong_claims_are_not(pool):
    # keepdims=False divides by a scalar instead of a 1x1 array: the same for every input.
    built = build(parse_spec(_rms_spec()), pool)
    (weakness,) = built.weaknesses()
    assert "keepdims=False instead of keepdims=True" in weakness
    assert "mutant keepdims-l5c9" in weakness and "under 'equivalent:'" in weakness

    claims = {"keepdims-l5c9": WAIVER, "eps-dropped-l6c15": WAIVER, "axis-l9c1": WAIVER}
    built = build(parse_spec(_rms_spec(equivalent=claims)), pool)
    said = "\n".join(built.weaknesses())
    assert "keepdims" not in said  # the waived survivor no longer refuses publication
    assert "'equivalent' names eps-dropped-l6c15 (line 6: eps left out" in said
    assert "but the hidden cases tell it apart (wrong on the hidden case 'hidden')" in said
    assert "'equivalent' names axis-l9c1, which is not one of your reference's mutants" in said

    built = build(parse_spec(_rms_spec(equivalent={"keepdims-l5c9": WAIVER})), pool)
    assert built.weaknesses() == []
    assert waived(built.spec.equivalent, mutant_rows(built)) == [
        "The author says no input tells this mutant from the reference: line 5: mean() with "
        f"keepdims=False instead of keepdims=True (keepdims-l5c9); why: “{WAIVER}”"
    ]
