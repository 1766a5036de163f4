"""The problem registry: what the question bank reads, and the cases' soundness."""

from __future__ import annotations

import ast

import numpy as np
import pytest

from grader.engine.problems import UnknownProblem, get_problem, list_problems

SLUGS = [
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
GPU_SLUGS = ["bn-forward-cuda", "bn-relu-triton", "add-rmsnorm-triton", "rmsnorm-backward-triton"]


def test_registry_lists_the_nine_cpu_problems_then_the_gpu_ones():
    assert [p.slug for p in list_problems()] == SLUGS + GPU_SLUGS
    assert {p.placement for p in list_problems() if p.slug in SLUGS} == {"cpu"}
    assert [get_problem(s).placement for s in GPU_SLUGS] == [
        "gpu-preferred",
        "gpu-required",
        "gpu-preferred",
        "gpu-preferred",
    ]


def test_unknown_slug_raises_unknown_problem_which_is_a_key_error():
    with pytest.raises(UnknownProblem) as info:
        get_problem("no-such-problem")
    assert isinstance(info.value, KeyError)
    assert "no-such-problem" in str(info.value)


@pytest.mark.parametrize("slug", SLUGS)
def test_problem_text_is_complete(slug):
    problem = get_problem(slug)
    assert problem.level in {"junior", "mid", "senior"}
    assert problem.title and not problem.title.startswith("#")
    for name in problem.function_names:
        assert f"def {name}(" in problem.statement
        assert f"def {name}(" in problem.starter_code
    assert "rtol = 1e-4" in problem.statement


@pytest.mark.parametrize("slug", SLUGS)
def test_starter_code_parses_imports_numpy_and_raises_not_implemented(slug):
    starter = get_problem(slug).starter_code
    tree = ast.parse(starter)
    assert any(isinstance(n, ast.Import) and n.names[0].asname == "np" for n in tree.body)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    assert all(ast.get_docstring(f) for f in functions)
    assert all("NotImplementedError" in ast.unparse(f.body[-1]) for f in functions)


@pytest.mark.parametrize("slug", SLUGS)
def test_cases_cover_both_dtypes_and_have_public_samples(slug):
    problem = get_problem(slug)
    cases = problem.cases()
    assert {c.dtype for c in cases} == {"float32", "float64"}
    assert 1 <= len(problem.cases(public_only=True)) < len(cases)
    assert len({c.name for c in cases}) == len(cases)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_reference_is_non_degenerate_so_zeros_cannot_pass(slug):
    problem = get_problem(slug)
    for case in problem.cases():
        if case.expect_error:
            continue
        expected = problem.expected(case)
        rtol, atol = case.tolerance
        for name in case.outputs:
            ref = np.asarray(expected[name], dtype=np.float64)
            assert np.all(np.isfinite(ref)), (case.name, name)
            # zeros fail wherever |ref| exceeds the tolerance: at least once per output.
            allowed = atol * max(1.0, np.abs(ref).max()) + rtol * np.abs(ref)
            assert (np.abs(ref) > allowed).any(), (case.name, name)


def test_cases_are_reproducible_from_fixed_seeds():
    from grader.engine.problems.batch_norm import bn_forward_cases

    first, second = bn_forward_cases(), bn_forward_cases()
    for a, b in zip(first, second, strict=True):
        for key in a.inputs:
            np.testing.assert_array_equal(a.inputs[key], b.inputs[key])


def test_hidden_cases_include_the_edge_cases_an_interviewer_cares_about():
    names = " | ".join(c.name for c in get_problem("bn-forward").cases())
    for phrase in (
        "batch of one",
        "eps matters",
        "large means",
        "5-D",
        "2-D",
        "eval after training",
        "raises ValueError",
    ):
        assert phrase in names
