"""The candidate's traceback: their own file's frames, with their line numbers and lines,
and nothing of the harness (its frames, its source, its host paths)."""

from __future__ import annotations

import re

from grader.engine.sandbox import zygote

HELPER_RAISES = """import numpy as np


def _stats(x, axes):
    mean = x.mean(axis=axes, keepdims=True)
    return mean, x.var(axis=axez, keepdims=True)


def layernorm_forward(x, normalized_shape, weight, bias, eps=1e-5):
    axes = tuple(range(x.ndim - 1, x.ndim))
    mean, var = _stats(x, axes)
    return (x - mean) / np.sqrt(var + eps)
"""

# Where the harness lives on the host: none of it may reach the candidate.
HARNESS_MARKS = ("zygote", "grader/engine", "_run_case", "site-packages", 'File "/')


def test_a_helper_raising_shows_both_frames_with_their_line_numbers(grade):
    report = grade("layernorm-forward", HELPER_RAISES, public_only=True)
    assert report.verdict == "runtime_error"
    text = report.to_dict()["traceback"]
    assert text.splitlines() == [
        "Traceback (your code, most recent call last):",
        '  File "submission.py", line 11, in layernorm_forward',
        "    mean, var = _stats(x, axes)",
        '  File "submission.py", line 6, in _stats',
        "    return mean, x.var(axis=axez, keepdims=True)",
        "NameError: name 'axez' is not defined",
    ]
    for mark in HARNESS_MARKS:
        assert mark not in text, mark


def test_library_frames_are_left_out_but_the_error_stays(grade):
    source = HELPER_RAISES.replace("axis=axez", "axis=axes").replace(
        "return (x - mean)", "return (x - mean) + np.ones(7)"
    )
    text = grade("layernorm-forward", source, public_only=True).traceback
    assert '  File "submission.py", line 12, in layernorm_forward' in text
    assert "numpy" not in text.split("\n")[-2]  # the frame above the error is theirs
    assert text.splitlines()[-1].startswith("ValueError: operands could not be broadcast")
    for mark in HARNESS_MARKS:
        assert mark not in text, mark


def test_an_error_while_loading_the_file_shows_its_line(grade):
    source = "import numpy as np\n\nLIMIT = 1 / 0\n\n" + HELPER_RAISES
    text = grade("layernorm-forward", source, public_only=True).traceback
    assert text.splitlines()[1:] == [
        '  File "submission.py", line 3, in <module>',
        "    LIMIT = 1 / 0",
        "ZeroDivisionError: division by zero",
    ]


def test_deep_recursion_shows_the_last_frames_only(grade):
    source = HELPER_RAISES.replace(
        "    mean, var = _stats(x, axes)", "    return layernorm_forward(x, normalized_shape, 0, 0)"
    )
    text = grade("layernorm-forward", source, public_only=True).traceback
    assert re.search(r"\.\.\. \d+ earlier calls not shown", text)
    assert text.count('File "submission.py"') == zygote.TRACEBACK_FRAMES
    assert text.endswith("RecursionError: maximum recursion depth exceeded")


def test_code_that_runs_cleanly_has_no_traceback(grade):
    source = HELPER_RAISES.replace("axis=axez", "axis=axes")
    report = grade("layernorm-forward", source, public_only=True)
    assert report.traceback == "" and report.to_dict()["traceback"] == ""


def test_a_frame_compiled_under_another_name_is_not_shown(grade):
    """Code the candidate compiles under the harness's name is no frame of theirs; its
    lines are never read from a file on disk."""
    source = HELPER_RAISES.replace(
        "    mean, var = _stats(x, axes)",
        "    exec(compile('raise KeyError(1)', '/srv/grader/zygote.py', 'exec'))",
    )
    text = grade("layernorm-forward", source, public_only=True).traceback
    files = re.findall(r'File "([^"]+)"', text)
    assert files == ["submission.py"]  # their exec line, not the frame it made
    assert text.splitlines()[-1] == "KeyError: 1"
